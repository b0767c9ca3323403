//! The unsafe layer: the ABI, the `syscall` instruction, and the few
//! functions whose soundness rests on how [`Batch`](crate::Batch) builds its
//! entries.
//!
//! This is the only module that may use `unsafe`. Everything above it is
//! safe code.

pub mod abi;
mod entries;
mod run;
mod syscall;
pub mod unchecked;

#[cfg(test)]
mod tests;

pub(crate) use entries::UNSAFE_NAMES;
pub(crate) use run::{adopt_created_fds, FdSlot, UNTOUCHED};
pub(crate) use syscall::query_version;

/// Returns an all-zero `statx`, a valid value for the kernel to fill.
pub(crate) fn zeroed_statx() -> libc::statx {
    // SAFETY: `statx` holds only integers and arrays of integers, for which
    // all zeroes is a valid value.
    unsafe { core::mem::zeroed() }
}
