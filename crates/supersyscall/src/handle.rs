//! Handles to the results of batch entries, and the argument types that
//! accept either a plain value or a handle.

use core::fmt;
use core::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};

/// A reference to the result of one entry of a [`Batch`](crate::Batch).
///
/// Adding an entry returns a handle. Pass it to a later entry of the same
/// batch to use the result as an argument (the kernel substitutes it when
/// the later entry runs), or to [`Completion`](crate::Completion) to read the
/// result after the batch ran. `T` names what the result decodes to, see
/// [`Value`].
///
/// A handle does not borrow its batch, so it outlives the batch. It records
/// which batch created it: using it with another batch makes
/// [`Batch::submit`](crate::Batch::submit) fail with
/// [`Error::ForeignHandle`](crate::Error::ForeignHandle) before anything runs.
pub struct Handle<T> {
    pub(crate) batch: u64,
    pub(crate) index: usize,
    value: PhantomData<fn() -> T>,
}

impl<T> Handle<T> {
    pub(crate) fn new(batch: u64, index: usize) -> Handle<T> {
        Handle {
            batch,
            index,
            value: PhantomData,
        }
    }

    /// Returns the index of the entry within its batch.
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Handle<T> {
        *self
    }
}

impl<T> Copy for Handle<T> {}

impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("batch", &self.batch)
            .field("index", &self.index)
            .finish()
    }
}

/// The result type of a newly created file descriptor, as `openat` returns.
///
/// [`Completion::result`](crate::Completion::result) gives its number and
/// [`Completion::take_fd`](crate::Completion::take_fd) its ownership.
#[derive(Debug)]
pub enum Fd {}

/// The result type of a `read` or `pread64`: the number of bytes stored in
/// the buffer the batch holds.
///
/// [`Batch::write_from`](crate::Batch::write_from) writes exactly those bytes.
#[derive(Debug)]
pub enum BytesRead {}

/// The result type of `mmap`: the address of the new mapping.
///
/// [`Completion::result`](crate::Completion::result) gives it as a pointer.
#[derive(Debug)]
pub enum Address {}

mod sealed {
    pub trait Sealed {}
}

/// The decoded type of a handle's result.
///
/// Implemented for [`Fd`] (a [`RawFd`]), [`BytesRead`] and `usize` (byte
/// counts), `u64` (offsets and raw results), [`Address`] (a pointer),
/// `libc::pid_t` (process ids and other `int` results), `u32` (user and
/// group ids) and `()` (calls that return 0).
pub trait Value: sealed::Sealed {
    /// The decoded result.
    type Output;

    /// Decodes a non-failure result.
    #[doc(hidden)]
    fn decode(value: u64) -> Self::Output;
}

/// Implements [`Value`] for each `type => output`, decoding the raw result
/// with an `as` cast to `output`.
macro_rules! value_by_cast {
    ($($type:ty => $output:ty),* $(,)?) => {
        $(
            impl sealed::Sealed for $type {}
            impl Value for $type {
                type Output = $output;
                fn decode(value: u64) -> $output {
                    value as $output
                }
            }
        )*
    };
}

value_by_cast!(
    Fd => RawFd,
    BytesRead => usize,
    usize => usize,
    u64 => u64,
    libc::pid_t => libc::pid_t,
    u32 => u32,
    Address => *mut libc::c_void,
);

impl sealed::Sealed for () {}
impl Value for () {
    type Output = ();
    fn decode(_value: u64) {}
}

/// A file descriptor argument: a descriptor borrowed for the batch's
/// lifetime, or the descriptor an earlier entry creates.
#[derive(Debug)]
pub enum FdArg<'a> {
    /// An open descriptor.
    Borrowed(BorrowedFd<'a>),
    /// The descriptor an earlier `openat` of the same batch returns.
    Handle(Handle<Fd>),
}

impl<'a> From<BorrowedFd<'a>> for FdArg<'a> {
    fn from(fd: BorrowedFd<'a>) -> FdArg<'a> {
        FdArg::Borrowed(fd)
    }
}

impl<'a, T: AsFd> From<&'a T> for FdArg<'a> {
    fn from(fd: &'a T) -> FdArg<'a> {
        FdArg::Borrowed(fd.as_fd())
    }
}

