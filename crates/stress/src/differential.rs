//! The differential check: one batch runs on the kernel in one child and
//! on the crate's emulation in another, each on a world rebuilt from the
//! same seed, and the results and final states must agree.

use std::path::{Path, PathBuf};
use std::time::Duration;

use supersyscall::abi::COUNT_MASK;
use supersyscall::unchecked;

use crate::arena::{self, MAX_BATCH};
use crate::grammar::{Case, Class, FilterAction};
use crate::oracle::{self, SENTINEL};
use crate::report::Counters;
use crate::sys::{self, Ending, PAGE};
use crate::{seccomp, world};

/// The maximum time a child may take for one batch before it counts as hung.
const CHILD_LIMIT: Duration = Duration::from_secs(120);

/// The bytes of the report page set aside for the digest.
const DIGEST_CAPACITY: usize = 60_000;

/// The report a child writes back through shared memory.
#[repr(C)]
struct Report {
    /// Set to 1 once the rest is written.
    done: u64,
    pid: i64,
    ret: i64,
    results: [i64; MAX_BATCH],
    digest_length: u64,
    digest: [u8; DIGEST_CAPACITY],
}

/// The mechanism a batch runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `supersyscall(2)`.
    Kernel,
    /// The crate's emulation.
    Emulated,
}

/// The ending of one side's run, and the state it left.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    ending: Ending,
    pid: i64,
    ret: i64,
    results: Vec<i64>,
    digest: String,
    folder: String,
}

/// Runs cases in children that share one report page.
pub struct Runner {
    report: *mut Report,
    scratch: PathBuf,
    first: Side,
    counters: &'static Counters,
}

impl Runner {
    /// Creates a runner whose children build their worlds in `scratch`.
    ///
    /// `first` is the side checked with the structural oracle and compared
    /// with the emulation: [`Side::Kernel`], or [`Side::Emulated`] to check
    /// the tool itself on a kernel without supersyscall.
    pub fn new(scratch: PathBuf, first: Side, counters: &'static Counters) -> Runner {
        let pages = core::mem::size_of::<Report>().div_ceil(PAGE);
        let report = sys::map_anonymous(pages * PAGE, libc::PROT_READ | libc::PROT_WRITE, true);
        Runner {
            report: report.cast(),
            scratch,
            first,
            counters,
        }
    }

    /// Runs `case` on `side` in a new child and returns its outcome.
    pub fn run(&self, case: &Case, side: Side) -> Outcome {
        reset_folder(&self.scratch);
        // SAFETY: the report page is shared with children that have all
        // exited, so nothing else writes it now.
        unsafe { (*self.report).done = 0 };

        let report = self.report;
        let scratch = self.scratch.clone();
        let pid = sys::fork_child(move || child(case, side, report, &scratch));
        let ending = sys::wait_child(pid, CHILD_LIMIT);

        // SAFETY: the child has exited, so the report page is no longer
        // written, and `done` records whether the child filled it.
        let report = unsafe { &*self.report };
        let finished = report.done == 1;
        let length = (report.digest_length as usize).min(DIGEST_CAPACITY);
        let slots = case.entries.len().min(case.count as usize);
        Outcome {
            ending,
            pid: if finished { report.pid } else { 0 },
            ret: if finished { report.ret } else { 0 },
            results: if finished {
                report.results[..slots].to_vec()
            } else {
                Vec::new()
            },
            digest: if finished {
                String::from_utf8_lossy(&report.digest[..length]).into_owned()
            } else {
                String::new()
            },
            folder: world::describe_folder(&self.scratch),
        }
    }

    /// Runs `case` on both sides and returns the first disagreement or
    /// broken rule.
    pub fn check(&self, case: &Case) -> Result<(), String> {
        let kernel = self.run(case, self.first);
        let processed = if kernel.ret > 0 {
            kernel.ret as u64 & COUNT_MASK
        } else {
            0
        };
        self.counters.record_batch(case.count, processed);
        if case.filter.is_some() {
            Counters::add(&self.counters.filtered, 1);
        }
        check_kernel_alone(case, &kernel)?;
        if case.count as usize > MAX_BATCH {
            return Ok(());
        }

        let emulated = self.run(case, Side::Emulated);
        Counters::add(&self.counters.compared, 1);
        compare(case, &kernel, &emulated)
    }

