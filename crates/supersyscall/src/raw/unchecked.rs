//! Raw entry points with no batch invariant: the kernel call and the
//! emulation, on arrays that the caller builds entry by entry.
//!
//! These exist for tools that test the kernel, such as the stress tool,
//! which submit invalid flags, forward chains and bad pointers on purpose.
//! Programs use [`Batch`](crate::Batch) instead.

use super::abi::Entry;
use super::syscall::syscall6;
use crate::emulate;

/// Calls `supersyscall(results, entries, count, flags)` and returns the
/// kernel's raw result, which may be `-errno`.
///
/// Nothing is checked before the call: the pointers, the count and the
/// flags reach the kernel as given.
///
/// # Safety
///
/// Every entry that the kernel may run must be sound to run with chained
/// arguments replaced by the results they name: its pointers valid for the
/// memory the call reads and writes, its descriptors owned by the caller.
/// The kernel reads `count` entries from `entries` and writes up to `count`
/// slots from `results`, even when the call returns `-EFAULT`. Where those
/// ranges are memory that Rust code uses, they must be valid for these
/// accesses, and no Rust reference may alias the slots the kernel writes
/// while the call runs, including the `entries` array itself.
pub unsafe fn supersyscall(
    results: *mut i64,
    entries: *const Entry,
    count: u32,
    flags: u32,
) -> i64 {
    // SAFETY: the caller guarantees that the entries are sound to run and
    // that the memory the kernel writes through `results` is not in use.
    unsafe { super::syscall::supersyscall(results, entries, count, flags) }
}

/// Runs `entries` with the emulation, as
/// `supersyscall(results, entries, entries.len(), flags)` would, and returns
/// the same raw result: the number of entries processed, or `-errno` for a
/// call rejected as a whole.
///
/// `results` must hold one slot per entry; a shorter slice gives `-EINVAL`
/// with nothing run.
///
/// The emulation differs from the kernel in three ways:
/// - it accepts `SUPERSYSCALL_RESUMABLE` but never returns
///   `SUPERSYSCALL_INTERRUPTED`, because it does not stop between entries
///   for a pending signal;
/// - it stops after any entry that returns `-EINTR`, not only after
///   restart codes;
/// - its entries run as plain system calls, which a signal handler can
///   interrupt and the kernel restart under `SA_RESTART`.
///
/// # Safety
///
/// As for [`supersyscall`]: every entry that runs must be sound to run.
pub unsafe fn emulate(results: &mut [i64], entries: &[Entry], flags: u32) -> i64 {
    if results.len() < entries.len() {
        return -i64::from(libc::EINVAL);
    }

    let run = emulate::run(
        entries,
        &mut results[..entries.len()],
        flags,
        |index, args| {
            // SAFETY: the caller guarantees that every entry is sound to run,
            // and the emulation passes the entry's arguments with chained ones
            // replaced by the results they name.
            unsafe { syscall6(u64::from(entries[index].nr), args) }
        },
    );

    match run {
        Ok(count) => count as i64,
        Err(errno) => -i64::from(errno.raw()),
    }
}
