//! The userspace emulation of `supersyscall(2)`: the same checks, order and
//! results as the kernel, with one plain system call per entry.
//!
//! Differences from the kernel, which the emulation cannot see from
//! userspace:
//!
//! - The kernel stops between entries when a signal is pending. Here a
//!   signal handler runs after the entry's own system call returns, and the
//!   batch goes on.
//! - The kernel turns a restart code into `EINTR` and stops after that entry
//!   whatever the policy. Here the plain call already returns `EINTR`
//!   (or restarts, with `SA_RESTART`), and every `EINTR` stops the batch,
//!   including one a call returns for another reason.

use crate::abi::{
    Entry, CALL_FLAGS, CONTINUE, DENY_LIST, ENTRY_FLAGS, MAX_ENTRIES, QUERY, VERSION,
};
use crate::errno::is_failure;
use crate::Errno;

/// The first number the emulation never issues. No x86_64 system call
/// reaches 1024, and numbers with bit 30 set select the x32 ABI, which the
/// kernel's supersyscall table lookup never reaches, so these entries get
/// `-ENOSYS` directly. Numbers below it are issued, and the kernel returns
/// `-ENOSYS` for the unassigned ones as supersyscall does.
const FIRST_UNISSUED_NR: u32 = 1024;

/// Runs `entries` as `supersyscall(results, entries, entries.len(), flags)`
/// would, issuing each entry through `call(index, args)`.
///
/// Returns the number of entries processed, or the error the kernel would
/// return for the whole call. `results` must hold one slot per entry.
pub(crate) fn run(
    entries: &[Entry],
    results: &mut [i64],
    flags: u32,
    mut call: impl FnMut(usize, [u64; 6]) -> i64,
) -> Result<usize, Errno> {
    if let Some(version) = check_call(entries.len(), flags)? {
        return Ok(version);
    }
    if entries.is_empty() {
        return Ok(0);
    }

    check_entries(entries)?;
    results.fill(-i64::from(libc::ECANCELED));

    for (index, entry) in entries.iter().enumerate() {
        let result = run_entry(entry, index, results, &mut call);
        results[index] = result;

        let stop =
            result == -i64::from(libc::EINTR) || (is_failure(result) && flags & CONTINUE == 0);
        if stop {
            return Ok(index + 1);
        }
    }

    Ok(entries.len())
}

/// Checks the call flags and the count, in the kernel's order. Returns
/// `Some(version)` for a valid `QUERY` call.
fn check_call(count: usize, flags: u32) -> Result<Option<usize>, Errno> {
    if flags & !CALL_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }

    if flags & QUERY != 0 {
        if flags != QUERY || count != 0 {
            return Err(Errno::EINVAL);
        }
        return Ok(Some(VERSION as usize));
    }

    if count > MAX_ENTRIES {
        return Err(Errno::E2BIG);
    }

    Ok(None)
}

/// Checks every entry's flags, reserved field and chain indices.
fn check_entries(entries: &[Entry]) -> Result<(), Errno> {
    for (index, entry) in entries.iter().enumerate() {
        if entry.flags & !ENTRY_FLAGS != 0 || entry.reserved != 0 {
            return Err(Errno::EINVAL);
        }

        let chains_forward = chained_args(entry).any(|k| entry.args[k] >= index as u64);
        if chains_forward {
            return Err(Errno::EINVAL);
        }
    }

    Ok(())
}

/// Returns the argument positions `k` whose `ARG_RESULT(k)` flag is set.
pub(crate) fn chained_args(entry: &Entry) -> impl Iterator<Item = usize> + '_ {
    (0..6).filter(|k| entry.flags & (1 << k) != 0)
}

/// Runs one entry and returns its result.
fn run_entry(
    entry: &Entry,
    index: usize,
    results: &[i64],
    call: &mut impl FnMut(usize, [u64; 6]) -> i64,
) -> i64 {
    let mut args = entry.args;

    for k in chained_args(entry) {
        let source = results[entry.args[k] as usize];
        if is_failure(source) {
            return -i64::from(libc::ECANCELED);
        }
        args[k] = source as u64;
    }

    if entry.nr >= FIRST_UNISSUED_NR {
        return -i64::from(libc::ENOSYS);
    }
    if DENY_LIST.iter().any(|&(_, nr)| nr == entry.nr) {
        return -i64::from(libc::EINVAL);
    }

    call(index, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::entry_arg_result;

    /// Returns a runner that must not be called.
    fn never(_index: usize, _args: [u64; 6]) -> i64 {
        panic!("a rejected batch must not run any entry");
    }

    fn entry(nr: u32) -> Entry {
        Entry {
            nr,
            ..Entry::default()
        }
    }

    #[test]
    fn rejects_unknown_call_flags() {
        let mut results = [7];
        let run = run(&[entry(39)], &mut results, 0x8, never);

        assert_eq!(run, Err(Errno::EINVAL));
        assert_eq!(results, [7]);
    }

    #[test]
    fn query_returns_version() {
        assert_eq!(run(&[], &mut [], QUERY, never), Ok(1));
        assert_eq!(
            run(&[entry(39)], &mut [0], QUERY, never),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            run(&[], &mut [], QUERY | CONTINUE, never),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn too_many_entries_before_entry_checks() {
        let mut entries = vec![entry(39); MAX_ENTRIES + 1];
        entries[0].reserved = 1;
        let mut results = vec![7; entries.len()];

        assert_eq!(run(&entries, &mut results, 0, never), Err(Errno::E2BIG));
        assert!(results.iter().all(|&slot| slot == 7));
    }

    #[test]
    fn entry_checks_write_nothing() {
        let mut flags = entry(39);
        flags.flags = 0x40;
        let mut reserved = entry(39);
        reserved.reserved = 1;
        let mut self_chain = entry(3);
        self_chain.flags = entry_arg_result(0);
        self_chain.args[0] = 1;

        for bad in [flags, reserved, self_chain] {
            let mut results = [7, 7];
            let run = run(&[entry(39), bad], &mut results, 0, never);

            assert_eq!(run, Err(Errno::EINVAL), "{bad:?}");
            assert_eq!(results, [7, 7]);
        }
    }

    #[test]
    fn denied_and_unknown_numbers_are_not_issued() {
        let mut entries: Vec<Entry> = DENY_LIST.iter().map(|&(_, nr)| entry(nr)).collect();
        entries.push(entry(100_000));
        entries.push(entry(0x4000_0000));
        let mut results = vec![0; entries.len()];

        let count = run(&entries, &mut results, CONTINUE, never);

        assert_eq!(count, Ok(entries.len()));
        assert!(results[..DENY_LIST.len()].iter().all(|&r| r == -22));
        assert_eq!(&results[DENY_LIST.len()..], &[-38, -38]);
    }

    #[test]
    fn chained_argument_gets_source_result() {
        let mut second = entry(3);
        second.flags = entry_arg_result(0);
        let mut results = [0, 0];
        let mut seen = Vec::new();

        let count = run(&[entry(2), second], &mut results, 0, |index, args| {
            seen.push((index, args[0]));
            if index == 0 {
                42
            } else {
                0
            }
        });

        assert_eq!(count, Ok(2));
        assert_eq!(seen, [(0, 0), (1, 42)]);
        assert_eq!(results, [42, 0]);
    }

    #[test]
    fn eintr_stops_under_continue() {
        let mut results = [0, 0];

        let count = run(&[entry(0), entry(39)], &mut results, CONTINUE, |_, _| -4);

        assert_eq!(count, Ok(1));
        assert_eq!(results, [-4, -125]);
    }
}
