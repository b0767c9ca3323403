//! The checks every kernel run of a batch must pass, whatever ran
//! concurrently: they hold for any interleaving.

use supersyscall::abi::{Entry, CALL_FLAGS, CONTINUE, COUNT_MASK, DENY_LIST, ENTRY_FLAGS};
use supersyscall::abi::{INTERRUPTED, MAX_ENTRIES, QUERY, RESUMABLE, VERSION};

use crate::grammar::DENIED_ERRNO;

/// The value result slots hold before a call: no kernel result equals it.
pub const SENTINEL: i64 = 0x5a5a_5a5a_5a5a_5a5a;

const ECANCELED: i64 = -(libc::ECANCELED as i64);
const EINTR: i64 = -(libc::EINTR as i64);

/// The kernel's restart codes (`-ERESTARTSYS` to `-ERESTART_RESTARTBLOCK`),
/// which must never reach user space.
fn is_restart_code(value: i64) -> bool {
    (-516..=-512).contains(&value)
}

fn is_failure(value: i64) -> bool {
    (-4095..=-1).contains(&value)
}

/// One kernel call to check: its inputs and outputs.
pub struct Call<'a> {
    /// The entries the call received; fewer than `count` only when `count`
    /// is above the cap.
    pub entries: &'a [Entry],
    /// The `count` argument.
    pub count: u32,
    /// The call flags.
    pub flags: u32,
    /// The return value.
    pub ret: i64,
    /// The result slots after the call, one per entry, [`SENTINEL`] before.
    pub results: &'a [i64],
    /// The numbers a seccomp filter rejects with [`DENIED_ERRNO`].
    pub denied: &'a [u32],
}

/// Returns what the kernel must reject the whole call with, if anything.
pub fn expected_rejection(entries: &[Entry], count: u32, flags: u32) -> Option<i64> {
    if flags & !CALL_FLAGS != 0 {
        return Some(-(libc::EINVAL as i64));
    }
    if flags & QUERY != 0 {
        return (flags != QUERY || count != 0).then_some(-(libc::EINVAL as i64));
    }
    if count as usize > MAX_ENTRIES {
        return Some(-(libc::E2BIG as i64));
    }
    for (index, entry) in entries.iter().enumerate() {
        let bad_chain =
            (0..6).any(|k| entry.flags & (1 << k) != 0 && entry.args[k] >= index as u64);
        if entry.flags & !ENTRY_FLAGS != 0 || entry.reserved != 0 || bad_chain {
            return Some(-(libc::EINVAL as i64));
        }
    }
    None
}

/// Checks `call` against the rules of supersyscall(2) and returns the first
/// rule it breaks.
pub fn check(call: &Call<'_>) -> Result<(), String> {
    if is_restart_code(call.ret) {
        return Err(format!("the call returned the restart code {}", call.ret));
    }

    if let Some(rejection) = expected_rejection(call.entries, call.count, call.flags) {
        if call.ret != rejection {
            return Err(format!(
                "expected the call to fail with {rejection}, but it returned {}",
                call.ret
            ));
        }
        if let Some(index) = call.results.iter().position(|&slot| slot != SENTINEL) {
            return Err(format!(
                "a rejected call wrote slot {index}: {}",
                call.results[index]
            ));
        }
        return Ok(());
    }
    if call.flags & QUERY != 0 {
        return match call.ret {
            VERSION => Ok(()),
            other => Err(format!("QUERY returned {other}, expected {VERSION}")),
        };
    }
    if call.ret < 0 {
        return Err(format!("a valid call failed with {}", call.ret));
    }

    check_slots(call)
}

fn check_slots(call: &Call<'_>) -> Result<(), String> {
    let value = call.ret as u64;
    let resumable = call.flags & RESUMABLE != 0;
    let (processed, interrupted) = if resumable {
        if value & !(COUNT_MASK | INTERRUPTED) != 0 {
            return Err(format!(
                "return {value:#x} has bits outside the count and INTERRUPTED"
            ));
        }
        ((value & COUNT_MASK) as usize, value & INTERRUPTED != 0)
    } else {
        (value as usize, false)
    };
    let total = call.count as usize;
    if processed > total {
        return Err(format!("processed {processed} of {total} entries"));
    }

    for (index, &slot) in call.results.iter().enumerate() {
        if is_restart_code(slot) {
            return Err(format!("slot {index} contains the restart code {slot}"));
        }
        if slot == SENTINEL {
            return Err(format!("slot {index} was never written"));
        }
        if index < processed {
            check_processed(call, index, processed)?;
        } else if interrupted && index == processed {
            if slot != ECANCELED && slot != EINTR {
                return Err(format!(
                    "interrupted at {index}, whose slot contains {slot}, not -ECANCELED or -EINTR"
                ));
            }
        } else if slot != ECANCELED {
            return Err(format!(
                "slot {index}, past the count {processed}, contains {slot}, not -ECANCELED"
            ));
        }
    }
    Ok(())
}

