//! Threads that share descriptors, and a thread that rewrites a batch's
//! entries while the kernel runs it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use supersyscall::abi::{entry_arg_result, Entry, CONTINUE};
use supersyscall::unchecked;

use crate::grammar::{self, FilterAction, FILE_A};
use crate::oracle::{self, SENTINEL};
use crate::report::Counters;
use crate::rng::Rng;
use crate::{seccomp, sys, worker, world, Context};

/// The first descriptor number that no grammar argument names directly, so
/// only chains reach it.
const FIRST_UNNAMED_FD: u32 = 21;

/// Prepares a worker: a fresh scratch folder and the world in it.
pub fn prepare_world(context: &Context, name: &str, seed: u64) -> Result<(), String> {
    let scratch = context.scratch.join(name);
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|error| format!("mkdir {}: {error}", scratch.display()))?;
    sys::close_from(3);
    world::build(seed, &scratch)
}

/// Runs one kernel call of `entries` from a thread's own arrays and checks
/// it with the oracle.
fn submit_checked(
    entries: &[Entry],
    flags: u32,
    denied: &[u32],
    counters: &Counters,
) -> Result<(), String> {
    // SAFETY: the entries come from the grammar: their pointers point into
    // the arena or at memory that faults, and their descriptors belong to
    // this worker.
    let (ret, results, checked) =
        unsafe { oracle::submit_and_check(entries, flags, denied, counters) };
    checked.map_err(|finding| {
        let case = grammar::Case {
            world_seed: 0,
            entries: entries.to_vec(),
            classes: Vec::new(),
            count: entries.len() as u32,
            flags,
            filter: None,
        };
        format!(
            "{finding}\nbatch (ret {ret}, results {results:?}):\n{}",
            crate::report::describe_case(&case)
        )
    })
}

/// Threads submitting random batches on the same descriptors, sometimes
/// under a seccomp filter, followed by a check of the descriptor table.
pub fn shared_round(rng: &mut Rng, context: &Context) -> Result<(), String> {
    let world_seed = rng.next_u64();
    let threads = rng.range(2, 4);
    let filter = rng.chance(1, 3).then(|| grammar::Filter {
        denied: vec![rng.pick(&[
            libc::SYS_read,
            libc::SYS_write,
            libc::SYS_dup,
            libc::SYS_getppid,
        ]) as u32],
        action: FilterAction::Errno,
    });
    let seeds: Vec<u64> = (0..threads).map(|_| rng.next_u64()).collect();
    let deadline = context.deadline;
    let counters = context.counters;

    worker::run(
        deadline,
        |_| false,
        |_| {},
        |finding| {
            prepare_world(context, "shared", world_seed)?;
            let denied = match &filter {
                Some(filter) => {
                    seccomp::install(filter)?;
                    Counters::add(&counters.filtered, 1);
                    filter.denied.clone()
                }
                None => Vec::new(),
            };

            std::thread::scope(|scope| {
                for &seed in &seeds {
                    let denied = &denied;
                    scope.spawn(move || {
                        let mut rng = Rng::new(seed);
                        while Instant::now() < deadline {
                            let case = grammar::generate(&mut rng, false, false, true);
                            if let Err(message) =
                                submit_checked(&case.entries, case.flags, denied, counters)
                            {
                                finding.store(&message);
                                return;
                            }

                            // Batches leave descriptors open. Closing those
                            // past the grammar's numbers keeps the table from
                            // filling up, and races with other threads'
                            // chained uses.
                            if rng.chance(1, 8) {
                                sys::close_from(FIRST_UNNAMED_FD);
                            }
                        }
                    });
                }
            });
            sys::close_from(64);
            check_descriptor_table(context)
        },
    )
}

