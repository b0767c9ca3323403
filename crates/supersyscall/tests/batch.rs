//! Batches built with the typed API, run on the backend that
//! `SUPERSYSCALL_TEST_BACKEND` selects (`kernel` or `emulated`; unset picks
//! with `Backend::detect`). With `kernel`, every test fails on a kernel
//! without supersyscall.
//!
//! The tests use only /proc, pipes and files under `std::env::temp_dir()`.
//! They hold one lock each, because several of them check which descriptor
//! numbers are open, and a test running in parallel would open and close
//! descriptors in between.

use std::ffi::CString;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use supersyscall::{Backend, Batch, DirFd, Errno, Error, Outcome, Policy, TakeFdError};

static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the lock that runs the tests of this file one at a time.
fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

mod common;

use common::{backend, submit};

/// A file under the temporary directory, removed on drop.
struct TempFile {
    path: PathBuf,
    c_path: CString,
}

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        let file_name = format!("supersyscall-test-{}-{name}", std::process::id());
        let path = std::env::temp_dir().join(file_name);
        File::create(&path).unwrap().write_all(contents).unwrap();
        let c_path = CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        TempFile { path, c_path }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Returns a non-blocking pipe as (read end, write end).
fn pipe() -> (File, File) {
    pipe_with_flags(libc::O_CLOEXEC | libc::O_NONBLOCK)
}

/// Returns a pipe whose reads block, as (read end, write end).
fn blocking_pipe() -> (File, File) {
    pipe_with_flags(libc::O_CLOEXEC)
}

fn pipe_with_flags(flags: libc::c_int) -> (File, File) {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 stores.
    let ret = unsafe { libc::pipe2(fds.as_mut_ptr(), flags) };
    assert_eq!(ret, 0, "pipe2 failed: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both are new descriptors with no other owner.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// Returns everything in the pipe's read end without blocking.
fn drain(mut reader: &File) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return bytes,
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == ErrorKind::WouldBlock => return bytes,
            Err(error) => panic!("read from pipe failed: {error}"),
        }
    }
}

/// Returns the target of /proc/self/fd/`fd`, or `None` when it is closed.
fn fd_target(fd: RawFd) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()
}

/// Adds `close(-1)`, which fails with `EBADF`.
fn close_invalid(batch: &mut Batch<'_>) {
    // SAFETY: close(-1) touches no memory and no open descriptor.
    unsafe { batch.raw(libc::SYS_close as u32, [-1_i64 as u64, 0, 0, 0, 0, 0]) };
}

#[test]
fn getpid_and_getppid_values() {
    let _serial = serial();
    let mut batch = Batch::new();
    let ppid = batch.getppid();
    let pid = batch.getpid();

    let completion = submit(batch);

    assert_eq!(completion.count(), 2);
    assert_eq!(
        completion.result(ppid),
        Ok(std::os::unix::process::parent_id() as libc::pid_t)
    );
    assert_eq!(
        completion.result(pid),
        Ok(std::process::id() as libc::pid_t)
    );
}

#[test]
fn empty_batch_returns_0() {
    let _serial = serial();

    let completion = submit(Batch::new());

    assert_eq!(completion.count(), 0);
    assert!(completion.is_empty());
}

#[test]
fn pipe_write_then_read() {
    let _serial = serial();
    let (reader, writer) = pipe();
    let mut buffer = [0u8; 32];
    let mut batch = Batch::new();
    let written = batch.write(&writer, b"through the pipe");
    let read = batch.read(&reader, &mut buffer);

    let completion = submit(batch);

    assert_eq!(completion.count(), 2);
    assert_eq!(completion.result(written), Ok(16));
    assert_eq!(completion.result(read), Ok(16));
    assert_eq!(&buffer[..16], b"through the pipe");
    assert_eq!(buffer[16..], [0; 16]);
}