impl From<Handle<Fd>> for FdArg<'_> {
    fn from(handle: Handle<Fd>) -> Self {
        FdArg::Handle(handle)
    }
}

/// The `dirfd` argument of the `*at` calls.
#[derive(Debug)]
pub enum DirFd<'a> {
    /// `AT_FDCWD`: relative paths start at the current working directory.
    Cwd,
    /// An open directory descriptor.
    Borrowed(BorrowedFd<'a>),
    /// The descriptor an earlier `openat` of the same batch returns.
    Handle(Handle<Fd>),
}

impl<'a> From<BorrowedFd<'a>> for DirFd<'a> {
    fn from(fd: BorrowedFd<'a>) -> DirFd<'a> {
        DirFd::Borrowed(fd)
    }
}

impl<'a, T: AsFd> From<&'a T> for DirFd<'a> {
    fn from(fd: &'a T) -> DirFd<'a> {
        DirFd::Borrowed(fd.as_fd())
    }
}

impl From<Handle<Fd>> for DirFd<'_> {
    fn from(handle: Handle<Fd>) -> Self {
        DirFd::Handle(handle)
    }
}

/// The argument of [`Batch::close`](crate::Batch::close): a descriptor the
/// batch may close because it owns it.
#[derive(Debug)]
pub enum CloseFd {
    /// A descriptor the caller hands over to the batch.
    Owned(OwnedFd),
    /// The descriptor an earlier `openat` of the same batch returns.
    Handle(Handle<Fd>),
}

impl From<OwnedFd> for CloseFd {
    fn from(fd: OwnedFd) -> CloseFd {
        CloseFd::Owned(fd)
    }
}

impl From<Handle<Fd>> for CloseFd {
    fn from(handle: Handle<Fd>) -> CloseFd {
        CloseFd::Handle(handle)
    }
}

/// An argument of [`Batch::raw_chained`](crate::Batch::raw_chained).
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    /// The value itself.
    Value(u64),
    /// The result of an earlier entry of the same batch.
    ResultOf {
        /// The batch id of the handle.
        batch: u64,
        /// The entry index of the handle.
        index: usize,
    },
}

impl From<u64> for Arg {
    fn from(value: u64) -> Arg {
        Arg::Value(value)
    }
}

impl<T> From<Handle<T>> for Arg {
    fn from(handle: Handle<T>) -> Arg {
        Arg::ResultOf {
            batch: handle.batch,
            index: handle.index,
        }
    }
}

/// A socket address borrowed for the batch's lifetime, as `bind`, `connect`
/// and `sendto` take it: its address and its length.
#[derive(Clone, Copy, Debug)]
pub struct SockAddr<'a> {
    address: *const libc::sockaddr,
    length: libc::socklen_t,
    borrow: PhantomData<&'a libc::sockaddr>,
}

impl SockAddr<'_> {
    pub(crate) fn address(&self) -> u64 {
        self.address as u64
    }

    pub(crate) fn length(&self) -> u64 {
        u64::from(self.length)
    }
}

/// Implements `From<&'a $type>` for [`SockAddr`], for a `libc` socket address
/// type, with the type's full size as the length.
macro_rules! sock_addr_from {
    ($($type:ty),*) => {
        $(
            impl<'a> From<&'a $type> for SockAddr<'a> {
                fn from(address: &'a $type) -> SockAddr<'a> {
                    SockAddr {
                        address: core::ptr::from_ref(address).cast(),
                        length: core::mem::size_of::<$type>() as libc::socklen_t,
                        borrow: PhantomData,
                    }
                }
            }
        )*
    };
}

sock_addr_from!(
    libc::sockaddr_in,
    libc::sockaddr_in6,
    libc::sockaddr_un,
    libc::sockaddr_nl,
    libc::sockaddr_storage
);

/// Room for the address of a socket's peer, which
/// [`Batch::accept4_with_peer`](crate::Batch::accept4_with_peer) and
/// [`Batch::recvfrom_with_peer`](crate::Batch::recvfrom_with_peer) fill in.
///
/// The kernel writes at most 128 bytes, the size of `sockaddr_storage`, and
/// stores the address's full length, which [`PeerAddr::len`] returns. The
/// constructors reset the length when the entry is added, so one `PeerAddr`
/// serves one entry per batch.
#[derive(Clone, Copy)]
pub struct PeerAddr {
    storage: Storage,
    length: libc::socklen_t,
}

