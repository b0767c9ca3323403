//! Errors of a whole batch, as opposed to the per-entry results.

use core::fmt;

use crate::abi::MAX_ENTRIES;
use crate::Errno;

/// The reason a batch did not run.
///
/// Every variant except [`Error::Kernel`] is found before anything runs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The batch has more than [`MAX_ENTRIES`] entries.
    TooManyEntries {
        /// The number of entries in the batch.
        count: usize,
    },
    /// An entry uses a handle that another batch created.
    ForeignHandle {
        /// The index of the entry that uses the handle.
        entry: usize,
        /// The entry index the handle refers to.
        handle_entry: usize,
        /// The id of the batch that created the handle.
        handle_batch: u64,
        /// The id of this batch.
        batch: u64,
    },
    /// An entry uses a descriptor that an earlier entry of the batch closes,
    /// so the number could name another file by then.
    UseAfterClose {
        /// The index of the entry that uses the descriptor.
        entry: usize,
        /// The index of the `openat` entry that created the descriptor.
        handle_entry: usize,
        /// The index of the entry that closes it.
        closed_by: usize,
    },
    /// An entry's arguments are invalid for its safe constructor.
    InvalidArgument {
        /// The index of the entry.
        entry: usize,
        /// The system call.
        name: &'static str,
        /// The reason the argument is invalid, and what to use instead.
        reason: &'static str,
    },
    /// The kernel rejected the whole call with this error.
    ///
    /// With the batches this crate builds, this means a kernel that differs
    /// from the documented semantics, or `-EFAULT`/`-ENOMEM`. In the
    /// `-EFAULT` case entries may have run. The descriptors they created
    /// and those handed to `close` entries then stay open, because the crate
    /// cannot tell which entries ran.
    Kernel(Errno),
    /// The emulation rejected the whole call with this error. The crate
    /// validates batches first, so this indicates a bug in the crate.
    Emulation(Errno),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TooManyEntries { count } => {
                write!(f, "batch has {count} entries, the maximum is {MAX_ENTRIES}")
            }
            Error::ForeignHandle {
                entry,
                handle_entry,
                handle_batch,
                batch,
            } => write!(
                f,
                "entry {entry} uses a handle to entry {handle_entry} of batch {handle_batch}, \
                 but it belongs to batch {batch}: a handle works only in the batch that created it"
            ),
            Error::UseAfterClose {
                entry,
                handle_entry,
                closed_by,
            } => write!(
                f,
                "entry {entry} uses the descriptor of entry {handle_entry}, \
                 which entry {closed_by} closes before it"
            ),
            Error::InvalidArgument {
                entry,
                name,
                reason,
            } => write!(f, "entry {entry} ({name}) has an invalid argument: {reason}"),
            Error::Kernel(errno) => write!(f, "supersyscall failed: {errno}"),
            Error::Emulation(errno) => write!(f, "supersyscall emulation failed: {errno}"),
        }
    }
}

impl std::error::Error for Error {}
