//! The typed constructors: one method per system call, each lowering its
//! arguments into `{nr, flags, args[6]}`.
//!
//! Pointer arguments come only from references borrowed for the batch's
//! lifetime `'a`, with their lengths taken from the same reference, so a
//! safe constructor cannot hand the kernel a dangling or short buffer.

use core::ffi::CStr;

use libc::{c_int, c_uint, mode_t, pid_t};

use crate::handle::{BytesRead, CloseFd, DirFd, Fd, FdArg, Handle};
use crate::Batch;

impl<'a> Batch<'a> {
    /// Adds `getpid()`: the process id of the caller.
    ///
    /// See [getpid(2)](https://man7.org/linux/man-pages/man2/getpid.2.html).
    pub fn getpid(&mut self) -> Handle<pid_t> {
        self.entry(libc::SYS_getpid).push()
    }

    /// Adds `getppid()`: the process id of the caller's parent.
    ///
    /// See [getppid(2)](https://man7.org/linux/man-pages/man2/getppid.2.html).
    pub fn getppid(&mut self) -> Handle<pid_t> {
        self.entry(libc::SYS_getppid).push()
    }

    /// Adds `write(fd, buf, buf.len())`: the result is the number of bytes
    /// written.
    ///
    /// See [write(2)](https://man7.org/linux/man-pages/man2/write.2.html).
    pub fn write(&mut self, fd: impl Into<FdArg<'a>>, buf: &'a [u8]) -> Handle<usize> {
        self.entry(libc::SYS_write)
            .fd(0, fd.into())
            .value(1, buf.as_ptr() as u64)
            .value(2, buf.len() as u64)
            .push()
    }

    /// Adds `write(fd, buf, count)` where `buf` and `count` are the buffer and
    /// result of an earlier `read` or `pread64`: it writes exactly the bytes
    /// that entry read.
    ///
    /// If the read fails, this entry is skipped with `ECANCELED`.
    ///
    /// See [write(2)](https://man7.org/linux/man-pages/man2/write.2.html).
    pub fn write_from(
        &mut self,
        fd: impl Into<FdArg<'a>>,
        read: Handle<BytesRead>,
    ) -> Handle<usize> {
        let buf = self.read_buffer(read);

        self.entry(libc::SYS_write)
            .fd(0, fd.into())
            .value(1, buf)
            .result_of(2, read)
            .push()
    }

    /// Adds `read(fd, buf, buf.len())`: the result is the number of bytes
    /// read into `buf`.
    ///
    /// See [read(2)](https://man7.org/linux/man-pages/man2/read.2.html).
    pub fn read(&mut self, fd: impl Into<FdArg<'a>>, buf: &'a mut [u8]) -> Handle<BytesRead> {
        self.entry(libc::SYS_read)
            .fd(0, fd.into())
            .value(1, buf.as_mut_ptr() as u64)
            .value(2, buf.len() as u64)
            .push()
    }

    /// Adds `pread64(fd, buf, buf.len(), offset)`: reads at `offset`
    /// without moving the file offset.
    ///
    /// See [pread(2)](https://man7.org/linux/man-pages/man2/pread.2.html).
    pub fn pread64(
        &mut self,
        fd: impl Into<FdArg<'a>>,
        buf: &'a mut [u8],
        offset: u64,
    ) -> Handle<BytesRead> {
        self.entry(libc::SYS_pread64)
            .fd(0, fd.into())
            .value(1, buf.as_mut_ptr() as u64)
            .value(2, buf.len() as u64)
            .value(3, offset)
            .push()
    }

    /// Adds `openat(dirfd, path, flags, mode)`: the result is a new
    /// descriptor.
    ///
    /// `flags` pass unchanged, so add `O_CLOEXEC` to keep the descriptor out
    /// of child processes. The batch owns the new descriptor until
    /// [`Completion::take_fd`](crate::Completion::take_fd) or a later
    /// [`Batch::close`] claims it, and closes it otherwise.
    ///
    /// See [openat(2)](https://man7.org/linux/man-pages/man2/openat.2.html).
    pub fn openat(
        &mut self,
        dirfd: impl Into<DirFd<'a>>,
        path: &'a CStr,
        flags: c_int,
        mode: mode_t,
    ) -> Handle<Fd> {
        self.entry(libc::SYS_openat)
            .dirfd(0, dirfd.into())
            .value(1, path.as_ptr() as u64)
            .value(2, flags as u64)
            .value(3, u64::from(mode))
            .creates_fd()
            .push()
    }

    /// Adds `close(fd)` for a descriptor the batch owns: one handed over
    /// as an [`OwnedFd`](std::os::fd::OwnedFd), or one an earlier `openat`
    /// creates.
    ///
    /// Linux frees the descriptor even when `close` returns an error, so once
    /// this entry runs the descriptor is gone whatever its result. If the
    /// batch stops before this entry, an `OwnedFd` is closed when the batch
    /// completes and a created descriptor stays with the
    /// [`Completion`](crate::Completion). A later entry that uses the same
    /// handle makes `submit` fail with
    /// [`Error::UseAfterClose`](crate::Error::UseAfterClose).
    ///
    /// See [close(2)](https://man7.org/linux/man-pages/man2/close.2.html).
    pub fn close(&mut self, fd: impl Into<CloseFd>) -> Handle<()> {
        self.entry(libc::SYS_close).close_fd(0, fd.into()).push()
    }

    /// Adds `lseek(fd, offset, whence)`: the result is the new file offset.
    ///
    /// See [lseek(2)](https://man7.org/linux/man-pages/man2/lseek.2.html).
    pub fn lseek(&mut self, fd: impl Into<FdArg<'a>>, offset: i64, whence: c_int) -> Handle<u64> {
        self.entry(libc::SYS_lseek)
            .fd(0, fd.into())
            .value(1, offset as u64)
            .value(2, whence as u64)
            .push()
    }

    /// Adds `fstat(fd, statbuf)`: fills `statbuf` when the entry succeeds.
    ///
    /// See [fstat(2)](https://man7.org/linux/man-pages/man2/fstat.2.html).
    pub fn fstat(&mut self, fd: impl Into<FdArg<'a>>, statbuf: &'a mut libc::stat) -> Handle<()> {
        self.entry(libc::SYS_fstat)
            .fd(0, fd.into())
            .value(1, statbuf as *mut libc::stat as u64)
            .push()
    }

    /// Adds `statx(dirfd, path, flags, mask, statxbuf)`: fills `statxbuf`
    /// when the entry succeeds (Linux 4.11 and later).
    ///
    /// Pass `flags` = `AT_EMPTY_PATH` and an empty `path` to query `dirfd`
    /// itself.
    ///
    /// See [statx(2)](https://man7.org/linux/man-pages/man2/statx.2.html).
    pub fn statx(
        &mut self,
        dirfd: impl Into<DirFd<'a>>,
        path: &'a CStr,
        flags: c_int,
        mask: c_uint,
        statxbuf: &'a mut libc::statx,
    ) -> Handle<()> {
        self.entry(libc::SYS_statx)
            .dirfd(0, dirfd.into())
            .value(1, path.as_ptr() as u64)
            .value(2, flags as u64)
            .value(3, u64::from(mask))
            .value(4, statxbuf as *mut libc::statx as u64)
            .push()
    }

    /// Returns the buffer address of the `read` or `pread64` entry `read`
    /// refers to, or 0 for a handle of another batch, which `write_from`
    /// then records as an error.
    fn read_buffer(&self, read: Handle<BytesRead>) -> u64 {
        if read.batch != self.id() {
            return 0;
        }

        self.entries[read.index].args[1]
    }
}