#[test]
fn openat_read_close_chain() {
    let _serial = serial();
    let file = TempFile::new("chain", b"first line\nsecond line\n");
    let mut buffer = [0u8; 10];
    let mut batch = Batch::new();
    let fd = batch.openat(
        DirFd::Cwd,
        &file.c_path,
        libc::O_RDONLY | libc::O_CLOEXEC,
        0,
    );
    let read = batch.read(fd, &mut buffer);
    let close = batch.close(fd);

    let mut completion = submit(batch);

    assert_eq!(completion.count(), 3);
    assert!(completion.result(fd).is_ok());
    assert_eq!(completion.result(read), Ok(10));
    assert_eq!(completion.result(close), Ok(()));
    assert_eq!(&buffer, b"first line");
    assert_eq!(
        completion.take_fd(fd).unwrap_err(),
        TakeFdError::ClosedBy { entry: 2 }
    );
}

#[test]
fn pread64_reads_at_offset() {
    let _serial = serial();
    let file = TempFile::new("pread", b"0123456789");
    let opened = File::open(&file.path).unwrap();
    let mut buffer = [0u8; 4];
    let mut batch = Batch::new();
    let read = batch.pread64(&opened, &mut buffer, 3);
    let offset = batch.lseek(&opened, 0, libc::SEEK_CUR);

    let completion = submit(batch);

    assert_eq!(completion.result(read), Ok(4));
    assert_eq!(&buffer, b"3456");
    assert_eq!(completion.result(offset), Ok(0));
}

#[test]
fn write_from_copies_bytes_read() {
    let _serial = serial();
    let (source_reader, mut source_writer) = pipe();
    let (sink_reader, sink_writer) = pipe();
    source_writer.write_all(b"abc").unwrap();
    let mut buffer = [0u8; 64];
    let mut batch = Batch::new();
    let read = batch.read(&source_reader, &mut buffer);
    let written = batch.write_from(&sink_writer, read);

    let completion = submit(batch);

    assert_eq!(completion.result(read), Ok(3));
    assert_eq!(completion.result(written), Ok(3));
    assert_eq!(drain(&sink_reader), b"abc");
}

#[test]
fn write_from_failed_read_is_skipped() {
    let _serial = serial();
    let (source_reader, _source_writer) = pipe();
    let (sink_reader, sink_writer) = pipe();
    let mut buffer = [0u8; 8];
    let mut batch = Batch::new();
    batch.set_policy(Policy::Continue);
    let read = batch.read(&source_reader, &mut buffer);
    let written = batch.write_from(&sink_writer, read);

    let completion = submit(batch);

    assert_eq!(completion.count(), 2);
    assert_eq!(completion.outcome(read), Outcome::Ran(Err(Errno::EAGAIN)));
    assert_eq!(completion.outcome(written), Outcome::Skipped);
    assert_eq!(drain(&sink_reader), b"");
}

#[test]
fn stop_policy_on_failure() {
    let _serial = serial();
    let mut batch = Batch::new();
    close_invalid(&mut batch);
    let pid = batch.getpid();

    let completion = submit(batch);

    assert_eq!(completion.count(), 1);
    assert_eq!(completion.raw_results(), [-9, -125]);
    assert_eq!(completion.outcome(pid), Outcome::NotReached);
    assert_eq!(completion.result(pid), Err(Errno::ECANCELED));
}

#[test]
fn continue_policy_on_failure() {
    let _serial = serial();
    let mut batch = Batch::new();
    batch.set_policy(Policy::Continue);
    close_invalid(&mut batch);
    let pid = batch.getpid();

    let completion = submit(batch);

    assert_eq!(completion.count(), 2);
    assert_eq!(completion.raw_results()[0], -i64::from(libc::EBADF));
    assert_eq!(
        completion.result(pid),
        Ok(std::process::id() as libc::pid_t)
    );
}

