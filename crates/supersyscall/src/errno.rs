//! Linux error numbers and the decoder for raw system call results.

use core::fmt;

/// The lowest raw result that encodes an error: `-MAX_ERRNO` in the kernel.
const MAX_ERRNO: i64 = 4095;

/// A Linux error number, such as `ENOENT`.
///
/// This is a plain number, not an enum, so any value the kernel returns is
/// representable. The associated constants carry `libc`'s values for
/// x86_64 Linux.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(i32);

/// Defines the named constants and the name table from one list.
macro_rules! errno_names {
    ($($name:ident),* $(,)?) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                pub const $name: Errno = Errno(libc::$name);
            )*

            /// Returns the symbolic name, such as `"ENOENT"`, or `None`
            /// for a number this crate has no name for.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $(libc::$name => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

errno_names!(
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EFAULT,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV,
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    EFBIG,
    ENOSPC,
    ESPIPE,
    EROFS,
    EMLINK,
    EPIPE,
    ERANGE,
    EDEADLK,
    ENAMETOOLONG,
    ENOSYS,
    ENOTEMPTY,
    ELOOP,
    EOVERFLOW,
    ENOTSUP,
    ETIMEDOUT,
    ECANCELED,
);

impl Errno {
    /// Creates an `Errno` from a positive error number.
    pub const fn from_raw(errno: i32) -> Errno {
        Errno(errno)
    }

    /// Returns the positive error number.
    pub const fn raw(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Errno {
    /// Formats as `ENOENT (errno 2)`, or `errno 1234` without a name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (errno {})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Errno {}

impl From<Errno> for std::io::Error {
    fn from(errno: Errno) -> std::io::Error {
        std::io::Error::from_raw_os_error(errno.0)
    }
}

/// Decodes a raw system call result: a value in -4095..=-1 is `-errno`,
/// anything else is the call's return value.
///
/// Calls that return addresses or 64-bit offsets can return values that are
/// negative as an `i64`, so only the 4095 values at the top of the range mean
/// failure.
pub fn decode(result: i64) -> Result<u64, Errno> {
    if is_failure(result) {
        // The range check keeps -result within 1..=4095.
        Err(Errno(-result as i32))
    } else {
        Ok(result as u64)
    }
}

/// Returns whether a raw system call result encodes an error.
pub(crate) fn is_failure(result: i64) -> bool {
    (-MAX_ERRNO..=-1).contains(&result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_splits_at_max_errno() {
        assert_eq!(decode(-1), Err(Errno::EPERM));
        assert_eq!(decode(-4095), Err(Errno::from_raw(4095)));
        assert_eq!(decode(-4096), Ok((-4096_i64) as u64));
        assert_eq!(decode(0), Ok(0));
        assert_eq!(decode(5_368_709_120), Ok(5_368_709_120));
        assert_eq!(decode(i64::MIN), Ok(1 << 63));
    }

    #[test]
    fn display_names_and_numbers() {
        assert_eq!(Errno::ENOENT.to_string(), "ENOENT (errno 2)");
        assert_eq!(Errno::ECANCELED.to_string(), "ECANCELED (errno 125)");
        assert_eq!(Errno::from_raw(4000).to_string(), "errno 4000");
    }

    #[test]
    fn constants_match_linux() {
        assert_eq!(Errno::EINVAL.raw(), 22);
        assert_eq!(Errno::ENOSYS.raw(), 38);
        assert_eq!(Errno::EBADF.raw(), 9);
        assert_eq!(Errno::E2BIG.raw(), 7);
    }

    #[test]
    fn converts_to_io_error() {
        let error = std::io::Error::from(Errno::ENOENT);
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    }
}
