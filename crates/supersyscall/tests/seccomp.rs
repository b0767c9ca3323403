//! A seccomp filter that rejects supersyscall itself: the crate falls back to
//! the emulated backend and produces exactly the sequential results. The
//! filter stays with the process that installs it, so the test installs it
//! in a forked child, and this file contains no other test.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, FromRawFd, RawFd};

use supersyscall::abi::NR_SUPERSYSCALL;
use supersyscall::{Backend, Batch};

/// Installs a seccomp filter that fails supersyscall with `EPERM` and allows
/// every other call.
fn reject_supersyscall() -> std::io::Result<()> {
    let offset_of_nr = 0;
    let mut code = [
        libc::sock_filter {
            code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16,
            jt: 0,
            jf: 0,
            k: offset_of_nr,
        },
        libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
            jt: 0,
            jf: 1,
            k: NR_SUPERSYSCALL,
        },
        libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: libc::SECCOMP_RET_ERRNO | libc::EPERM as u32,
        },
        libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: libc::SECCOMP_RET_ALLOW,
        },
    ];
    let program = libc::sock_fprog {
        len: code.len() as u16,
        filter: code.as_mut_ptr(),
    };

    // SAFETY: prctl(PR_SET_NO_NEW_PRIVS) touches no memory; `program` points
    // at `code`, which lives until seccomp() has copied it.
    let ret = unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            -1
        } else {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &program,
            )
        }
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Runs the batch [getppid, getpid, write "ab"] under the filter, requesting
/// the kernel backend, and returns a description of the first mismatch.
fn run_filtered_batch(pipe_write: RawFd) -> Result<(), String> {
    reject_supersyscall().map_err(|error| format!("seccomp() failed: {error}"))?;
    // SAFETY: `pipe_write` is an open descriptor that the child owns.
    let pipe_write = unsafe { File::from_raw_fd(pipe_write) };

    let mut batch = Batch::new();
    let ppid = batch.getppid();
    let pid = batch.getpid();
    let written = batch.write(pipe_write.as_fd(), b"ab");
    let completion = batch
        .submit_with(Backend::Kernel)
        .map_err(|error| format!("submit failed: {error}"))?;

    let checks = [
        ("backend", format!("{:?}", completion.backend()), "Emulated".to_string()),
        ("count", completion.count().to_string(), "3".to_string()),
        (
            "getppid",
            format!("{:?}", completion.result(ppid)),
            format!("Ok({})", std::os::unix::process::parent_id()),
        ),
        (
            "getpid",
            format!("{:?}", completion.result(pid)),
            format!("Ok({})", std::process::id()),
        ),
        ("write", format!("{:?}", completion.result(written)), "Ok(2)".to_string()),
    ];
    for (name, actual, expected) in checks {
        if actual != expected {
            return Err(format!("{name}: expected {expected}, got {actual}"));
        }
    }
    Ok(())
}

#[test]
fn filter_rejecting_supersyscall_falls_back() {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 stores.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    let mut report = [0 as RawFd; 2];
    // SAFETY: as above.
    assert_eq!(unsafe { libc::pipe2(report.as_mut_ptr(), libc::O_CLOEXEC) }, 0);

    // SAFETY: this test binary runs one test, so no other harness thread can
    // hold a lock that the child needs. The child ends with _exit.
    let child = unsafe { libc::fork() };
    assert!(child >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if child == 0 {
        let outcome = run_filtered_batch(fds[1]);
        let message = outcome.err().unwrap_or_default();
        // SAFETY: `report[1]` is open, and `message` is readable for its length.
        unsafe {
            libc::write(report[1], message.as_ptr().cast(), message.len());
            libc::_exit(0);
        }
    }

    // SAFETY: both are open descriptors that this process owns from here on.
    let (mut data, mut report_read) =
        unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(report[0])) };
    // SAFETY: the write ends belong to the child now; closing them here
    // lets the reads below end when the child exits.
    unsafe {
        libc::close(fds[1]);
        libc::close(report[1]);
    }
    let mut status = 0;
    // SAFETY: `status` is writable, and `child` is this process's child.
    assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
    assert!(libc::WIFEXITED(status), "child status {status:#x}");

    let mut message = String::new();
    report_read.read_to_string(&mut message).unwrap();
    assert_eq!(message, "", "the filtered batch failed");
    let mut bytes = Vec::new();
    data.read_to_end(&mut bytes).unwrap();
    assert_eq!(bytes, b"ab");
}
