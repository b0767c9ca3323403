//! Installs the random seccomp filters that children run batches under.

use crate::grammar::{Filter, FilterAction, DENIED_ERRNO};

/// `AUDIT_ARCH_X86_64` from `<linux/audit.h>`.
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

/// The offsets of `nr` and `arch` in `struct seccomp_data`.
const NR_OFFSET: u32 = 0;
const ARCH_OFFSET: u32 = 4;

fn statement(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump_if_equal(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

/// Installs `filter` in the calling thread, after setting `no_new_privs`.
/// Calls of another architecture are allowed, so the filter never hides a
/// 64-bit entry behind an ia32 number.
pub fn install(filter: &Filter) -> Result<(), String> {
    let verdict = match filter.action {
        FilterAction::Errno => libc::SECCOMP_RET_ERRNO | DENIED_ERRNO as u32,
        FilterAction::Trap => libc::SECCOMP_RET_TRAP,
        FilterAction::Kill => libc::SECCOMP_RET_KILL_PROCESS,
    };
    let load = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    let ret = libc::BPF_RET | libc::BPF_K;

    let mut program = vec![
        statement(load, ARCH_OFFSET),
        jump_if_equal(AUDIT_ARCH_X86_64, 1, 0),
        statement(ret, libc::SECCOMP_RET_ALLOW),
        statement(load, NR_OFFSET),
    ];
    for &nr in &filter.denied {
        program.push(jump_if_equal(nr, 0, 1));
        program.push(statement(ret, verdict));
    }
    program.push(statement(ret, libc::SECCOMP_RET_ALLOW));

    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_mut_ptr(),
    };
    // SAFETY: prctl(PR_SET_NO_NEW_PRIVS) takes no pointers.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(format!(
            "PR_SET_NO_NEW_PRIVS failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: `fprog` points at `program`, which outlives the call; the
    // kernel copies the program.
    let installed = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &fprog as *const libc::sock_fprog,
        )
    };
    if installed != 0 {
        return Err(format!(
            "seccomp failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}
