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

#[cfg(test)]
mod tests;

pub(crate) use entries::UNSAFE_NAMES;
pub(crate) use run::{adopt_created_fds, FdSlot, UNTOUCHED};
pub(crate) use syscall::query_version;