    /// Removes entries from `case` while [`Runner::check`] still fails, and
    /// returns the smallest failing case found within `budget` checks.
    pub fn shrink(&self, case: &Case, budget: usize) -> Case {
        let mut smallest = case.clone();
        let mut checks = 0;
        let mut chunk = smallest.entries.len().div_ceil(2).max(1);

        while chunk >= 1 && checks < budget {
            let mut start = 0;
            let mut removed_any = false;
            while start < smallest.entries.len() && checks < budget {
                let candidate = without(&smallest, start, chunk);
                checks += 1;
                if self.check(&candidate).is_err() {
                    smallest = candidate;
                    removed_any = true;
                } else {
                    start += chunk;
                }
            }
            if !removed_any {
                if chunk == 1 {
                    break;
                }
                chunk = chunk.div_ceil(2);
            }
        }
        smallest
    }
}

/// Returns `case` without entries `start..start + length`, with chains
/// renumbered. A chain to a removed entry names the entry itself, which the
/// kernel rejects, so such candidates rarely survive.
fn without(case: &Case, start: usize, length: usize) -> Case {
    let end = (start + length).min(case.entries.len());
    let mut shrunk = case.clone();
    shrunk.entries.drain(start..end);
    shrunk.classes.drain(start..end);
    let removed = (end - start) as u64;

    for (index, entry) in shrunk.entries.iter_mut().enumerate() {
        for k in 0..6 {
            if entry.flags & (1 << k) == 0 {
                continue;
            }
            let source = entry.args[k];
            if source >= end as u64 && source < case.entries.len() as u64 {
                entry.args[k] = source - removed;
            } else if source >= start as u64 && source < end as u64 {
                entry.args[k] = index as u64;
            }
        }
    }
    if case.count as usize <= MAX_BATCH {
        shrunk.count = shrunk.entries.len() as u32;
    }
    shrunk
}

/// Removes and recreates the scratch folder.
fn reset_folder(scratch: &Path) {
    let _ = std::fs::remove_dir_all(scratch);
    if std::fs::create_dir_all(scratch).is_err() {
        sys::fatal(&format!("mkdir {}", scratch.display()));
    }
}

/// Builds the world in a child, installs the filter, runs the batch and
/// writes the report.
fn child(case: &Case, side: Side, report: *mut Report, scratch: &Path) -> i32 {
    sys::close_from(3);
    sys::silence_standard_streams();
    if world::build(case.world_seed, scratch).is_err() {
        return 3;
    }
    if let Some(filter) = &case.filter {
        if seccomp::install(filter).is_err() {
            return 4;
        }
    }

    let slots = case.entries.len();
    arena::store_entries(&case.entries);
    arena::fill_results(slots, SENTINEL);
    let ret = match side {
        // SAFETY: every pointer in the grammar's entries points into the
        // arena or at memory that faults, every descriptor belongs to this
        // child, and the result slots lie in the arena.
        Side::Kernel => unsafe {
            unchecked::supersyscall(arena::results(), arena::entries(), case.count, case.flags)
        },
        Side::Emulated => {
            // SAFETY: the result slots hold MAX_BATCH i64 values, and no
            // other reference to them exists during the call.
            let results = unsafe { core::slice::from_raw_parts_mut(arena::results(), slots) };
            // SAFETY: as for the kernel side.
            unsafe { unchecked::emulate(results, &case.entries, case.flags) }
        }
    };

    let results = arena::read_results(slots);
    let digest = world::digest();
    // SAFETY: the parent reads the report page only after this child has
    // exited, so nothing else accesses it now.
    let report = unsafe { &mut *report };
    report.pid = i64::from(sys::getpid());
    report.ret = ret;
    report.results[..slots].copy_from_slice(&results);
    let length = digest.len().min(DIGEST_CAPACITY);
    report.digest[..length].copy_from_slice(&digest.as_bytes()[..length]);
    report.digest_length = length as u64;
    report.done = 1;
    0
}

