//! Thin wrappers over the system calls the stress tool makes outside its
//! batches: memory, processes, waiting and output.

use std::time::{Duration, Instant};

/// The page size on x86_64.
pub const PAGE: usize = 4096;

/// Prints `message` as a setup failure and exits with status 2. Setup
/// failures are not findings: the tool could not build its own objects.
pub fn fatal(message: &str) -> ! {
    eprintln!(
        "stress: setup failed: {message}: {}",
        std::io::Error::last_os_error()
    );
    std::process::exit(2);
}

/// Maps `length` bytes of anonymous memory with `prot`, or exits.
pub fn map_anonymous(length: usize, prot: i32, shared: bool) -> *mut u8 {
    let sharing = if shared {
        libc::MAP_SHARED
    } else {
        libc::MAP_PRIVATE
    };

    // SAFETY: a new anonymous mapping at an address the kernel picks
    // replaces nothing.
    let address = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            length,
            prot,
            sharing | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if address == libc::MAP_FAILED {
        fatal("mmap of anonymous memory");
    }
    address.cast()
}

/// The end of a child process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It called `_exit` with this status.
    Exited(i32),
    /// A signal ended it.
    Signaled(i32),
    /// It ran past the time limit and was killed with SIGKILL.
    TimedOut,
}

/// Forks a child that runs `body`, which must not return, and returns the
/// child's pid in the parent.
///
/// Call only while the process has one thread: the child gets a copy of the
/// calling thread alone.
pub fn fork_child(body: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: the caller keeps the process single-threaded, so no lock is
    // held by a thread that the child would lack.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        fatal("fork");
    }
    if pid == 0 {
        let status = body();
        // SAFETY: _exit ends the child without running the parent's exit
        // handlers or flushing buffers that the parent owns.
        unsafe { libc::_exit(status) };
    }
    pid
}

/// Waits for child `pid` to end, killing it with SIGKILL after `limit`.
pub fn wait_child(pid: libc::pid_t, limit: Duration) -> Ending {
    let start = Instant::now();
    let mut killed = false;

    loop {
        let mut status = 0;
        // SAFETY: waitpid writes only `status`, a local integer.
        let waited = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if waited == pid {
            if killed {
                return Ending::TimedOut;
            }
            if libc::WIFEXITED(status) {
                return Ending::Exited(libc::WEXITSTATUS(status));
            }
            return Ending::Signaled(libc::WTERMSIG(status));
        }
        if waited < 0 {
            fatal("waitpid");
        }

        if !killed && start.elapsed() > limit {
            // SAFETY: `pid` is a child of this process that has not been
            // reaped, so the pid cannot name another process.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Returns the calling thread's id.
pub fn gettid() -> libc::pid_t {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { libc::gettid() }
}

/// Returns the process id.
pub fn getpid() -> libc::pid_t {
    // SAFETY: getpid takes no arguments and cannot fail.
    unsafe { libc::getpid() }
}

/// Closes every descriptor from `first` on, ignoring errors.
pub fn close_from(first: u32) {
    // SAFETY: the caller owns every descriptor from `first` on; nothing in
    // the process uses them afterwards.
    unsafe { libc::syscall(libc::SYS_close_range, first, u32::MAX, 0) };
}

/// Points descriptors 0, 1 and 2 at /dev/null, so that random writes from
/// batches never reach the console.
pub fn silence_standard_streams() {
    // SAFETY: the path is a valid C string, and open does not keep it.
    let null = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
    if null < 0 {
        return;
    }
    for target in 0..3 {
        // SAFETY: dup2 replaces descriptors 0 to 2, which this child owns
        // and no Rust object keeps open.
        unsafe { libc::dup2(null, target) };
    }
    if null > 2 {
        // SAFETY: `null` was opened above and nothing else uses it.
        unsafe { libc::close(null) };
    }
}