#[test]
fn missing_path_skips_chained_read() {
    let _serial = serial();
    let missing = CString::new(
        std::env::temp_dir()
            .join("supersyscall-test-missing/none")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    let mut buffer = [0u8; 8];
    let mut batch = Batch::new();
    batch.set_policy(Policy::Continue);
    let fd = batch.openat(DirFd::Cwd, &missing, libc::O_RDONLY | libc::O_CLOEXEC, 0);
    let read = batch.read(fd, &mut buffer);
    let pid = batch.getpid();

    let mut completion = submit(batch);

    assert_eq!(completion.count(), 3);
    assert_eq!(completion.result(fd), Err(Errno::ENOENT));
    assert_eq!(completion.outcome(read), Outcome::Skipped);
    assert_eq!(completion.result(read), Err(Errno::ECANCELED));
    assert_eq!(
        completion.result(pid),
        Ok(std::process::id() as libc::pid_t)
    );
    assert_eq!(
        completion.take_fd(fd).unwrap_err(),
        TakeFdError::Failed(Errno::ENOENT)
    );
    assert_eq!(buffer, [0; 8]);
}

#[test]
fn skipped_close_keeps_open_failure() {
    let _serial = serial();
    let missing = CString::new(
        std::env::temp_dir()
            .join("supersyscall-test-missing/none")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    let mut batch = Batch::new();
    batch.set_policy(Policy::Continue);
    let fd = batch.openat(DirFd::Cwd, &missing, libc::O_RDONLY | libc::O_CLOEXEC, 0);
    let close = batch.close(fd);

    let mut completion = submit(batch);

    assert_eq!(completion.count(), 2);
    assert_eq!(completion.outcome(close), Outcome::Skipped);
    assert_eq!(
        completion.take_fd(fd).unwrap_err(),
        TakeFdError::Failed(Errno::ENOENT)
    );
}

#[test]
fn missing_path_stops_by_default() {
    let _serial = serial();
    let missing = c"/proc/self/supersyscall-test-missing";
    let mut buffer = [0u8; 8];
    let mut batch = Batch::new();
    let fd = batch.openat(DirFd::Cwd, missing, libc::O_RDONLY | libc::O_CLOEXEC, 0);
    let read = batch.read(fd, &mut buffer);

    let completion = submit(batch);

    assert_eq!(completion.count(), 1);
    assert_eq!(completion.outcome(fd), Outcome::Ran(Err(Errno::ENOENT)));
    assert_eq!(completion.outcome(read), Outcome::NotReached);
}

#[test]
fn lseek_past_4_gib() {
    let _serial = serial();
    let file = TempFile::new("sparse", b"");
    let opened = File::options().write(true).open(&file.path).unwrap();
    opened.set_len(6 << 30).unwrap();
    let mut batch = Batch::new();
    let set = batch.lseek(&opened, 5 << 30, libc::SEEK_SET);
    let end = batch.lseek(&opened, 0, libc::SEEK_END);

    let completion = submit(batch);

    assert_eq!(completion.result(set), Ok(5_368_709_120));
    assert_eq!(completion.result(end), Ok(6_442_450_944));
}

#[test]
fn fstat_and_statx_sizes() {
    let _serial = serial();
    let file = TempFile::new("stat", &[b'x'; 1234]);
    let opened = File::open(&file.path).unwrap();
    // SAFETY: stat and statx are plain C structs for which all-zero bytes
    // are a valid value.
    let (mut stat, mut by_path, mut by_fd) = unsafe {
        (
            std::mem::zeroed::<libc::stat>(),
            std::mem::zeroed::<libc::statx>(),
            std::mem::zeroed::<libc::statx>(),
        )
    };
    let mut batch = Batch::new();
    let fstat = batch.fstat(&opened, &mut stat);
    let statx = batch.statx(DirFd::Cwd, &file.c_path, 0, libc::STATX_SIZE, &mut by_path);
    let fd = batch.openat(
        DirFd::Cwd,
        &file.c_path,
        libc::O_RDONLY | libc::O_CLOEXEC,
        0,
    );
    let statx_fd = batch.statx(fd, c"", libc::AT_EMPTY_PATH, libc::STATX_SIZE, &mut by_fd);
    batch.close(fd);

    let completion = submit(batch);

    assert_eq!(completion.count(), 5);
    assert_eq!(completion.result(fstat), Ok(()));
    assert_eq!(completion.result(statx), Ok(()));
    assert_eq!(completion.result(statx_fd), Ok(()));
    assert_eq!(stat.st_size, 1234);
    assert_eq!(by_path.stx_size, 1234);
    assert_eq!(by_fd.stx_size, 1234);
}

#[test]
fn supersyscall_inside_batch_is_einval() {
    let _serial = serial();
    let mut batch = Batch::new();
    // SAFETY: entry 423 is rejected before it runs.
    let nested = unsafe { batch.raw(423, [0; 6]) };

    let completion = submit(batch);

    assert_eq!(completion.count(), 1);
    assert_eq!(completion.result(nested), Err(Errno::EINVAL));
}

#[test]
fn unknown_number_is_enosys() {
    let _serial = serial();
    let mut batch = Batch::new();
    // SAFETY: no system call has number 1000, so the kernel runs nothing.
    let unknown = unsafe { batch.raw(1000, [0; 6]) };

    let completion = submit(batch);

    assert_eq!(completion.count(), 1);
    assert_eq!(completion.result(unknown), Err(Errno::ENOSYS));
}

#[test]
fn too_many_entries_runs_nothing() {
    let _serial = serial();
    let (reader, writer) = pipe();
    let mut batch = Batch::new();
    batch.write(&writer, b"ran");
    for _ in 0..1024 {
        batch.getpid();
    }

    let error = batch.submit_with(backend()).unwrap_err();

    assert_eq!(error, Error::TooManyEntries { count: 1025 });
    assert_eq!(
        error.to_string(),
        "batch has 1025 entries, the maximum is 1024"
    );
    assert_eq!(drain(&reader), b"");
}

#[test]
fn max_entries_run() {
    let _serial = serial();
    let mut batch = Batch::new();
    let pids: Vec<_> = (0..1024).map(|_| batch.getpid()).collect();

    let completion = submit(batch);

    assert_eq!(completion.count(), 1024);
    assert_eq!(
        completion.result(pids[1023]),
        Ok(std::process::id() as libc::pid_t)
    );
}

#[test]
fn foreign_handle_runs_nothing() {
    let _serial = serial();
    let (reader, writer) = pipe();
    let mut other = Batch::new();
    let foreign = other.openat(
        DirFd::Cwd,
        c"/dev/null",
        libc::O_RDONLY | libc::O_CLOEXEC,
        0,
    );
    let mut buffer = [0u8; 4];
    let mut batch = Batch::new();
    batch.write(&writer, b"ran");
    batch.read(foreign, &mut buffer);

    let error = batch.submit_with(backend()).unwrap_err();

    assert!(
        matches!(
            error,
            Error::ForeignHandle {
                entry: 1,
                handle_entry: 0,
                ..
            }
        ),
        "{error:?}"
    );
    let Error::ForeignHandle {
        handle_batch,
        batch,
        ..
    } = error
    else {
        unreachable!()
    };
    assert_eq!(
        error.to_string(),
        format!(
            "entry 1 uses a handle to entry 0 of batch {handle_batch}, but it belongs to \
             batch {batch}: a handle works only in the batch that created it"
        )
    );
    assert_eq!(drain(&reader), b"");
}

#[test]
fn use_after_close_runs_nothing() {
    let _serial = serial();
    let (reader, writer) = pipe();
    let mut buffer = [0u8; 4];
    let mut batch = Batch::new();
    batch.write(&writer, b"ran");
    let fd = batch.openat(
        DirFd::Cwd,
        c"/dev/null",
        libc::O_RDONLY | libc::O_CLOEXEC,
        0,
    );
    batch.close(fd);
    batch.read(fd, &mut buffer);

    let error = batch.submit_with(backend()).unwrap_err();

    assert_eq!(
        error,
        Error::UseAfterClose {
            entry: 3,
            handle_entry: 1,
            closed_by: 2
        }
    );
    assert_eq!(
        error.to_string(),
        "entry 3 uses the descriptor of entry 1, which entry 2 closes before it"
    );
    assert_eq!(drain(&reader), b"");
}

#[test]
fn unclaimed_fd_closed_on_drop() {
    let _serial = serial();
    let file = TempFile::new("unclaimed", b"");
    let mut batch = Batch::new();
    let fd = batch.openat(
        DirFd::Cwd,
        &file.c_path,
        libc::O_RDONLY | libc::O_CLOEXEC,
        0,
    );

    let completion = submit(batch);
    let number = completion.result(fd).unwrap();

    assert_eq!(completion.open_fd(fd), Some(number));
    assert_eq!(fd_target(number), Some(file.path.clone()));
    drop(completion);
    assert_eq!(fd_target(number), None);
}

#[test]
fn taken_fd_stays_open() {
    let _serial = serial();
    let file = TempFile::new("taken", b"kept open");
    let mut batch = Batch::new();
    let fd = batch.openat(
        DirFd::Cwd,
        &file.c_path,
        libc::O_RDONLY | libc::O_CLOEXEC,
        0,
    );

    let mut completion = submit(batch);
    let owned: OwnedFd = completion.take_fd(fd).unwrap();
    assert_eq!(completion.take_fd(fd).unwrap_err(), TakeFdError::Taken);
    drop(completion);

    let mut contents = String::new();
    File::from(owned).read_to_string(&mut contents).unwrap();
    assert_eq!(contents, "kept open");
}

#[test]
fn closed_by_batch_not_closed_again() {
    let _serial = serial();
    let file = TempFile::new("closed", b"");
    let other = TempFile::new("reopened", b"");
    let mut batch = Batch::new();
    let fd = batch.openat(
        DirFd::Cwd,
        &file.c_path,
        libc::O_RDONLY | libc::O_CLOEXEC,
        0,
    );
    batch.close(fd);

    let completion = submit(batch);
    let number = completion.result(fd).unwrap();
    let reopened = File::open(&other.path).unwrap();
    assert_eq!(
        reopened.as_raw_fd(),
        number,
        "the lowest free number was not reused"
    );
    drop(completion);

    assert_eq!(fd_target(number), Some(other.path.clone()));
}

#[test]
fn close_owned_fd() {
    let _serial = serial();
    let file = TempFile::new("owned", b"");
    let owned = OwnedFd::from(File::open(&file.path).unwrap());
    let number = owned.as_raw_fd();
    let mut batch = Batch::new();
    let close = batch.close(owned);

    let completion = submit(batch);

    assert_eq!(completion.result(close), Ok(()));
    assert_eq!(fd_target(number), None);
}

#[test]
fn unreached_close_of_owned_fd() {
    let _serial = serial();
    let file = TempFile::new("unreached", b"");
    let owned = OwnedFd::from(File::open(&file.path).unwrap());
    let number = owned.as_raw_fd();
    let mut batch = Batch::new();
    close_invalid(&mut batch);
    let close = batch.close(owned);

    let completion = submit(batch);

    assert_eq!(completion.outcome(close), Outcome::NotReached);
    assert_eq!(fd_target(number), None);
}

#[test]
fn borrowed_fd_argument() {
    let _serial = serial();
    let (reader, writer) = pipe();
    let mut batch = Batch::new();
    let written = batch.write(writer.as_fd(), b"borrowed");

    let completion = submit(batch);

    assert_eq!(completion.result(written), Ok(8));
    assert_eq!(drain(&reader), b"borrowed");
}

#[test]
fn kernel_request_falls_back_when_refused() {
    let _serial = serial();
    backend();
    let mut batch = Batch::new();
    let pid = batch.getpid();

    let completion = batch.submit_with(Backend::Kernel).unwrap();

    assert_eq!(completion.backend(), Backend::detect());
    assert_eq!(
        completion.result(pid),
        Ok(std::process::id() as libc::pid_t)
    );
}

/// SIGUSR1 signals that `count_signal` has handled.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_signo: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

/// Installs `count_signal` for SIGUSR1 with `sa_flags`, and resets the count.
fn install_counting_handler(sa_flags: libc::c_int) {
    // SAFETY: count_signal only updates an atomic, which is async-signal-safe,
    // and the all-zero sigaction is a valid value to fill in.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as *const () as usize;
        action.sa_flags = sa_flags;
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    SIGNALS.store(0, Ordering::SeqCst);
}

/// Waits until thread `tid` of this process is blocked in `read`, as
/// /proc/self/task/TID/syscall shows it. A batch loads each entry's number
/// into the thread's registers, so the file shows the entry that blocks.
fn wait_blocked_in_read(tid: libc::pid_t) {
    let path = format!("/proc/self/task/{tid}/syscall");
    for _ in 0..10_000 {
        let text = std::fs::read_to_string(&path).unwrap();
        if text.split_whitespace().next() == Some(&libc::SYS_read.to_string()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("thread {tid} did not block in read within 10 s");
}

/// A signal with an `SA_RESTART` handler interrupts entry 1, a read that
/// blocks on an empty pipe. With `set_resume_after_signal(true)` the batch
/// completes, and entry 0 wrote its byte exactly once.
#[test]
fn signal_resumes_interrupted_read() {
    let _serial = serial();
    let (once_read, once_write) = pipe();
    let (blocked_read, mut blocked_write) = blocking_pipe();
    install_counting_handler(libc::SA_RESTART);
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() };

    let helper = std::thread::spawn(move || {
        wait_blocked_in_read(tid);
        // SAFETY: tgkill sends a signal to a thread of this process.
        let ret = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, libc::SIGUSR1) };
        assert_eq!(ret, 0);
        while SIGNALS.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        wait_blocked_in_read(tid);
        blocked_write.write_all(b"b").unwrap();
    });

    let mut buffer = [0u8; 1];
    let mut batch = Batch::new();
    batch.set_resume_after_signal(true);
    let written = batch.write(once_write.as_fd(), b"a");
    let read = batch.read(blocked_read.as_fd(), &mut buffer);
    let pid = batch.getpid();
    let completion = submit(batch);
    helper.join().unwrap();

    assert_eq!(completion.count(), 3);
    assert_eq!(completion.result(written), Ok(1));
    assert_eq!(completion.result(read), Ok(1));
    assert_eq!(
        completion.result(pid),
        Ok(std::process::id() as libc::pid_t)
    );
    if completion.backend() == Backend::Kernel {
        assert_eq!(completion.resumptions(), 1);
    }
    assert_eq!(SIGNALS.load(Ordering::SeqCst), 1);
    assert_eq!(buffer, *b"b");
    assert_eq!(drain(&once_read), b"a");
}

/// A handler without `SA_RESTART` interrupts entry 1, a read that blocks on
/// an empty pipe. With `set_resume_after_signal(false)` the read fails with
/// `EINTR` and ends the batch on both backends, as a direct read would.
#[test]
fn interrupted_read_fails_without_resume() {
    let _serial = serial();
    let (once_read, once_write) = pipe();
    let (blocked_read, _blocked_write) = blocking_pipe();
    install_counting_handler(0);
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::gettid() };

    let helper = std::thread::spawn(move || {
        wait_blocked_in_read(tid);
        // SAFETY: tgkill sends a signal to a thread of this process.
        let ret = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, libc::SIGUSR1) };
        assert_eq!(ret, 0);
    });

    let mut buffer = [0u8; 1];
    let mut batch = Batch::new();
    batch.set_resume_after_signal(false);
    let written = batch.write(once_write.as_fd(), b"a");
    let read = batch.read(blocked_read.as_fd(), &mut buffer);
    let pid = batch.getpid();
    let completion = submit(batch);
    helper.join().unwrap();

    assert_eq!(completion.count(), 2);
    assert_eq!(completion.result(written), Ok(1));
    assert_eq!(completion.result(read), Err(Errno::EINTR));
    assert_eq!(completion.outcome(pid), Outcome::NotReached);
    assert_eq!(completion.resumptions(), 0);
    assert_eq!(SIGNALS.load(Ordering::SeqCst), 1);
    assert_eq!(drain(&once_read), b"a");
}