/// Checks the slot of processed entry `index`.
fn check_processed(call: &Call<'_>, index: usize, processed: usize) -> Result<(), String> {
    let entry = &call.entries[index];
    let slot = call.results[index];
    let last = index + 1 == processed;

    if !last && slot == EINTR {
        return Err(format!("entry {index} got -EINTR, but the batch went on"));
    }
    if !last && is_failure(slot) && call.flags & CONTINUE == 0 {
        return Err(format!(
            "entry {index} failed with {slot} without CONTINUE, but the batch went on"
        ));
    }

    let chained_to_failure = (0..6)
        .any(|k| entry.flags & (1 << k) != 0 && is_failure(call.results[entry.args[k] as usize]));
    if chained_to_failure {
        return match slot {
            ECANCELED => Ok(()),
            _ => Err(format!(
                "entry {index} chains to a failed entry, but contains {slot}, not -ECANCELED"
            )),
        };
    }

    if DENY_LIST.iter().any(|&(_, nr)| nr == entry.nr) {
        return match slot {
            -22 => Ok(()),
            _ => Err(format!(
                "entry {index} (nr {}, on the deny list) contains {slot}, not -EINVAL",
                entry.nr
            )),
        };
    }
    if entry.nr >= 1024 {
        return match slot {
            -38 => Ok(()),
            _ => Err(format!(
                "entry {index} (nr {:#x}) contains {slot}, not -ENOSYS",
                entry.nr
            )),
        };
    }

    let denied = call.denied.contains(&entry.nr);
    if denied && slot != -DENIED_ERRNO {
        return Err(format!(
            "entry {index} (nr {}) is denied by seccomp, but contains {slot}",
            entry.nr
        ));
    }
    if !denied && slot == -DENIED_ERRNO {
        return Err(format!(
            "entry {index} (nr {}) contains the seccomp errno, but the filter allows it",
            entry.nr
        ));
    }
    Ok(())
}

/// Runs `entries` with one raw kernel call from fresh result slots, counts
/// the batch in `counters`, and checks the call with [`check`], with the
/// numbers in `denied` rejected by the caller's seccomp filter. Returns the
/// call's return value, its result slots and the check's finding.
///
/// # Safety
///
/// Every entry must be sound to run: its pointers point into memory the
/// caller owns or at memory that faults, and its descriptors belong to the
/// caller.
pub unsafe fn submit_and_check(
    entries: &[Entry],
    flags: u32,
    denied: &[u32],
    counters: &crate::report::Counters,
) -> (i64, Vec<i64>, Result<(), String>) {
    let mut results = vec![SENTINEL; entries.len()];
    // SAFETY: the caller promises that every entry is sound to run, and
    // `results` contains one slot per entry.
    let ret = unsafe {
        supersyscall::unchecked::supersyscall(
            results.as_mut_ptr(),
            entries.as_ptr(),
            entries.len() as u32,
            flags,
        )
    };
    let processed = if ret > 0 { ret as u64 & 0xffff } else { 0 };
    counters.record_batch(entries.len() as u32, processed);

    let checked = check(&Call {
        entries,
        count: entries.len() as u32,
        flags,
        ret,
        results: &results,
        denied,
    });
    (ret, results, checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn getppid() -> Entry {
        Entry {
            nr: libc::SYS_getppid as u32,
            ..Entry::default()
        }
    }

    fn call<'a>(entries: &'a [Entry], flags: u32, ret: i64, results: &'a [i64]) -> Call<'a> {
        Call {
            entries,
            count: entries.len() as u32,
            flags,
            ret,
            results,
            denied: &[],
        }
    }

    #[test]
    fn accepts_a_full_run() {
        let entries = [getppid(), getppid()];

        assert_eq!(check(&call(&entries, 0, 2, &[1, 1])), Ok(()));
    }

    #[test]
    fn rejects_restart_code_in_slot() {
        let entries = [getppid(), getppid()];

        assert!(check(&call(&entries, CONTINUE, 2, &[1, -512])).is_err());
    }

    #[test]
    fn rejects_written_slot_of_rejected_call() {
        let mut bad = getppid();
        bad.reserved = 1;
        let entries = [getppid(), bad];

        assert_eq!(
            check(&call(&entries, 0, -22, &[SENTINEL, SENTINEL])),
            Ok(())
        );
        assert!(check(&call(&entries, 0, -22, &[ECANCELED, SENTINEL])).is_err());
        assert!(check(&call(&entries, 0, 2, &[1, 1])).is_err());
    }

    #[test]
    fn requires_ecanceled_past_count() {
        let entries = [getppid(), getppid()];

        assert_eq!(check(&call(&entries, 0, 1, &[-9, ECANCELED])), Ok(()));
        assert!(check(&call(&entries, 0, 1, &[-9, 0])).is_err());
    }

    #[test]
    fn rejects_run_past_failure_without_continue() {
        let entries = [getppid(), getppid()];

        assert!(check(&call(&entries, 0, 2, &[-9, 1])).is_err());
        assert_eq!(check(&call(&entries, CONTINUE, 2, &[-9, 1])), Ok(()));
    }

    #[test]
    fn interrupted_slot_may_hold_eintr() {
        let entries = [getppid(), getppid(), getppid()];
        let ret = (INTERRUPTED | 1) as i64;

        assert_eq!(
            check(&call(&entries, RESUMABLE, ret, &[1, EINTR, ECANCELED])),
            Ok(())
        );
        assert!(check(&call(&entries, 0, ret, &[1, EINTR, ECANCELED])).is_err());
        assert!(check(&call(&entries, RESUMABLE, ret, &[1, EINTR, EINTR])).is_err());
    }

    #[test]
    fn deny_list_entry_must_fail() {
        let exit = Entry {
            nr: libc::SYS_exit_group as u32,
            ..Entry::default()
        };

        assert_eq!(check(&call(&[exit], 0, 1, &[-22])), Ok(()));
        assert!(check(&call(&[exit], 0, 1, &[0])).is_err());
    }

    #[test]
    fn seccomp_errno_only_for_denied() {
        let entries = [getppid()];
        let denied = [libc::SYS_getppid as u32];
        let mut filtered = call(&entries, 0, 1, &[-DENIED_ERRNO]);

        assert!(check(&filtered).is_err());
        filtered.denied = &denied;
        assert_eq!(check(&filtered), Ok(()));
    }
}
