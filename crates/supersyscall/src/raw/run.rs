//! The calls that run a batch's entries, and the adoption of the
//! descriptors they create.
//!
//! # Invariants
//!
//! Every entry of a [`Batch<'a>`] is sound to run for as long as the batch
//! lives. The typed constructors in `entries.rs` make pointer arguments only
//! from references borrowed for `'a`, with lengths taken from the same
//! references. Their descriptor arguments are borrowed for `'a`, owned by the
//! batch, or created by an earlier entry of the batch. The batch rejects
//! descriptors used after an earlier entry closes them. Entries added with
//! [`Batch::raw`] carry the same promise from their caller.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

use super::abi::{Entry, MAX_ENTRIES};
use super::syscall::{supersyscall, syscall6};
use crate::batch::Effect;
use crate::errno::is_failure;
use crate::handle::{Arg, Handle};
use crate::Batch;

/// The value of every result slot before a kernel call. The kernel fills
/// every slot with `-ECANCELED` before it runs the first entry, so a slot
/// that still contains this value after the call shows that nothing ran.
pub(crate) const UNTOUCHED: i64 = i64::MIN;

impl<'a> Batch<'a> {
    /// Adds an entry for system call `nr` with arguments `args`: the result
    /// is the raw return value.
    ///
    /// Use this for calls without a typed constructor. The kernel and the
    /// emulation reject the numbers that replace, clone or end the caller
    /// (`execve`, `clone`, `exit` and the like) with `EINVAL`.
    ///
    /// # Safety
    ///
    /// The call must be sound with these arguments for as long as the batch
    /// lives: every pointer must stay valid for the memory the call reads
    /// and writes, and no Rust reference may alias memory the call writes.
    /// Descriptor arguments must be open, and the call must not close or
    /// take over a descriptor that anything else owns, including the
    /// descriptors this batch owns and closes.
    pub unsafe fn raw(&mut self, nr: u32, args: [u64; 6]) -> Handle<u64> {
        let mut entry = self.entry(libc::c_long::from(nr));
        for (k, value) in args.into_iter().enumerate() {
            entry = entry.value(k, value);
        }
        entry.push()
    }

    /// Adds an entry for system call `nr` whose arguments may be the
    /// results of earlier entries: the result is the raw return value.
    ///
    /// # Safety
    ///
    /// As for [`Batch::raw`], with each chained argument replaced by the
    /// result of the entry it names.
    pub unsafe fn raw_chained(&mut self, nr: u32, args: [Arg; 6]) -> Handle<u64> {
        let mut entry = self.entry(libc::c_long::from(nr));
        for (k, arg) in args.into_iter().enumerate() {
            entry = entry.arg(k, arg);
        }
        entry.push()
    }

    /// Runs all entries with one `supersyscall(2)` call, with `results` as
    /// its result slots, and returns its raw result.
    pub(crate) fn call_kernel(&self, flags: u32, results: &mut [i64]) -> i64 {
        if results.len() != self.entries.len() {
            return -i64::from(libc::EINVAL);
        }
        // SAFETY: every entry is sound to run by the invariant of `Batch`.
        // The kernel substitutes chained arguments itself.
        unsafe { call_entries(&self.entries, results, flags) }
    }

    /// Runs `entries`, the batch's entries from `start` on with their
    /// chains rewritten for a new call, with one `supersyscall(2)` call and
    /// `results` as its result slots, and returns its raw result.
    ///
    /// Each of `entries` may differ from the batch's entry at the same
    /// position only in chained arguments and chain flags. A chained argument
    /// contains either the result of an earlier entry that already ran, as
    /// the kernel would have passed it, or the index of an earlier entry of
    /// `entries`. An entry that breaks this is not run, and the call returns
    /// `-EINVAL`.
    pub(crate) fn call_kernel_from(
        &self,
        start: usize,
        entries: &[Entry],
        flags: u32,
        results: &mut [i64],
    ) -> i64 {
        let Some(originals) = self.entries.get(start..start + entries.len()) else {
            return -i64::from(libc::EINVAL);
        };
        if results.len() != entries.len() {
            return -i64::from(libc::EINVAL);
        }
        let rewritten_only_chains = originals.iter().zip(entries).all(|(original, entry)| {
            entry.nr == original.nr
                && entry.flags & !original.flags == 0
                && only_chained_args_differ(original, &entry.args)
        });
        if !rewritten_only_chains {
            return -i64::from(libc::EINVAL);
        }

        // SAFETY: each entry is a batch entry whose chained arguments contain
        // either the result an earlier entry returned, which is what the
        // kernel would pass, or a chain the kernel resolves. So every entry is
        // sound to run by the invariant of `Batch`.
        unsafe { call_entries(entries, results, flags) }
    }

