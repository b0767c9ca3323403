//! The safe typed constructors, one declaration per system call (see
//! `define.rs` for the format).
//!
//! Pointer arguments come only from references borrowed for the batch's
//! lifetime `'a`, with their lengths taken from the same reference, so a
//! safe constructor cannot hand the kernel a dangling or short buffer.

use core::ffi::CStr;
use std::io::{IoSlice, IoSliceMut};

use libc::{c_int, c_uint, gid_t, mode_t, pid_t, uid_t};

use crate::handle::{BytesRead, DirFd, FOwnerEx, Fd, FdArg, Handle, SockAddr};
use crate::Batch;

/// `F_GETOWN_EX` from `<linux/fcntl.h>`, which the `libc` crate does not
/// export for x86_64 glibc.
const F_GETOWN_EX: c_int = 16;

define_syscalls! {
    names = SAFE_NAMES;

    // Files.

    /// Adds `read(fd, buf, buf.len())`: the number of bytes read into `buf`.
    safe fn read(fd: impl Into<FdArg<'a>>, buf: &'a mut [u8]) -> BytesRead
        = SYS_read, "read", "1.0", [fd(fd), mut_ptr(buf), len(buf)];

    /// Adds `write(fd, buf, buf.len())`: the number of bytes written.
    safe fn write(fd: impl Into<FdArg<'a>>, buf: &'a [u8]) -> usize
        = SYS_write, "write", "1.0", [fd(fd), ptr(buf), len(buf)];

    /// Adds `pread64(fd, buf, buf.len(), offset)`: reads at `offset` without
    /// moving the file offset.
    safe fn pread64(fd: impl Into<FdArg<'a>>, buf: &'a mut [u8], offset: u64) -> BytesRead
        = SYS_pread64, "pread", "2.2", [fd(fd), mut_ptr(buf), len(buf), val(offset)];

    /// Adds `pwrite64(fd, buf, buf.len(), offset)`: writes at `offset`
    /// without moving the file offset.
    safe fn pwrite64(fd: impl Into<FdArg<'a>>, buf: &'a [u8], offset: u64) -> usize
        = SYS_pwrite64, "pwrite", "2.2", [fd(fd), ptr(buf), len(buf), val(offset)];

    /// Adds `readv(fd, bufs, bufs.len())`: the number of bytes read.
    /// `IoSliceMut` has the layout of `struct iovec`.
    safe fn readv(fd: impl Into<FdArg<'a>>, bufs: &'a mut [IoSliceMut<'a>]) -> usize
        = SYS_readv, "readv", "2.0", [fd(fd), mut_ptr(bufs), len(bufs)];

    /// Adds `writev(fd, bufs, bufs.len())`: the number of bytes written.
    /// `IoSlice` has the layout of `struct iovec`.
    safe fn writev(fd: impl Into<FdArg<'a>>, bufs: &'a [IoSlice<'a>]) -> usize
        = SYS_writev, "writev", "2.0", [fd(fd), ptr(bufs), len(bufs)];

    /// Adds `preadv2(fd, bufs, bufs.len(), offset, flags)`: the number of
    /// bytes read. An `offset` of -1 reads at the file offset.
    safe fn preadv2(
        fd: impl Into<FdArg<'a>>,
        bufs: &'a mut [IoSliceMut<'a>],
        offset: i64,
        flags: c_int,
    ) -> usize
        = SYS_preadv2, "preadv2", "4.6",
          [fd(fd), mut_ptr(bufs), len(bufs), val(offset), zero(), val(flags)];

    /// Adds `pwritev2(fd, bufs, bufs.len(), offset, flags)`: the number of
    /// bytes written. An `offset` of -1 writes at the file offset.
    safe fn pwritev2(
        fd: impl Into<FdArg<'a>>,
        bufs: &'a [IoSlice<'a>],
        offset: i64,
        flags: c_int,
    ) -> usize
        = SYS_pwritev2, "pwritev2", "4.6",
          [fd(fd), ptr(bufs), len(bufs), val(offset), zero(), val(flags)];

    /// Adds `openat(dirfd, path, flags, mode)`: a new descriptor.
    ///
    /// `flags` pass unchanged, so add `O_CLOEXEC` to keep the descriptor out
    /// of child processes. The batch owns the new descriptor until
    /// [`Completion::take_fd`](crate::Completion::take_fd) or a later
    /// [`Batch::close`] claims it, and closes it otherwise.
    safe fn openat(dirfd: impl Into<DirFd<'a>>, path: &'a CStr, flags: c_int, mode: mode_t) -> Fd
        = SYS_openat, "openat", "2.6.16", [dirfd(dirfd), ptr(path), val(flags), val(mode)],
          creates_fd;

    /// Adds `openat2(dirfd, path, how, size_of::<open_how>())`: a new
    /// descriptor, owned by the batch as for [`Batch::openat`].
    safe fn openat2(dirfd: impl Into<DirFd<'a>>, path: &'a CStr, how: &'a libc::open_how) -> Fd
        = SYS_openat2, "openat2", "5.6",
          [dirfd(dirfd), ptr(path), refp(how), size(libc::open_how)], creates_fd;

    /// Adds `lseek(fd, offset, whence)`: the new file offset.
    safe fn lseek(fd: impl Into<FdArg<'a>>, offset: i64, whence: c_int) -> u64
        = SYS_lseek, "lseek", "1.0", [fd(fd), val(offset), val(whence)];

    /// Adds `fstat(fd, statbuf)`: fills `statbuf` when the entry succeeds.
    safe fn fstat(fd: impl Into<FdArg<'a>>, statbuf: &'a mut libc::stat) -> ()
        = SYS_fstat, "fstat", "1.0", [fd(fd), mutp(statbuf)];

    /// Adds `newfstatat(dirfd, path, statbuf, flags)`, the system call
    /// behind `fstatat(3)`: fills `statbuf` when the entry succeeds.
    safe fn newfstatat(
        dirfd: impl Into<DirFd<'a>>,
        path: &'a CStr,
        statbuf: &'a mut libc::stat,
        flags: c_int,
    ) -> ()
        = SYS_newfstatat, "fstatat", "2.6.16",
          [dirfd(dirfd), ptr(path), mutp(statbuf), val(flags)];

    /// Adds `statx(dirfd, path, flags, mask, statxbuf)`: fills `statxbuf`
    /// when the entry succeeds. Pass `AT_EMPTY_PATH` and an empty `path` to
    /// query `dirfd` itself.
    safe fn statx(
        dirfd: impl Into<DirFd<'a>>,
        path: &'a CStr,
        flags: c_int,
        mask: c_uint,
        statxbuf: &'a mut libc::statx,
    ) -> ()
        = SYS_statx, "statx", "4.11",
          [dirfd(dirfd), ptr(path), val(flags), val(mask), mutp(statxbuf)];

    /// Adds `fsync(fd)`.
    safe fn fsync(fd: impl Into<FdArg<'a>>) -> ()
        = SYS_fsync, "fsync", "1.0", [fd(fd)];

    /// Adds `fdatasync(fd)`.
    safe fn fdatasync(fd: impl Into<FdArg<'a>>) -> ()
        = SYS_fdatasync, "fdatasync", "2.0", [fd(fd)];

    /// Adds `ftruncate(fd, length)`.
    safe fn ftruncate(fd: impl Into<FdArg<'a>>, length: i64) -> ()
        = SYS_ftruncate, "ftruncate", "1.0", [fd(fd), val(length)];

    /// Adds `fallocate(fd, mode, offset, len)`.
    safe fn fallocate(fd: impl Into<FdArg<'a>>, mode: c_int, offset: i64, len: i64) -> ()
        = SYS_fallocate, "fallocate", "2.6.23", [fd(fd), val(mode), val(offset), val(len)];

    /// Adds `fadvise64(fd, offset, len, advice)`, the system call behind
    /// `posix_fadvise(3)`.
    safe fn fadvise64(fd: impl Into<FdArg<'a>>, offset: i64, len: i64, advice: c_int) -> ()
        = SYS_fadvise64, "posix_fadvise", "2.6", [fd(fd), val(offset), val(len), val(advice)];

    /// Adds `getdents64(fd, buf, buf.len())`: the number of bytes of
    /// `struct linux_dirent64` records stored in `buf`, 0 at the end.
    safe fn getdents64(fd: impl Into<FdArg<'a>>, buf: &'a mut [u8]) -> usize
        = SYS_getdents64, "getdents", "2.4", [fd(fd), mut_ptr(buf), len(buf)];

    /// Adds `copy_file_range(fd_in, off_in, fd_out, off_out, len, flags)`:
    /// the number of bytes copied. A `None` offset uses the file offset.
    safe fn copy_file_range(
        fd_in: impl Into<FdArg<'a>>,
        off_in: Option<&'a mut i64>,
        fd_out: impl Into<FdArg<'a>>,
        off_out: Option<&'a mut i64>,
        len: usize,
        flags: c_uint,
    ) -> usize
        = SYS_copy_file_range, "copy_file_range", "4.5",
          [fd(fd_in), opt_mutp(off_in), fd(fd_out), opt_mutp(off_out), val(len), val(flags)];

    /// Adds `sendfile(out_fd, in_fd, offset, count)`: the number of bytes
    /// copied. A `None` offset uses the file offset of `in_fd`.
    safe fn sendfile(
        out_fd: impl Into<FdArg<'a>>,
        in_fd: impl Into<FdArg<'a>>,
        offset: Option<&'a mut i64>,
        count: usize,
    ) -> usize
        = SYS_sendfile, "sendfile", "2.2",
          [fd(out_fd), fd(in_fd), opt_mutp(offset), val(count)];

    /// Adds `splice(fd_in, off_in, fd_out, off_out, len, flags)`: the number
    /// of bytes moved. One side must be a pipe.
    safe fn splice(
        fd_in: impl Into<FdArg<'a>>,
        off_in: Option<&'a mut i64>,
        fd_out: impl Into<FdArg<'a>>,
        off_out: Option<&'a mut i64>,
        len: usize,
        flags: c_uint,
    ) -> usize
        = SYS_splice, "splice", "2.6.17",
          [fd(fd_in), opt_mutp(off_in), fd(fd_out), opt_mutp(off_out), val(len), val(flags)];

    // Paths.

    /// Adds `mkdirat(dirfd, path, mode)`.
    safe fn mkdirat(dirfd: impl Into<DirFd<'a>>, path: &'a CStr, mode: mode_t) -> ()
        = SYS_mkdirat, "mkdirat", "2.6.16", [dirfd(dirfd), ptr(path), val(mode)];

    /// Adds `unlinkat(dirfd, path, flags)`.
    safe fn unlinkat(dirfd: impl Into<DirFd<'a>>, path: &'a CStr, flags: c_int) -> ()
        = SYS_unlinkat, "unlinkat", "2.6.16", [dirfd(dirfd), ptr(path), val(flags)];

    /// Adds `renameat2(olddirfd, oldpath, newdirfd, newpath, flags)`.
    safe fn renameat2(
        olddirfd: impl Into<DirFd<'a>>,
        oldpath: &'a CStr,
        newdirfd: impl Into<DirFd<'a>>,
        newpath: &'a CStr,
        flags: c_uint,
    ) -> ()
        = SYS_renameat2, "rename", "3.15",
          [dirfd(olddirfd), ptr(oldpath), dirfd(newdirfd), ptr(newpath), val(flags)];

    /// Adds `linkat(olddirfd, oldpath, newdirfd, newpath, flags)`.
    safe fn linkat(
        olddirfd: impl Into<DirFd<'a>>,
        oldpath: &'a CStr,
        newdirfd: impl Into<DirFd<'a>>,
        newpath: &'a CStr,
        flags: c_int,
    ) -> ()
        = SYS_linkat, "linkat", "2.6.16",
          [dirfd(olddirfd), ptr(oldpath), dirfd(newdirfd), ptr(newpath), val(flags)];

    /// Adds `symlinkat(target, newdirfd, linkpath)`.
    safe fn symlinkat(target: &'a CStr, newdirfd: impl Into<DirFd<'a>>, linkpath: &'a CStr) -> ()
        = SYS_symlinkat, "symlinkat", "2.6.16", [ptr(target), dirfd(newdirfd), ptr(linkpath)];

    /// Adds `readlinkat(dirfd, path, buf, buf.len())`: the number of bytes
    /// stored in `buf`, with no terminating NUL.
    safe fn readlinkat(dirfd: impl Into<DirFd<'a>>, path: &'a CStr, buf: &'a mut [u8]) -> usize
        = SYS_readlinkat, "readlinkat", "2.6.16",
          [dirfd(dirfd), ptr(path), mut_ptr(buf), len(buf)];

    /// Adds `fchmodat(dirfd, path, mode)`.
    safe fn fchmodat(dirfd: impl Into<DirFd<'a>>, path: &'a CStr, mode: mode_t) -> ()
        = SYS_fchmodat, "fchmodat", "2.6.16", [dirfd(dirfd), ptr(path), val(mode)];

    /// Adds `fchownat(dirfd, path, owner, group, flags)`.
    safe fn fchownat(
        dirfd: impl Into<DirFd<'a>>,
        path: &'a CStr,
        owner: uid_t,
        group: gid_t,
        flags: c_int,
    ) -> ()
        = SYS_fchownat, "fchownat", "2.6.16",
          [dirfd(dirfd), ptr(path), val(owner), val(group), val(flags)];

    /// Adds `utimensat(dirfd, path, times, flags)`. A `None` path changes
    /// `dirfd` itself, and `None` times set both to the current time.
    safe fn utimensat(
        dirfd: impl Into<DirFd<'a>>,
        path: Option<&'a CStr>,
        times: Option<&'a [libc::timespec; 2]>,
        flags: c_int,
    ) -> ()
        = SYS_utimensat, "utimensat", "2.6.22",
          [dirfd(dirfd), opt_cstr(path), opt_refp(times), val(flags)];

    /// Adds `faccessat2(dirfd, path, mode, flags)`.
    safe fn faccessat2(dirfd: impl Into<DirFd<'a>>, path: &'a CStr, mode: c_int, flags: c_int) -> ()
        = SYS_faccessat2, "faccessat2", "5.8", [dirfd(dirfd), ptr(path), val(mode), val(flags)];

    // Descriptors.

    /// Adds `dup(fd)`: a new descriptor, owned by the batch as for
    /// [`Batch::openat`].
    safe fn dup(fd: impl Into<FdArg<'a>>) -> Fd
        = SYS_dup, "dup", "1.0", [fd(fd)], creates_fd;

    /// Adds `fcntl(fd, F_GETFD)`: the descriptor flags (`FD_CLOEXEC`).
    safe fn fcntl_getfd(fd: impl Into<FdArg<'a>>) -> c_int
        = SYS_fcntl, "fcntl", "1.0", [fd(fd), val(libc::F_GETFD)];

    /// Adds `fcntl(fd, F_SETFD, flags)`.
    safe fn fcntl_setfd(fd: impl Into<FdArg<'a>>, flags: c_int) -> ()
        = SYS_fcntl, "fcntl", "1.0", [fd(fd), val(libc::F_SETFD), val(flags)];

    /// Adds `fcntl(fd, F_GETFL)`: the file status flags and access mode.
    safe fn fcntl_getfl(fd: impl Into<FdArg<'a>>) -> c_int
        = SYS_fcntl, "fcntl", "1.0", [fd(fd), val(libc::F_GETFL)];

    /// Adds `fcntl(fd, F_SETFL, flags)`.
    safe fn fcntl_setfl(fd: impl Into<FdArg<'a>>, flags: c_int) -> ()
        = SYS_fcntl, "fcntl", "1.0", [fd(fd), val(libc::F_SETFL), val(flags)];

    /// Adds `fcntl(fd, F_DUPFD_CLOEXEC, min)`: a new descriptor of at least
    /// `min`, owned by the batch as for [`Batch::openat`].
    safe fn fcntl_dupfd_cloexec(fd: impl Into<FdArg<'a>>, min: c_int) -> Fd
        = SYS_fcntl, "fcntl", "2.6.24", [fd(fd), val(libc::F_DUPFD_CLOEXEC), val(min)],
          creates_fd;

    /// Adds `fcntl(fd, F_GETOWN_EX, owner)`. `F_GETOWN` is not offered,
    /// because it returns a process group as a negative number, which reads
    /// as a failure.
    safe fn fcntl_getown_ex(fd: impl Into<FdArg<'a>>, owner: &'a mut FOwnerEx) -> ()
        = SYS_fcntl, "fcntl", "2.6.32", [fd(fd), val(F_GETOWN_EX), mutp(owner)];

    /// Adds `pipe2(fds, flags)`. The two new descriptors land in `fds`, so
    /// no later entry can take them as a handle, and the batch does not own
    /// them: wrap them in `OwnedFd` after a successful run.
    safe fn pipe2(fds: &'a mut [c_int; 2], flags: c_int) -> ()
        = SYS_pipe2, "pipe2", "2.6.27", [mutp(fds), val(flags)];

    /// Adds `eventfd2(initval, flags)`: a new descriptor, owned by the batch
    /// as for [`Batch::openat`].
    safe fn eventfd2(initval: c_uint, flags: c_int) -> Fd
        = SYS_eventfd2, "eventfd", "2.6.27", [val(initval), val(flags)], creates_fd;

    // Sockets.

    /// Adds `socket(domain, socket_type, protocol)`: a new descriptor, owned
    /// by the batch as for [`Batch::openat`].
    safe fn socket(domain: c_int, socket_type: c_int, protocol: c_int) -> Fd
        = SYS_socket, "socket", "2.0", [val(domain), val(socket_type), val(protocol)],
          creates_fd;

    /// Adds `bind(fd, addr, addrlen)`.
    safe fn bind(fd: impl Into<FdArg<'a>>, addr: SockAddr<'a>) -> ()
        = SYS_bind, "bind", "2.0", [fd(fd), sockaddr(addr), sockaddr_len(addr)];

    /// Adds `listen(fd, backlog)`.
    safe fn listen(fd: impl Into<FdArg<'a>>, backlog: c_int) -> ()
        = SYS_listen, "listen", "2.0", [fd(fd), val(backlog)];

    /// Adds `accept4(fd, NULL, NULL, flags)`: a new descriptor, owned by the
    /// batch as for [`Batch::openat`].
    safe fn accept4(fd: impl Into<FdArg<'a>>, flags: c_int) -> Fd
        = SYS_accept4, "accept4", "2.6.28", [fd(fd), zero(), zero(), val(flags)], creates_fd;

    /// Adds `connect(fd, addr, addrlen)`.
    safe fn connect(fd: impl Into<FdArg<'a>>, addr: SockAddr<'a>) -> ()
        = SYS_connect, "connect", "2.0", [fd(fd), sockaddr(addr), sockaddr_len(addr)];

    /// Adds `sendto(fd, buf, buf.len(), flags, NULL, 0)` for a connected
    /// socket: the number of bytes sent.
    safe fn send(fd: impl Into<FdArg<'a>>, buf: &'a [u8], flags: c_int) -> usize
        = SYS_sendto, "send", "2.0", [fd(fd), ptr(buf), len(buf), val(flags), zero(), zero()];

    /// Adds `sendto(fd, buf, buf.len(), flags, addr, addrlen)`: the number of
    /// bytes sent.
    safe fn sendto(
        fd: impl Into<FdArg<'a>>,
        buf: &'a [u8],
        flags: c_int,
        addr: SockAddr<'a>,
    ) -> usize
        = SYS_sendto, "sendto", "2.0",
          [fd(fd), ptr(buf), len(buf), val(flags), sockaddr(addr), sockaddr_len(addr)];

    /// Adds `recvfrom(fd, buf, buf.len(), flags, NULL, NULL)`: the number of
    /// bytes received into `buf`.
    safe fn recvfrom(fd: impl Into<FdArg<'a>>, buf: &'a mut [u8], flags: c_int) -> BytesRead
        = SYS_recvfrom, "recv", "2.0",
          [fd(fd), mut_ptr(buf), len(buf), val(flags), zero(), zero()];

    /// Adds `shutdown(fd, how)`.
    safe fn shutdown(fd: impl Into<FdArg<'a>>, how: c_int) -> ()
        = SYS_shutdown, "shutdown", "2.0", [fd(fd), val(how)];

    /// Adds `setsockopt(fd, level, name, value, value.len())`.
    safe fn setsockopt(fd: impl Into<FdArg<'a>>, level: c_int, name: c_int, value: &'a [u8]) -> ()
        = SYS_setsockopt, "setsockopt", "2.0",
          [fd(fd), val(level), val(name), ptr(value), len(value)];

    // Processes and time.

    /// Adds `getpid()`: the process id of the caller.
    safe fn getpid() -> pid_t = SYS_getpid, "getpid", "1.0", [];

    /// Adds `getppid()`: the process id of the caller's parent.
    safe fn getppid() -> pid_t = SYS_getppid, "getppid", "1.0", [];

    /// Adds `gettid()`: the thread id of the caller.
    safe fn gettid() -> pid_t = SYS_gettid, "gettid", "2.4.11", [];

    /// Adds `getuid()`: the real user id.
    safe fn getuid() -> uid_t = SYS_getuid, "getuid", "1.0", [];

    /// Adds `geteuid()`: the effective user id.
    safe fn geteuid() -> uid_t = SYS_geteuid, "geteuid", "1.0", [];

    /// Adds `getgid()`: the real group id.
    safe fn getgid() -> gid_t = SYS_getgid, "getgid", "1.0", [];

    /// Adds `getegid()`: the effective group id.
    safe fn getegid() -> gid_t = SYS_getegid, "getegid", "1.0", [];

    /// Adds `sched_yield()`.
    safe fn sched_yield() -> () = SYS_sched_yield, "sched_yield", "1.3", [];

    /// Adds `nanosleep(duration, remaining)`.
    safe fn nanosleep(
        duration: &'a libc::timespec,
        remaining: Option<&'a mut libc::timespec>,
    ) -> ()
        = SYS_nanosleep, "nanosleep", "2.0", [refp(duration), opt_mutp(remaining)];

    /// Adds `clock_gettime(clock, time)`: fills `time` when the entry
    /// succeeds.
    safe fn clock_gettime(clock: libc::clockid_t, time: &'a mut libc::timespec) -> ()
        = SYS_clock_gettime, "clock_gettime", "2.6", [val(clock), mutp(time)];

    /// Adds `clock_nanosleep(clock, flags, request, remaining)`.
    safe fn clock_nanosleep(
        clock: libc::clockid_t,
        flags: c_int,
        request: &'a libc::timespec,
        remaining: Option<&'a mut libc::timespec>,
    ) -> ()
        = SYS_clock_nanosleep, "clock_nanosleep", "2.6",
          [val(clock), val(flags), refp(request), opt_mutp(remaining)];

    /// Adds `getrandom(buf, buf.len(), flags)`: the number of random bytes
    /// stored in `buf`.
    safe fn getrandom(buf: &'a mut [u8], flags: c_uint) -> usize
        = SYS_getrandom, "getrandom", "3.17", [mut_ptr(buf), len(buf), val(flags)];

    /// Adds `kill(pid, signal)`.
    safe fn kill(pid: pid_t, signal: c_int) -> ()
        = SYS_kill, "kill", "1.0", [val(pid), val(signal)];

    /// Adds `tgkill(tgid, tid, signal)`.
    safe fn tgkill(tgid: pid_t, tid: pid_t, signal: c_int) -> ()
        = SYS_tgkill, "tgkill", "2.6", [val(tgid), val(tid), val(signal)];

    /// Adds `prctl(PR_SET_NAME, name)`: names the calling thread, truncated
    /// to 15 bytes.
    safe fn prctl_set_name(name: &'a CStr) -> ()
        = SYS_prctl, "prctl", "2.6.9", [val(libc::PR_SET_NAME), ptr(name)];

    /// Adds `prctl(PR_GET_NAME, name)`: stores the calling thread's name,
    /// NUL-terminated, in `name`.
    safe fn prctl_get_name(name: &'a mut [u8; 16]) -> ()
        = SYS_prctl, "prctl", "2.6.11", [val(libc::PR_GET_NAME), mutp(name)];

    /// Adds `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)`.
    safe fn prctl_set_no_new_privs() -> ()
        = SYS_prctl, "prctl", "3.5",
          [val(libc::PR_SET_NO_NEW_PRIVS), val(1), zero(), zero(), zero()];

    /// Adds `prctl(PR_SET_PDEATHSIG, signal)`.
    safe fn prctl_set_pdeathsig(signal: c_int) -> ()
        = SYS_prctl, "prctl", "2.1.57", [val(libc::PR_SET_PDEATHSIG), val(signal)];

    /// Adds `epoll_ctl(epfd, op, fd, event)`.
    safe fn epoll_ctl(
        epfd: impl Into<FdArg<'a>>,
        op: c_int,
        fd: impl Into<FdArg<'a>>,
        event: Option<&'a mut libc::epoll_event>,
    ) -> ()
        = SYS_epoll_ctl, "epoll_ctl", "2.6", [fd(epfd), val(op), fd(fd), opt_mutp(event)];
}
