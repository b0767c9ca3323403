//! A batch that the kernel stopped for a signal, and whose resumed call the
//! kernel then rejects, keeps what ran and runs the rest emulated.
//!
//! This binary contains one test, because it turns supersyscall off for the
//! whole guest through the sysctl `kernel.supersyscall_disabled`, which would
//! send the batches of concurrent tests to the emulation.

// This test needs only `common::backend()`.
#[allow(dead_code)]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use supersyscall::{Backend, Batch, DirFd};

const SYSCTL: &str = "/proc/sys/kernel/supersyscall_disabled";

/// SIGUSR1 signals that `count_signal` has handled.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_signo: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

/// Turns supersyscall back on when dropped, so that a failed assert leaves
/// the guest as it found it.
struct EnableOnDrop;

impl Drop for EnableOnDrop {
    fn drop(&mut self) {
        std::fs::write(SYSCTL, "0").expect("turning supersyscall back on failed");
    }
}

#[test]
fn refused_resume_runs_rest_emulated() {
    if common::backend() != Backend::Kernel {
        eprintln!("skipped: the sysctl needs the kernel backend");
        return;
    }
    let _enable = EnableOnDrop;
    // SAFETY: count_signal only updates an atomic, which is async-signal-safe,
    // and the all-zero sigaction is a valid value to fill in.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as *const () as usize;
        action.sa_flags = libc::SA_RESTART;
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    // SAFETY: getpid and gettid have no preconditions.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    // SAFETY: getppid has no preconditions.
    let ppid = unsafe { libc::getppid() };

    let mut batch = Batch::new();
    let sysctl = batch.openat(
        DirFd::Cwd,
        c"/proc/sys/kernel/supersyscall_disabled",
        libc::O_WRONLY,
        0,
    );
    let written = batch.write(sysctl, b"1");
    let closed = batch.close(sysctl);
    // The signal is pending when this entry returns, so the kernel stops
    // the batch before the next entry, and the crate resumes it with a new
    // call, which the sysctl now rejects with EPERM.
    let signalled = batch.tgkill(pid, tid, libc::SIGUSR1);
    let parent = batch.getppid();
    let completion = batch.submit_with(Backend::Kernel).expect("submit failed");

    assert_eq!(completion.count(), 5);
    assert_eq!(completion.backend(), Backend::Kernel);
    assert_eq!(completion.resumptions(), 1);
    assert_eq!(completion.result(written), Ok(1));
    assert_eq!(completion.result(closed), Ok(()));
    assert_eq!(completion.result(signalled), Ok(()));
    assert_eq!(completion.result(parent), Ok(ppid));
    assert_eq!(SIGNALS.load(Ordering::SeqCst), 1);
    assert_eq!(std::fs::read_to_string(SYSCTL).unwrap(), "1\n");
}