    /// Runs entry `index` with one plain system call, with `args` in place
    /// of the entry's arguments, and returns the raw result.
    ///
    /// The emulation passes the entry's arguments with each chained one
    /// replaced by the result of the earlier entry it names, which is what
    /// the kernel would pass. Other values leave the batch invariant
    /// unproven, so the call returns `-EINVAL` for any argument that
    /// differs from the entry's without a chain flag.
    pub(crate) fn call_entry(&self, index: usize, args: [u64; 6]) -> i64 {
        let entry = &self.entries[index];

        if !only_chained_args_differ(entry, &args) {
            return -i64::from(libc::EINVAL);
        }

        // SAFETY: the entry is sound to run by the invariant of `Batch`,
        // and its arguments are unchanged except the chained ones, which
        // hold earlier results as the kernel would pass them.
        unsafe { syscall6(u64::from(entry.nr), args) }
    }
}

/// Sets every slot of `results` to [`UNTOUCHED`], runs `entries` with one
/// `supersyscall(2)` call that writes its results there, and returns its raw
/// result. More than [`MAX_ENTRIES`] entries give `-E2BIG` without a call.
///
/// # Safety
///
/// Every entry must be sound to run, as the invariant of [`Batch`] states,
/// and `results` must hold one slot per entry.
unsafe fn call_entries(entries: &[Entry], results: &mut [i64], flags: u32) -> i64 {
    debug_assert_eq!(results.len(), entries.len());
    results.fill(UNTOUCHED);
    if entries.len() > MAX_ENTRIES {
        return -i64::from(libc::E2BIG);
    }

    // SAFETY: `results` and `entries` both hold `entries.len()` elements,
    // at most MAX_ENTRIES, so the count fits in u32. The caller promises
    // that every entry is sound to run.
    unsafe {
        supersyscall(
            results.as_mut_ptr(),
            entries.as_ptr(),
            entries.len() as u32,
            flags,
        )
    }
}

/// Returns whether `args` equals `entry.args` in every argument without a
/// chain flag.
fn only_chained_args_differ(entry: &Entry, args: &[u64; 6]) -> bool {
    (0..6).all(|k| entry.flags & (1 << k) != 0 || entry.args[k] == args[k])
}

/// One entry's descriptor, after the batch ran.
#[derive(Debug)]
pub(crate) enum FdSlot {
    /// The entry creates no descriptor, failed, or was not reached.
    None,
    /// The descriptor the entry created, owned by the completion.
    Open(OwnedFd),
    /// The caller took the descriptor.
    Taken,
    /// A later entry of the batch closed the descriptor.
    ClosedBy(usize),
}

/// Takes ownership of every descriptor the batch created and did not close.
///
/// `results` are the slots after a run that processed `count` entries, and
/// `fds` contains one [`FdSlot::None`] per entry. Each entry that created a
/// descriptor gets [`FdSlot::ClosedBy`] when a later entry closed it, and
/// [`FdSlot::Open`] otherwise.
///
/// A close entry ran when it was reached and its source succeeded. A close
/// whose source failed was skipped, and its source keeps its own failure.
pub(crate) fn adopt_created_fds(
    effects: &[Effect],
    results: &[i64],
    count: usize,
    fds: &mut [FdSlot],
) {
    for (index, effect) in effects.iter().enumerate().take(count) {
        if let Effect::ClosesHandle { source } = *effect {
            if !is_failure(results[source]) {
                fds[source] = FdSlot::ClosedBy(index);
            }
        }
    }

    for (index, effect) in effects.iter().enumerate().take(count) {
        if *effect == Effect::CreatesFd && matches!(fds[index], FdSlot::None) {
            fds[index] = adopt(results[index]);
        }
    }
}

/// Takes ownership of the descriptor in `result`, which a batch entry that
/// creates descriptors returned in this run, and which no entry closed.
fn adopt(result: i64) -> FdSlot {
    let fd = match RawFd::try_from(result) {
        Ok(fd) if fd >= 0 => fd,
        _ => return FdSlot::None,
    };

    // SAFETY: the entry created `fd` in this run and returned it. No entry
    // that ran closed it, and the batch invariant keeps raw entries from
    // taking over descriptors the batch owns, so nothing else owns it.
    FdSlot::Open(unsafe { OwnedFd::from_raw_fd(fd) })
}
