//! The typed constructors that need more than the declarative table in
//! `syscalls.rs`: `close`, which takes ownership, and `write_from`, which
//! chains a read's buffer and count.

use libc::{c_int, socklen_t};

use crate::handle::{Address, BytesRead, CloseFd, Fd, FdArg, Handle, PeerAddr};
use crate::{Batch, Error};

impl<'a> Batch<'a> {
    /// Adds `write(fd, buf, count)` where `buf` and `count` are the buffer and
    /// result of an earlier `read` or `pread64`: it writes exactly the bytes
    /// that entry read.
    ///
    /// If the read fails, this entry is skipped with `ECANCELED`.
    ///
    /// See [write(2)](https://man7.org/linux/man-pages/man2/write.2.html).
    /// Linux 1.0 and later.
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
    /// Linux 1.0 and later.
    pub fn close(&mut self, fd: impl Into<CloseFd>) -> Handle<()> {
        self.entry(libc::SYS_close).close_fd(0, fd.into()).push()
    }

    /// Adds `mmap(NULL, length, prot, flags, fd, offset)`: the address of a
    /// new mapping, which replaces nothing because `addr` is NULL.
    ///
    /// `fd` is `None` for `MAP_ANONYMOUS`. `flags` must not contain
    /// `MAP_FIXED`, which can replace memory Rust uses; the `unsafe`
    /// [`Batch::mmap_fixed`] offers it. With `MAP_FIXED`, [`Batch::submit`]
    /// fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument)
    /// before anything runs.
    ///
    /// See [mmap(2)](https://man7.org/linux/man-pages/man2/mmap.2.html).
    /// Linux 1.0 and later.
    pub fn mmap(
        &mut self,
        length: usize,
        prot: c_int,
        flags: c_int,
        fd: Option<FdArg<'a>>,
        offset: i64,
    ) -> Handle<Address> {
        if flags & libc::MAP_FIXED != 0 {
            self.record(Error::InvalidArgument {
                entry: self.len(),
                name: "mmap",
                reason: "MAP_FIXED can replace memory Rust uses; use the unsafe mmap_fixed",
            });
        }
        let builder = self
            .entry(libc::SYS_mmap)
            .value(0, 0)
            .value(1, length as u64)
            .value(2, prot as u64)
            .value(3, flags as u64);
        let builder = match fd {
            Some(fd) => builder.fd(4, fd),
            None => builder.value(4, -1i64 as u64),
        };
        builder.value(5, offset as u64).push()
    }

    /// Adds `getsockopt(fd, level, name, value, length)` with `*length` set
    /// to `value.len()` now, so that the kernel writes at most that much:
    /// the option's length is in `length` after the entry succeeds.
    ///
    /// See [getsockopt(2)](https://man7.org/linux/man-pages/man2/getsockopt.2.html).
    /// Linux 2.0 and later.
    pub fn getsockopt(
        &mut self,
        fd: impl Into<FdArg<'a>>,
        level: c_int,
        name: c_int,
        value: &'a mut [u8],
        length: &'a mut socklen_t,
    ) -> Handle<()> {
        *length = socklen_t::try_from(value.len()).unwrap_or(socklen_t::MAX);
        self.entry(libc::SYS_getsockopt)
            .fd(0, fd.into())
            .value(1, level as u64)
            .value(2, name as u64)
            .value(3, value.as_mut_ptr() as u64)
            .value(4, core::ptr::from_mut(length) as u64)
            .push()
    }

    /// Adds `accept4(fd, &peer.storage, &peer.len, flags)`: a new
    /// descriptor, owned by the batch until claimed, with the peer's address
    /// in `peer` once the entry succeeds.
    ///
    /// See [accept4(2)](https://man7.org/linux/man-pages/man2/accept4.2.html).
    /// Linux 2.6.28 and later.
    pub fn accept4_with_peer(
        &mut self,
        fd: impl Into<FdArg<'a>>,
        peer: &'a mut PeerAddr,
        flags: c_int,
    ) -> Handle<Fd> {
        let (address, length) = peer.prepare();
        self.entry(libc::SYS_accept4)
            .fd(0, fd.into())
            .value(1, address)
            .value(2, length)
            .value(3, flags as u64)
            .creates_fd()
            .push()
    }

    /// Adds `recvfrom(fd, buf, buf.len(), flags, &peer.storage, &peer.len)`:
    /// the number of bytes received into `buf`, with the sender's address in
    /// `peer` once the entry succeeds. A connected stream socket stores no
    /// address, and `peer` then has length 0.
    ///
    /// See [recvfrom(2)](https://man7.org/linux/man-pages/man2/recvfrom.2.html).
    /// Linux 2.0 and later.
    pub fn recvfrom_with_peer(
        &mut self,
        fd: impl Into<FdArg<'a>>,
        buf: &'a mut [u8],
        flags: c_int,
        peer: &'a mut PeerAddr,
    ) -> Handle<BytesRead> {
        let (address, length) = peer.prepare();
        self.entry(libc::SYS_recvfrom)
            .fd(0, fd.into())
            .value(1, buf.as_mut_ptr() as u64)
            .value(2, buf.len() as u64)
            .value(3, flags as u64)
            .value(4, address)
            .value(5, length)
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