/// A signal handled between entries 0 and 1 stops a kernel batch before
/// entry 1. The crate goes on with entry 1 even with
/// `set_resume_after_signal(false)`, since nothing was interrupted, and the
/// batch completes as a sequence of direct calls would.
#[test]
fn stop_between_entries_always_resumes() {
    let _serial = serial();
    let (once_read, once_write) = pipe();
    install_counting_handler(libc::SA_RESTART);
    // SAFETY: getpid and gettid have no preconditions.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };

    let mut batch = Batch::new();
    batch.set_resume_after_signal(false);
    // SAFETY: tgkill touches no memory; the handler only counts.
    let signal = unsafe {
        batch.raw(
            libc::SYS_tgkill as u32,
            [pid as u64, tid as u64, libc::SIGUSR1 as u64, 0, 0, 0],
        )
    };
    let written = batch.write(once_write.as_fd(), b"x");
    let completion = submit(batch);

    assert_eq!(completion.count(), 2);
    assert_eq!(completion.result(signal), Ok(0));
    assert_eq!(completion.result(written), Ok(1));
    let expected_resumptions = usize::from(completion.backend() == Backend::Kernel);
    assert_eq!(completion.resumptions(), expected_resumptions);
    assert_eq!(SIGNALS.load(Ordering::SeqCst), 1);
    assert_eq!(drain(&once_read), b"x");
}

