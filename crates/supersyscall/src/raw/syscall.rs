//! The `syscall` instruction and the supersyscall entry point.

use super::abi::{Entry, NR_SUPERSYSCALL, QUERY};

/// Issues system call `nr` with six arguments and returns the raw result.
///
/// The result is the kernel's `rax`: a value in -4095..=-1 is `-errno`.
/// A call that takes fewer arguments ignores the rest.
///
/// # Safety
///
/// The call must be sound with these arguments. Every pointer argument
/// points to memory valid for the reads and writes the call makes. Every
/// descriptor argument is open, and the caller may use it for this call.
/// The call does not end, replace or clone the calling thread's register
/// frame (`exit`, `execve`, `clone`, `rt_sigreturn` and the like).
#[inline]
pub(crate) unsafe fn syscall6(nr: u64, args: [u64; 6]) -> i64 {
    let ret: i64;

    // SAFETY: the x86_64 Linux system call ABI takes the number in rax and
    // the arguments in rdi, rsi, rdx, r10, r8 and r9, returns in rax and
    // clobbers only rcx and r11. `sysret` restores rflags from r11, and the
    // kernel uses its own stack. The call's own soundness is the caller's
    // obligation, stated above.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as i64 => ret,
            in("rdi") args[0],
            in("rsi") args[1],
            in("rdx") args[2],
            in("r10") args[3],
            in("r8") args[4],
            in("r9") args[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack, preserves_flags),
        );
    }

    ret
}

/// Calls `supersyscall(results, entries, count, flags)`.
///
/// # Safety
///
/// `results` must be valid for writes and `entries` for reads of `count`
/// elements. Every entry must be sound to run as [`syscall6`] requires, with
/// chained arguments replaced by the results of the entries they name.
pub(crate) unsafe fn supersyscall(
    results: *mut i64,
    entries: *const Entry,
    count: u32,
    flags: u32,
) -> i64 {
    let args = [
        results as u64,
        entries as u64,
        u64::from(count),
        u64::from(flags),
        0,
        0,
    ];

    // SAFETY: the caller guarantees the buffers and entries are valid.
    unsafe { syscall6(u64::from(NR_SUPERSYSCALL), args) }
}

/// Calls `supersyscall(NULL, NULL, 0, SUPERSYSCALL_QUERY)` and returns the
/// raw result: the ABI version, or `-errno`.
pub(crate) fn query_version() -> i64 {
    // SAFETY: number 423 on x86_64 is either unassigned, which returns
    // -ENOSYS without reading anything, or supersyscall, whose QUERY call
    // ignores both pointers and reads and writes no memory.
    unsafe { supersyscall(core::ptr::null_mut(), core::ptr::null(), 0, QUERY) }
}