/// Checks that every open descriptor below 64 is one of the kinds the
/// grammar makes: a file or folder under the scratch folder, /dev/null, a
/// pipe, a socket or an eventfd. The caller closes the others first, so the
/// listing itself finds a free descriptor.
fn check_descriptor_table(context: &Context) -> Result<(), String> {
    let listing = std::fs::read_dir("/proc/self/fd")
        .map_err(|error| format!("reading /proc/self/fd: {error}"))?;
    let scratch = context.scratch.display().to_string();

    for entry in listing.flatten() {
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let target = target.display().to_string();
        let expected = target.starts_with(&scratch)
            || target == "/dev/null"
            || target == "/proc/self/fd"
            || target.starts_with("/proc/")
            || target.starts_with("pipe:")
            || target.starts_with("socket:")
            || target == "anon_inode:[eventfd]";
        if !expected {
            return Err(format!(
                "descriptor {} points at {target}, which no entry of the grammar creates",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    Ok(())
}

/// Returns version `version` of entry `index`, which the rewriting thread
/// stores. Versions 0 to 2 are valid. The others make the batch invalid or
/// name a number the kernel must not run.
fn entry_version(index: usize, version: u64) -> Entry {
    let mut entry = Entry {
        nr: libc::SYS_lseek as u32,
        flags: 0,
        args: [FILE_A, index as u64, libc::SEEK_SET as u64, 0, 0, 0],
        reserved: 0,
    };
    match version {
        0 => {}
        1 => entry.args[1] = 100_000 + index as u64,
        2 if index > 0 => {
            entry.flags = entry_arg_result(1);
            entry.args[1] = index as u64 - 1;
        }
        3 => entry.flags = 1 << 20,
        4 => entry.reserved = 1,
        5 => {
            entry.flags = entry_arg_result(1);
            entry.args[1] = index as u64 + 5;
        }
        6 => {
            entry.flags = entry_arg_result(1);
            entry.args[1] = u64::MAX;
        }
        // exit_group is on the deny list: if it ran, the worker would end
        // with status 77.
        7 => {
            entry.nr = libc::SYS_exit_group as u32;
            entry.args[0] = 77;
        }
        _ => entry.nr = 100_000,
    }
    entry
}

/// Stores version `version` of entry `index` into the array at `address`,
/// one aligned 8-byte word at a time.
///
/// Word stores keep every field whole whatever the compiler makes of a
/// 64-byte volatile store, so a kernel that reads each word once copies a
/// mix of versions only field by field, which is what [`plausible`] allows.
fn store_entry(address: usize, index: usize, version: u64) {
    let entry = entry_version(index, version);
    let mut words = [
        u64::from(entry.nr) | u64::from(entry.flags) << 32,
        0,
        0,
        0,
        0,
        0,
        0,
        entry.reserved,
    ];
    words[1..7].copy_from_slice(&entry.args);

    let target = (address as *mut Entry).wrapping_add(index).cast::<u64>();
    for (offset, word) in words.into_iter().enumerate() {
        // SAFETY: the caller passes an index below the array's length, so
        // the entry's eight 8-byte-aligned words lie in the array, which
        // is only accessed through raw pointers while the race runs.
        unsafe { target.add(offset).write_volatile(word) };
    }
}

/// Returns whether `slot` is a result that some mix of the versions'
/// fields gives for entry `index`, where `previous` is entry `index - 1`'s
/// slot. A copy taken during a rewrite may mix fields of two versions: an
/// `lseek` with exit_group's first argument, 77, gives `-EBADF`.
fn plausible(index: usize, slot: i64, previous: Option<i64>) -> bool {
    let index = index as i64;
    let offsets = [index, 100_000 + index, index - 1, index + 5];
    offsets.contains(&slot)
        || slot == -(libc::EINVAL as i64)
        || slot == -(libc::ENOSYS as i64)
        || slot == -(libc::EBADF as i64)
        || previous == Some(slot)
        || (previous.is_some_and(|value| (-4095..0).contains(&value))
            && slot == -(libc::ECANCELED as i64))
}

/// Submits a batch of `lseek` entries again and again while another thread
/// rewrites its entries between valid and invalid versions. Every result
/// must come from one consistent copy of each entry.
pub fn rewrite_round(rng: &mut Rng, context: &Context) -> Result<(), String> {
    let world_seed = rng.next_u64();
    let length = rng.range(2, 1024) as usize;
    let rewriter_seed = rng.next_u64();
    let deadline = context.deadline;
    let counters = context.counters;

    let outcome = worker::run(
        deadline,
        |_| false,
        |_| {},
        |finding| {
            prepare_world(context, "rewrite", world_seed)?;
            let mut entries: Vec<Entry> =
                (0..length).map(|index| entry_version(index, 0)).collect();
            let address = entries.as_mut_ptr() as usize;
            let stop = AtomicBool::new(false);

            std::thread::scope(|scope| {
                scope.spawn(|| {
                    let mut rng = Rng::new(rewriter_seed);
                    let store = |index: usize, version: u64| store_entry(address, index, version);
                    // An invalid version stays only for a few hundred
                    // iterations, so most calls copy a valid array and the
                    // race is between validation and use.
                    while !stop.load(Ordering::Relaxed) {
                        let index = rng.below(length as u64) as usize;
                        let version = rng.below(9);
                        store(index, version);
                        if version >= 3 {
                            for _ in 0..rng.below(300) {
                                core::hint::spin_loop();
                            }
                            store(index, rng.below(3));
                        }
                    }
                });

                while Instant::now() < deadline {
                    let mut results = vec![SENTINEL; length];
                    // SAFETY: every version of every entry is an lseek on a
                    // descriptor the worker owns, or an entry the kernel must
                    // reject unrun. `results` contains `length` slots.
                    let ret = unsafe {
                        unchecked::supersyscall(
                            results.as_mut_ptr(),
                            address as *const Entry,
                            length as u32,
                            CONTINUE,
                        )
                    };
                    Counters::add(&counters.races, 1);
                    counters.record_batch(length as u32, ret.max(0) as u64);

                    if let Err(message) = check_rewrite(ret, &results) {
                        finding.store(&message);
                        break;
                    }
                }
                stop.store(true, Ordering::Relaxed);
            });
            Ok(())
        },
    );
    outcome.map_err(|finding| {
        if finding.contains("Exited(77)") {
            format!("the kernel ran exit_group, which is on the deny list, during a rewrite race: {finding}")
        } else {
            finding
        }
    })
}

fn check_rewrite(ret: i64, results: &[i64]) -> Result<(), String> {
    if ret == -(libc::EINVAL as i64) {
        return match results.iter().position(|&slot| slot != SENTINEL) {
            None => Ok(()),
            Some(index) => Err(format!(
                "a rejected batch wrote slot {index}: {}",
                results[index]
            )),
        };
    }
    if ret != results.len() as i64 {
        return Err(format!(
            "a rewritten batch of {} entries under CONTINUE returned {ret}",
            results.len()
        ));
    }
    let implausible: Vec<(usize, i64)> = results
        .iter()
        .enumerate()
        .filter(|&(index, &slot)| {
            let previous = index.checked_sub(1).map(|before| results[before]);
            !plausible(index, slot, previous)
        })
        .map(|(index, &slot)| (index, slot))
        .collect();
    let Some(&(first, slot)) = implausible.first() else {
        return Ok(());
    };

    let window = &results[first.saturating_sub(4)..(first + 5).min(results.len())];
    Err(format!(
        "entry {first} of a rewritten batch of {} entries contains {slot}, which no consistent copy of the entry gives\n\
         implausible slots (index, result), first 20 of {}: {:?}\n\
         slots {} to {}: {window:?}",
        results.len(),
        implausible.len(),
        &implausible[..implausible.len().min(20)],
        first.saturating_sub(4),
        first.saturating_sub(4) + window.len() - 1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_entry_writes_whole_entry() {
        let mut entries = vec![Entry::default(); 4];
        let address = entries.as_mut_ptr() as usize;

        for version in 0..9 {
            store_entry(address, 2, version);
            assert_eq!(entries[2], entry_version(2, version), "version {version}");
        }
        assert_eq!(entries[1], Entry::default());
        assert_eq!(entries[3], Entry::default());
    }
}
