//! The choice between the kernel's `supersyscall(2)` and the emulation.

use core::fmt;
use std::sync::OnceLock;

use crate::abi::{entry_arg_result, Entry, CONTINUE, COUNT_MASK, INTERRUPTED, RESUMABLE, VERSION};
use crate::errno::{decode, is_failure};
use crate::raw::{query_version, UNTOUCHED};
use crate::{emulate, Batch, Errno, Error};

/// The mechanism that runs a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// One `supersyscall(2)` call: one kernel entry for the whole batch.
    Kernel,
    /// One plain system call per entry, with the same results as the
    /// kernel. Works on any x86_64 Linux kernel.
    Emulated,
}

impl Backend {
    /// Returns [`Backend::Kernel`] if the running kernel has supersyscall,
    /// and [`Backend::Emulated`] otherwise.
    ///
    /// The first call issues `supersyscall(NULL, NULL, 0,
    /// SUPERSYSCALL_QUERY)` once and caches the result for the process: a
    /// result of `SUPERSYSCALL_VERSION` (1) means the kernel backend. Any
    /// other result, `-ENOSYS` from a kernel without it or an error from a
    /// seccomp filter, means the emulation.
    ///
    /// A seccomp filter whose default action kills the process on unknown
    /// system calls makes this probe fatal. Under such a filter, pass
    /// [`Backend::Emulated`] to [`Batch::submit_with`], which never probes.
    pub fn detect() -> Backend {
        static DETECTED: OnceLock<Backend> = OnceLock::new();

        *DETECTED.get_or_init(probe)
    }
}

impl fmt::Display for Backend {
    /// Formats as `kernel` or `emulated`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Kernel => "kernel",
            Backend::Emulated => "emulated",
        })
    }
}

fn probe() -> Backend {
    if query_version() == VERSION {
        Backend::Kernel
    } else {
        Backend::Emulated
    }
}

/// The outcome of running a batch.
#[derive(Debug)]
pub(crate) struct Run {
    /// The backend that ran the batch.
    pub(crate) backend: Backend,
    /// The number of entries processed.
    pub(crate) count: usize,
    /// How many times the batch was submitted again after a signal stopped it.
    pub(crate) resumptions: usize,
}

/// Runs `batch` with call flags `flags` on `backend`, storing each entry's
/// result in `results`, which has one slot per entry.
pub(crate) fn run(
    batch: &Batch<'_>,
    backend: Backend,
    flags: u32,
    results: &mut [i64],
) -> Result<Run, Error> {
    match backend {
        Backend::Kernel => run_kernel(batch, flags, results),
        Backend::Emulated => run_emulated(batch, flags, results),
    }
}

/// Returns whether `errno` from a whole call means the kernel has no
/// supersyscall or a seccomp filter rejected it.
fn refused(errno: Errno) -> bool {
    [Errno::ENOSYS, Errno::EPERM, Errno::EACCES].contains(&errno)
}

fn run_emulated(batch: &Batch<'_>, flags: u32, results: &mut [i64]) -> Result<Run, Error> {
    results.fill(UNTOUCHED);
    let count = emulate::run(&batch.entries, results, flags, |index, args| {
        batch.call_entry(index, args)
    })
    .map_err(Error::Emulation)?;

    Ok(Run {
        backend: Backend::Emulated,
        count,
        resumptions: 0,
    })
}

