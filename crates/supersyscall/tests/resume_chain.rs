//! Chains that cross a resumption: the kernel stops a batch for a signal
//! between entries, and the crate submits the rest with each chain to an
//! entry that already ran replaced by that entry's result.
//!
//! This binary has its own SIGUSR1 handler and count, apart from the
//! other test binaries.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use supersyscall::{Backend, Batch, DirFd, Errno, Outcome, Policy};

/// SIGUSR1 signals that `count_signal` has handled.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// Serializes the tests, which share `SIGNALS`.
static SERIAL: Mutex<()> = Mutex::new(());

extern "C" fn count_signal(_signo: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

/// Installs `count_signal` for SIGUSR1 with `SA_RESTART` and resets the count.
fn install_handler() {
    // SAFETY: count_signal only updates an atomic, which is async-signal-safe,
    // and the all-zero sigaction is a valid value to fill in.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as *const () as usize;
        action.sa_flags = libc::SA_RESTART;
        assert_eq!(libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()), 0);
    }
    SIGNALS.store(0, Ordering::SeqCst);
}

/// Returns how many resumptions the backend makes for one signal between
/// entries: one on the kernel, none on the emulation.
fn resumptions_for_one_stop(backend: Backend) -> usize {
    match backend {
        Backend::Kernel => 1,
        Backend::Emulated => 0,
    }
}

#[test]
fn chain_to_entry_before_stop_is_resolved() {
    let _serial = SERIAL.lock().unwrap();
    install_handler();
    let path = std::env::temp_dir().join(format!("supersyscall-resume-{}", std::process::id()));
    std::fs::File::create(&path).unwrap().write_all(b"hello").unwrap();
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: getpid and gettid have no preconditions.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    let mut buffer = [0u8; 16];

    let mut batch = Batch::new();
    let fd = batch.openat(DirFd::Cwd, &c_path, libc::O_RDONLY | libc::O_CLOEXEC, 0);
    // The signal is pending when this entry returns, so the kernel stops
    // the batch here, and the read and close go in a new call with the
    // descriptor as a plain value.
    let signalled = batch.tgkill(pid, tid, libc::SIGUSR1);
    let read = batch.read(fd, &mut buffer);
    let closed = batch.close(fd);
    let backend = common::backend();
    let completion = common::submit(batch);

    assert_eq!(completion.count(), 4);
    assert_eq!(completion.resumptions(), resumptions_for_one_stop(backend));
    assert_eq!(completion.result(signalled), Ok(()));
    assert_eq!(completion.result(read), Ok(5));
    assert_eq!(completion.result(closed), Ok(()));
    assert_eq!(SIGNALS.load(Ordering::SeqCst), 1);
    drop(completion);
    assert_eq!(&buffer[..5], b"hello");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn chain_to_failure_before_stop_is_skipped() {
    let _serial = SERIAL.lock().unwrap();
    install_handler();
    // SAFETY: getpid, gettid and getppid have no preconditions.
    let (pid, tid, ppid) = unsafe { (libc::getpid(), libc::gettid(), libc::getppid()) };
    let mut buffer = [0u8; 16];

    let mut batch = Batch::new();
    batch.set_policy(Policy::Continue);
    let fd = batch.openat(DirFd::Cwd, c"/nonexistent/supersyscall", libc::O_RDONLY, 0);
    let signalled = batch.tgkill(pid, tid, libc::SIGUSR1);
    let read = batch.read(fd, &mut buffer);
    let parent = batch.getppid();
    let backend = common::backend();
    let completion = common::submit(batch);

    assert_eq!(completion.count(), 4);
    assert_eq!(completion.resumptions(), resumptions_for_one_stop(backend));
    assert_eq!(completion.result(fd).err(), Some(Errno::ENOENT));
    assert_eq!(completion.result(signalled), Ok(()));
    assert!(matches!(completion.outcome(read), Outcome::Skipped));
    assert_eq!(completion.result(parent), Ok(ppid));
    assert_eq!(SIGNALS.load(Ordering::SeqCst), 1);
}