/// Returns the system call number at the start of `path`, a
/// /proc/PID/task/TID/syscall file, or -1 if it contains none. It makes only
/// system calls, so that a forked child of this multithreaded process may
/// call it.
fn syscall_number_of(path: &CString) -> i64 {
    let mut text = [0u8; 32];
    // SAFETY: `path` is a NUL-terminated string and `text` is writable for its length.
    let length = unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_RDONLY);
        if fd < 0 {
            return -1;
        }
        let length = libc::read(fd, text.as_mut_ptr().cast(), text.len());
        libc::close(fd);
        length
    };
    if length <= 0 {
        return -1;
    }
    let digits = text.iter().take_while(|byte| byte.is_ascii_digit());
    if digits.clone().count() == 0 {
        return -1;
    }
    digits.fold(0, |number, &digit| number * 10 + i64::from(digit - b'0'))
}

/// SIGSTOP and SIGCONT interrupt entry 1, a read that blocks on an empty
/// pipe, with no handler involved. A direct read would restart; with the
/// default settings the crate runs the read again, and the batch completes
/// with entry 0 run once.
#[test]
fn stop_signal_resumes_interrupted_read() {
    let _serial = serial();
    let (once_read, once_write) = pipe();
    let (blocked_read, blocked_write) = blocking_pipe();
    // SAFETY: getpid and gettid have no preconditions.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    let path = CString::new(format!("/proc/{pid}/task/{tid}/syscall")).unwrap();

    // The child makes only system calls: the parent has other threads, so
    // the child may not allocate.
    // SAFETY: see above; the child ends with _exit.
    let child = unsafe { libc::fork() };
    assert!(child >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if child == 0 {
        let wait_blocked = || {
            while syscall_number_of(&path) != libc::SYS_read {
                // SAFETY: usleep has no preconditions.
                unsafe { libc::usleep(1000) };
            }
        };
        wait_blocked();
        // SAFETY: kill, usleep, write and _exit touch only this child and
        // the pipe; `b"b"` is one readable byte.
        unsafe {
            libc::kill(pid, libc::SIGSTOP);
            libc::usleep(20_000);
            libc::kill(pid, libc::SIGCONT);
            wait_blocked();
            let written = libc::write(blocked_write.as_raw_fd(), b"b".as_ptr().cast(), 1);
            libc::_exit(if written == 1 { 0 } else { 1 });
        }
    }
    drop(blocked_write);

    let mut buffer = [0u8; 1];
    let mut batch = Batch::new();
    let written = batch.write(once_write.as_fd(), b"a");
    let read = batch.read(blocked_read.as_fd(), &mut buffer);
    let completion = submit(batch);

    let mut status = 0;
    // SAFETY: `status` is writable; `child` is this process's child.
    assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
    assert!(libc::WIFEXITED(status), "child status {status:#x}");
    assert_eq!(libc::WEXITSTATUS(status), 0, "the child failed to write the byte");
    assert_eq!(completion.count(), 2);
    assert_eq!(completion.result(written), Ok(1));
    assert_eq!(completion.result(read), Ok(1));
    let expected_resumptions = usize::from(completion.backend() == Backend::Kernel);
    assert_eq!(completion.resumptions(), expected_resumptions);
    assert_eq!(buffer, *b"b");
    assert_eq!(drain(&once_read), b"a");
}