/// Runs `batch` on the kernel with `SUPERSYSCALL_RESUMABLE`.
///
/// When a signal stops the batch, the entries from the one that did not
/// complete are submitted again, with chains to entries already run replaced
/// by their results. That happens for a stop between entries, which a
/// program making direct calls would not have seen either, and for an entry
/// that a signal interrupted if [`Batch::resume_after_signal`] is true.
/// Otherwise the interrupted entry counts as processed with `-EINTR`.
///
/// A dependent whose source already ran and failed cannot be expressed in a
/// new call, so the batch is split there and the crate skips that entry with
/// `-ECANCELED`, as the kernel would.
///
/// A new call that the kernel rejects as a whole must not lose the entries
/// that already ran. When seccomp or the sysctl, turned on meanwhile,
/// refuses it, the rest of that call runs emulated. Any other error ends
/// the batch after the entries that ran.
fn run_kernel(batch: &Batch<'_>, flags: u32, results: &mut [i64]) -> Result<Run, Error> {
    let total = batch.entries.len();
    results.fill(UNTOUCHED);
    let mut next = 0;
    let mut resumptions = 0;

    while next < total {
        if chained_to_failure(&batch.entries[next], next, results) {
            results[next] = -i64::from(libc::ECANCELED);
            next += 1;
            if flags & CONTINUE == 0 {
                break;
            }
            continue;
        }

        // The first call submits the batch as it is; later ones need new
        // chains. The kernel writes the slots from `next` on in place.
        let (end, ret) = if next == 0 {
            (total, batch.call_kernel(flags | RESUMABLE, results))
        } else {
            let end = (next + 1..total)
                .find(|&index| chained_to_failure(&batch.entries[index], next, results))
                .unwrap_or(total);
            let segment = rechain(&batch.entries[next..end], next, results);
            let start = next;
            let slots = &mut results[start..end];
            let ret = batch.call_kernel_from(start, &segment, flags | RESUMABLE, slots);
            match decode(ret) {
                Err(errno) if refused(errno) && slots.iter().all(|&slot| slot == UNTOUCHED) => {
                    let processed = emulate::run(&segment, slots, flags, |index, args| {
                        batch.call_entry(start + index, args)
                    })
                    .map_err(Error::Emulation)?;
                    next += processed;
                    if next < end {
                        break;
                    }
                    continue;
                }
                // Entries before `next` ran: end the batch there.
                Err(_) => break,
                Ok(_) => (end, ret),
            }
        };

        let value = match decode(ret) {
            Ok(value) => value,
            Err(errno)
                if next == 0 && refused(errno) && results.iter().all(|&slot| slot == UNTOUCHED) =>
            {
                return run_emulated(batch, flags, results);
            }
            Err(errno) => return Err(Error::Kernel(errno)),
        };
        let processed = ((value & COUNT_MASK) as usize).min(end - next);
        let stopped_at = next + processed;
        next += processed;

        if value & INTERRUPTED == 0 {
            if next < end {
                break;
            }
            continue;
        }
        let eintr = -i64::from(libc::EINTR);
        if stopped_at < end && results[stopped_at] == eintr && !batch.resume_after_signal() {
            results[next] = eintr;
            next += 1;
            break;
        }
        resumptions += 1;
    }

    for slot in &mut results[next..] {
        *slot = -i64::from(libc::ECANCELED);
    }
    Ok(Run {
        backend: Backend::Kernel,
        count: next,
        resumptions,
    })
}

/// Returns whether `entry` names, as a chain source, an entry before `start`
/// whose result is a failure.
fn chained_to_failure(entry: &Entry, start: usize, results: &[i64]) -> bool {
    emulate::chained_args(entry).any(|k| {
        let source = entry.args[k] as usize;
        source < start && is_failure(results[source])
    })
}

/// Returns `entries`, which start at batch index `start`, ready for a new
/// call: a chain to an entry before `start` becomes that entry's result, and
/// a chain to a later one is renumbered from `start`.
fn rechain(entries: &[Entry], start: usize, results: &[i64]) -> Vec<Entry> {
    entries
        .iter()
        .map(|original| {
            let mut entry = *original;
            for k in emulate::chained_args(original) {
                let source = original.args[k] as usize;
                if source < start {
                    entry.args[k] = results[source] as u64;
                    entry.flags &= !entry_arg_result(k);
                } else {
                    entry.args[k] = (source - start) as u64;
                }
            }
            entry
        })
        .collect()
}

/// Returns the backend the tests run on, from `SUPERSYSCALL_TEST_BACKEND`:
/// `kernel`, `emulated`, or unset for [`Backend::detect`].
///
/// # Panics
///
/// Panics for any other value, and for `kernel` when the running kernel has
/// no supersyscall, so such a run fails instead of testing the emulation.
#[cfg(test)]
pub(crate) fn test_backend() -> Backend {
    match std::env::var("SUPERSYSCALL_TEST_BACKEND").as_deref() {
        Ok("kernel") => {
            assert_eq!(
                Backend::detect(),
                Backend::Kernel,
                "SUPERSYSCALL_TEST_BACKEND=kernel, but this kernel has no supersyscall"
            );
            Backend::Kernel
        }
        Ok("emulated") => Backend::Emulated,
        Err(std::env::VarError::NotPresent) => Backend::detect(),
        other => panic!("SUPERSYSCALL_TEST_BACKEND must be kernel or emulated, not {other:?}"),
    }
}
