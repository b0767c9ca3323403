//! The `unsafe` typed constructors: calls whose soundness depends on memory
//! or descriptors that the batch cannot see (see `define.rs` for the
//! format).

use libc::{c_int, c_uint, c_ulong, c_void, msghdr};

use crate::handle::{Address, FdArg, Handle};
use crate::Batch;

define_syscalls! {
    names = UNSAFE_NAMES;

    /// Adds `dup3(oldfd, newfd, flags)`: `newfd`, now a copy of `oldfd`.
    ///
    /// # Safety
    ///
    /// If `newfd` is open, `dup3` closes it first. Nothing else may own
    /// `newfd`: no `OwnedFd`, `File` or other owner may use or close it
    /// afterwards.
    unsafe fn dup3(oldfd: impl Into<FdArg<'a>>, newfd: c_int, flags: c_int) -> c_int
        = SYS_dup3, "dup3", "2.6.27", [fd(oldfd), val(newfd), val(flags)];

    /// Adds `mmap(addr, length, prot, flags | MAP_FIXED, fd, offset)`: maps
    /// at exactly `addr`, replacing what was mapped there.
    ///
    /// # Safety
    ///
    /// No memory that Rust code uses, borrows or owns may lie in
    /// `addr..addr + length`. The mapping replaces it.
    unsafe fn mmap_fixed(
        addr: *mut c_void,
        length: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        offset: i64,
    ) -> Address
        = SYS_mmap, "mmap", "1.0",
          [val(addr), val(length), val(prot), val(flags | libc::MAP_FIXED), val(fd), val(offset)];

    /// Adds `munmap(addr, length)`.
    ///
    /// # Safety
    ///
    /// No memory that Rust code uses, borrows or owns may lie in
    /// `addr..addr + length`, including the buffers of this batch.
    unsafe fn munmap(addr: *mut c_void, length: usize) -> ()
        = SYS_munmap, "munmap", "1.0", [val(addr), val(length)];

    /// Adds `mprotect(addr, length, prot)`.
    ///
    /// # Safety
    ///
    /// Rust code must not access memory in `addr..addr + length` in a way
    /// that `prot` no longer allows, including through this batch's buffers.
    unsafe fn mprotect(addr: *mut c_void, length: usize, prot: c_int) -> ()
        = SYS_mprotect, "mprotect", "1.0", [val(addr), val(length), val(prot)];

    /// Adds `madvise(addr, length, advice)`.
    ///
    /// # Safety
    ///
    /// Advice such as `MADV_DONTNEED` or `MADV_FREE` discards contents: no
    /// Rust value in `addr..addr + length` may rely on them afterwards.
    unsafe fn madvise(addr: *mut c_void, length: usize, advice: c_int) -> ()
        = SYS_madvise, "madvise", "2.4", [val(addr), val(length), val(advice)];

    /// Adds `ioctl(fd, request, arg)`: the raw result.
    ///
    /// # Safety
    ///
    /// `arg` must be what `request` expects on `fd`, and any memory it
    /// points at must stay valid, and unaliased where the call writes, for
    /// as long as the batch lives.
    unsafe fn ioctl(fd: impl Into<FdArg<'a>>, request: c_ulong, arg: u64) -> u64
        = SYS_ioctl, "ioctl", "1.0", [fd(fd), val(request), val(arg)];

    /// Adds `sendmsg(fd, msg, flags)`: the number of bytes sent.
    ///
    /// # Safety
    ///
    /// `msg` and every buffer, address and control block it points at must
    /// stay valid for reads for as long as the batch lives.
    unsafe fn sendmsg(fd: impl Into<FdArg<'a>>, msg: *const msghdr, flags: c_int) -> usize
        = SYS_sendmsg, "sendmsg", "2.0", [fd(fd), val(msg), val(flags)];

    /// Adds `recvmsg(fd, msg, flags)`: the number of bytes received.
    ///
    /// # Safety
    ///
    /// `msg` and every buffer, address and control block it points at must
    /// stay valid for writes, and unaliased by Rust references, for as long
    /// as the batch lives. Descriptors received through `SCM_RIGHTS` belong
    /// to the caller.
    unsafe fn recvmsg(fd: impl Into<FdArg<'a>>, msg: *mut msghdr, flags: c_int) -> usize
        = SYS_recvmsg, "recvmsg", "2.0", [fd(fd), val(msg), val(flags)];

    /// Adds `sendmmsg(fd, msgs, vlen, flags)`: the number of messages sent.
    ///
    /// # Safety
    ///
    /// As for [`Batch::sendmsg`], for each of the `vlen` headers at `msgs`,
    /// which the kernel also writes (`msg_len`).
    unsafe fn sendmmsg(
        fd: impl Into<FdArg<'a>>,
        msgs: *mut libc::mmsghdr,
        vlen: c_uint,
        flags: c_int,
    ) -> usize
        = SYS_sendmmsg, "sendmmsg", "3.0", [fd(fd), val(msgs), val(vlen), val(flags)];

    /// Adds `recvmmsg(fd, msgs, vlen, flags, timeout)`: the number of
    /// messages received.
    ///
    /// # Safety
    ///
    /// As for [`Batch::recvmsg`], for each of the `vlen` headers at `msgs`;
    /// `timeout` must be null or valid for reads and writes.
    unsafe fn recvmmsg(
        fd: impl Into<FdArg<'a>>,
        msgs: *mut libc::mmsghdr,
        vlen: c_uint,
        flags: c_int,
        timeout: *mut libc::timespec,
    ) -> usize
        = SYS_recvmmsg, "recvmmsg", "2.6.33",
          [fd(fd), val(msgs), val(vlen), val(flags), val(timeout)];
}
