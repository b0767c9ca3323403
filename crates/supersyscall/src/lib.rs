//! Run an array of Linux system calls in one kernel entry with
//! `supersyscall(2)`, or emulate it where the kernel lacks it.
//!
//! ```text
//! long supersyscall(long *results, const struct supersyscall_entry *entries,
//!                   unsigned int count, unsigned int flags);
//! ```
//!
//! A [`Batch`] collects entries through typed constructors such as
//! [`Batch::openat`] and [`Batch::read`]. Each returns a [`Handle`] to the
//! entry's result, and a later entry can take that handle in place of a
//! descriptor, so `openat`, `read` and `close` of a file run in one call.
//! [`Batch::submit`] runs the batch and returns a [`Completion`] with the
//! number of entries processed and each entry's typed result.
//!
//! ```
//! use std::io::Write;
//! use supersyscall::{Backend, Batch, DirFd};
//!
//! let path = std::env::temp_dir().join(format!("supersyscall-doc-{}", std::process::id()));
//! std::fs::File::create(&path)?.write_all(b"NAME=demo\n")?;
//! let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())?;
//!
//! let mut buffer = [0u8; 64];
//! let mut batch = Batch::new();
//! let fd = batch.openat(DirFd::Cwd, &c_path, libc::O_RDONLY | libc::O_CLOEXEC, 0);
//! let read = batch.read(fd, &mut buffer);
//! let close = batch.close(fd);
//! let completion = batch.submit_with(Backend::Emulated)?;
//!
//! assert_eq!(completion.count(), 3);
//! assert_eq!(completion.result(close), Ok(()));
//! let length = completion.result(read)?;
//! assert_eq!(&buffer[..length], b"NAME=demo\n");
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! Entries run in order. A failure is a result in -4095..=-1. Under
//! [`Policy::StopAtFailure`] (the default) the batch stops after the first
//! failed entry; under [`Policy::Continue`] it goes on. An entry chained to
//! a failed entry is skipped and gets `ECANCELED`. Entries the batch did not
//! reach also hold `ECANCELED`, and [`Completion::outcome`] distinguishes the
//! three cases. The entries that would replace, clone or end the caller
//! (`execve`, `clone`, `exit` and the like, and supersyscall itself) get
//! `EINVAL`, and numbers the kernel does not know get `ENOSYS`.
//!
//! [`Backend::detect`] picks the kernel when it has supersyscall, and the
//! emulation, which issues one plain system call per entry with the same
//! results, otherwise.
//!
//! # Backends
//!
//! | | Kernel ([`Backend::Kernel`]) | Emulated ([`Backend::Emulated`]) |
//! | --- | --- | --- |
//! | What runs | one `supersyscall` call for the batch, and one more for each stop that the crate resumes | one raw `syscall` instruction per entry, never a libc wrapper, so calls that act on one thread (`setresuid`, for example) stay per thread |
//! | Checks before anything runs | the crate's (handles, sizes, count) and the kernel's | the crate's, and the kernel's repeated in userspace |
//! | A signal between entries | stops the batch; the crate resumes it at the next entry | the handler runs between two calls, and the batch goes on |
//! | A signal during a blocking entry | the entry runs again, unless [`Batch::set_resume_after_signal`] is `false`, when it fails with `EINTR` and ends the batch | the kernel restarts the call for an `SA_RESTART` handler; otherwise it fails with `EINTR`, which ends the batch |
//! | `close` interrupted by a signal | not run again: Linux frees the descriptor even then | the same; the emulation never retries `close` |
//! | seccomp and ptrace | see each entry, and the outer call | see each call |
//!
//! When a seccomp filter or the sysctl `kernel.supersyscall_disabled`
//! rejects the call with nothing run, the crate runs that batch on the
//! emulated backend, even after [`Backend::detect`] chose the kernel.
//!
//! # What this does not do
//!
//! - It runs only on x86_64 with the 64-bit ABI. supersyscall has no ia32 or
//!   x32 entry point, and the build fails on other targets.
//! - It does not make the entries atomic: each entry's side effects stay
//!   when a later one fails.
//! - It does not run entries asynchronously or in parallel: the calling
//!   thread runs them all, in order, and blocks where they block.
//! - The emulation saves no kernel entries. It also cannot stop between
//!   entries for a pending signal, as the kernel does.
//! - Typed constructors cover the common file, path, descriptor, socket,
//!   memory, process and time calls, one declaration each in the crate's
//!   `syscalls.rs`. Calls that can break memory or descriptor safety
//!   (`dup3`, `munmap`, `mprotect`, `madvise`, `mmap_fixed`, `ioctl`,
//!   `sendmsg`, `recvmsg`, `sendmmsg`, `recvmmsg`) are `unsafe`
//!   constructors, and any other call needs the `unsafe` [`Batch::raw`].
//! - A handle chains only a descriptor or, through [`Batch::write_from`],
//!   the byte count of a read. Other results cannot feed a later typed
//!   entry. Descriptors that a call returns through memory (`pipe2`) cannot
//!   be chained at all.
//!
//! # Threads
//!
//! [`Batch`], [`Handle`] and [`Completion`] are `Send` and `Sync`, which the
//! crate checks at compile time. A batch may be built on one thread and
//! submitted on another. Its entries then run on the submitting thread, so
//! thread-specific calls such as `gettid` and `prctl(PR_SET_NAME)` act on
//! that thread.
//!
//! # References
//!
//! - supersyscall(2), and `include/uapi/linux/supersyscall.h`, which
//!   [`abi`] mirrors.
//! - [syscall(2)](https://man7.org/linux/man-pages/man2/syscall.2.html) for
//!   the x86_64 calling convention.
//! - [seccomp(2)](https://man7.org/linux/man-pages/man2/seccomp.2.html):
//!   a filter checks each entry with its own number and arguments, and the
//!   supersyscall call itself.

#![deny(unsafe_code)]
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

#[cfg(not(all(target_arch = "x86_64", target_pointer_width = "64")))]
compile_error!(
    "supersyscall builds only for x86_64 with 64-bit pointers: \
     ia32 and x32 programs cannot reach system call 423"
);

#[macro_use]
mod define;

mod backend;
mod batch;
mod completion;
mod describe;
mod emulate;
mod entries;
mod errno;
mod error;
mod handle;
pub mod jobs;
#[allow(unsafe_code)]
mod raw;
mod syscalls;

pub use backend::Backend;
pub use batch::{Batch, Policy};
pub use completion::{Completion, EntryFailure, Outcome, TakeFdError};
pub use errno::{decode, Errno};
pub use error::Error;
pub use handle::{
    Address, Arg, BytesRead, CloseFd, DirFd, FOwnerEx, Fd, FdArg, Handle, PeerAddr, SockAddr, Value,
};
pub use raw::abi;

/// Compile-time checks of the thread-safety the crate documents.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Batch<'static>>();
    assert_send_sync::<Handle<Fd>>();
    assert_send_sync::<Completion>();
};