/// The bytes of a `sockaddr_storage`, with its alignment.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
struct Storage([u8; PeerAddr::CAPACITY]);

impl PeerAddr {
    /// The size of `sockaddr_storage`, which is what the kernel may write.
    const CAPACITY: usize = 128;

    /// Returns empty storage: no address, length 0.
    pub fn new() -> PeerAddr {
        PeerAddr {
            storage: Storage([0; PeerAddr::CAPACITY]),
            length: 0,
        }
    }

    /// Returns the length the kernel stored: the peer address's full
    /// length, which exceeds 128 for a truncated address, or 0 when the peer
    /// has no address, such as an unnamed Unix socket.
    pub fn len(&self) -> usize {
        self.length as usize
    }

    /// Returns true when the kernel stored no address.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Returns the address family, such as `AF_INET` or `AF_UNIX`, or
    /// `AF_UNSPEC` (0) when no address is stored, which includes an entry
    /// that failed or was not reached.
    pub fn family(&self) -> libc::sa_family_t {
        if self.len() < 2 {
            return 0;
        }
        libc::sa_family_t::from_ne_bytes([self.storage.0[0], self.storage.0[1]])
    }

    /// Returns the bytes of the stored address, at most 128, to be read as
    /// the `sockaddr_*` type of its [`family`](PeerAddr::family).
    pub fn as_bytes(&self) -> &[u8] {
        &self.storage.0[..self.len().min(PeerAddr::CAPACITY)]
    }

    /// Returns the stored address as an IP socket address, or `None` for
    /// another family.
    pub fn to_socket_addr(&self) -> Option<std::net::SocketAddr> {
        use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

        let bytes = self.as_bytes();
        let field = |range: core::ops::Range<usize>| bytes.get(range);
        let port = u16::from_be_bytes(field(2..4)?.try_into().ok()?);
        match i32::from(self.family()) {
            libc::AF_INET if bytes.len() >= core::mem::size_of::<libc::sockaddr_in>() => {
                let ip: [u8; 4] = field(4..8)?.try_into().ok()?;
                Some(SocketAddrV4::new(Ipv4Addr::from(ip), port).into())
            }
            libc::AF_INET6 if bytes.len() >= core::mem::size_of::<libc::sockaddr_in6>() => {
                let flowinfo = u32::from_be_bytes(field(4..8)?.try_into().ok()?);
                let ip: [u8; 16] = field(8..24)?.try_into().ok()?;
                let scope_id = u32::from_ne_bytes(field(24..28)?.try_into().ok()?);
                Some(SocketAddrV6::new(Ipv6Addr::from(ip), port, flowinfo, scope_id).into())
            }
            _ => None,
        }
    }

    /// Clears the storage, sets the length to 128, as the kernel expects on
    /// input, and returns the addresses of the storage and of the length.
    ///
    /// A failed or unreached entry leaves the storage zeroed, so it shows no
    /// address from an earlier batch: [`PeerAddr::family`] returns 0 and
    /// [`PeerAddr::to_socket_addr`] returns `None`, though the length stays
    /// 128. Read the address only after the entry succeeded.
    pub(crate) fn prepare(&mut self) -> (u64, u64) {
        self.storage = Storage([0; PeerAddr::CAPACITY]);
        self.length = PeerAddr::CAPACITY as libc::socklen_t;
        (
            self.storage.0.as_mut_ptr() as u64,
            core::ptr::from_mut(&mut self.length) as u64,
        )
    }
}

const _: () = assert!(PeerAddr::CAPACITY == core::mem::size_of::<libc::sockaddr_storage>());

impl Default for PeerAddr {
    fn default() -> PeerAddr {
        PeerAddr::new()
    }
}

impl fmt::Debug for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerAddr")
            .field("family", &self.family())
            .field("len", &self.len())
            .finish()
    }
}

/// `struct f_owner_ex` from `<linux/fcntl.h>`: the owner that
/// [`Batch::fcntl_getown_ex`](crate::Batch::fcntl_getown_ex) stores.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FOwnerEx {
    /// `F_OWNER_TID`, `F_OWNER_PID` or `F_OWNER_PGRP`.
    pub kind: libc::c_int,
    /// The thread, process or process group id.
    pub pid: libc::pid_t,
}