/// Checks the kernel side with the structural oracle.
fn check_kernel_alone(case: &Case, kernel: &Outcome) -> Result<(), String> {
    let killing_filter = case
        .filter
        .as_ref()
        .is_some_and(|filter| filter.action != FilterAction::Errno);
    match kernel.ending {
        Ending::Exited(0) => {}
        Ending::Signaled(libc::SIGSYS) if killing_filter => return Ok(()),
        other => return Err(format!("the kernel-side child ended with {other:?}")),
    }

    let denied = match &case.filter {
        Some(filter) if filter.action == FilterAction::Errno => filter.denied.clone(),
        _ => Vec::new(),
    };
    oracle::check(&oracle::Call {
        entries: &case.entries,
        count: case.count,
        flags: case.flags,
        ret: kernel.ret,
        results: &kernel.results,
        denied: &denied,
    })
}

/// Compares the two sides.
fn compare(case: &Case, kernel: &Outcome, emulated: &Outcome) -> Result<(), String> {
    if kernel.ending != emulated.ending {
        return Err(format!(
            "the kernel side ended with {:?}, the emulated side with {:?}",
            kernel.ending, emulated.ending
        ));
    }
    if kernel.folder != emulated.folder {
        return Err(format!(
            "the scratch folders differ\nkernel:\n{}emulated:\n{}",
            kernel.folder, emulated.folder
        ));
    }
    if kernel.ending != Ending::Exited(0) {
        return Ok(());
    }

    if kernel.ret != emulated.ret {
        return Err(format!(
            "the kernel returned {}, the emulation {}",
            kernel.ret, emulated.ret
        ));
    }
    for (index, class) in case.classes.iter().enumerate().take(kernel.results.len()) {
        let (ours, theirs) = (kernel.results[index], emulated.results[index]);
        let agree = match class {
            Class::Exact => ours == theirs,
            Class::OwnPid => ours == theirs || (ours == kernel.pid && theirs == emulated.pid),
        };
        if !agree {
            return Err(format!(
                "entry {index}: the kernel gave {ours}, the emulation {theirs}"
            ));
        }
    }
    if kernel.digest != emulated.digest {
        return Err(format!(
            "the processes' states differ\n{}",
            first_difference(&kernel.digest, &emulated.digest)
        ));
    }
    Ok(())
}

fn first_difference(kernel: &str, emulated: &str) -> String {
    let mut kernel_lines = kernel.lines();
    let mut emulated_lines = emulated.lines();
    loop {
        match (kernel_lines.next(), emulated_lines.next()) {
            (Some(ours), Some(theirs)) if ours == theirs => continue,
            (ours, theirs) => {
                return format!(
                    "kernel:   {}\nemulated: {}",
                    ours.unwrap_or("(end)"),
                    theirs.unwrap_or("(end)")
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use supersyscall::abi::{entry_arg_result, Entry};

    fn chained(nr: u32, source: u64) -> Entry {
        Entry {
            nr,
            flags: entry_arg_result(0),
            args: [source, 0, 0, 0, 0, 0],
            reserved: 0,
        }
    }

    fn case_of(entries: Vec<Entry>) -> Case {
        Case {
            world_seed: 1,
            classes: vec![Class::Exact; entries.len()],
            count: entries.len() as u32,
            flags: 0,
            filter: None,
            entries,
        }
    }

    #[test]
    fn without_renumbers_later_chains() {
        let case = case_of(vec![Entry::default(), Entry::default(), chained(3, 1)]);

        let shrunk = without(&case, 0, 1);

        assert_eq!(shrunk.entries.len(), 2);
        assert_eq!(shrunk.count, 2);
        assert_eq!(shrunk.entries[1].args[0], 0);
    }

    #[test]
    fn without_points_lost_chain_at_itself() {
        let case = case_of(vec![Entry::default(), Entry::default(), chained(3, 1)]);

        let shrunk = without(&case, 1, 1);

        assert_eq!(shrunk.entries[1].args[0], 1);
    }
}
