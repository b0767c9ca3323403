//! Counters shared by every process of a run, and the printing of cases.

use core::sync::atomic::{AtomicU64, Ordering};
use std::fmt::Write as _;

use supersyscall::abi::{DENY_LIST, NR_SUPERSYSCALL};

use crate::grammar::Case;
use crate::sys::{map_anonymous, PAGE};

/// Totals of a run. They live in a shared mapping, so that forked workers
/// add to the same counters.
#[derive(Default)]
pub struct Counters {
    /// Kernel calls of supersyscall made by the tool.
    pub batches: AtomicU64,
    /// Entries passed to those calls (their `count`, when at most the cap).
    pub entries_submitted: AtomicU64,
    /// Entries the kernel reported as processed.
    pub entries_processed: AtomicU64,
    /// Batches also run on the emulation and compared.
    pub compared: AtomicU64,
    /// Batches run under a random seccomp filter.
    pub filtered: AtomicU64,
    /// Signals sent to threads or processes running batches.
    pub signals: AtomicU64,
    /// Batches submitted while another thread rewrote their entries.
    pub races: AtomicU64,
    /// SIGSTOP and SIGCONT pairs sent to children running batches.
    pub stops: AtomicU64,
    /// Children killed with SIGKILL in the middle of a batch.
    pub kills: AtomicU64,
    /// Batches whose entries or results pointers were bad on purpose.
    pub bad_pointers: AtomicU64,
}

impl Counters {
    /// Maps zeroed shared counters, or exits.
    pub fn new_shared() -> &'static Counters {
        let length = core::mem::size_of::<Counters>().div_ceil(PAGE) * PAGE;
        let memory = map_anonymous(length, libc::PROT_READ | libc::PROT_WRITE, true);
        // SAFETY: the mapping is zeroed, page-aligned and large enough, and
        // all-zero bytes are valid AtomicU64 values. It is never unmapped,
        // so the reference may be 'static.
        unsafe { &*(memory as *const Counters) }
    }

    /// Adds `value` to `counter`.
    pub fn add(counter: &AtomicU64, value: u64) {
        counter.fetch_add(value, Ordering::Relaxed);
    }

    /// Counts one kernel call of `count` entries that processed `processed`.
    pub fn record_batch(&self, count: u32, processed: u64) {
        Counters::add(&self.batches, 1);
        if count <= 1024 {
            Counters::add(&self.entries_submitted, u64::from(count));
        }
        Counters::add(&self.entries_processed, processed);
    }

    /// Returns the counters as `name value` lines, with rates per second.
    pub fn summary(&self, seconds: f64) -> String {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let processed = load(&self.entries_processed);
        let batches = load(&self.batches);

        let mut text = String::new();
        let _ = writeln!(text, "stress: seconds {seconds:.1}");
        let _ = writeln!(
            text,
            "stress: batches {batches} ({:.1}/s)",
            batches as f64 / seconds
        );
        let _ = writeln!(
            text,
            "stress: entries submitted {}",
            load(&self.entries_submitted)
        );
        let _ = writeln!(
            text,
            "stress: entries executed {processed} ({:.1}/s)",
            processed as f64 / seconds
        );
        let _ = writeln!(
            text,
            "stress: batches compared with the emulation {}",
            load(&self.compared)
        );
        let _ = writeln!(
            text,
            "stress: batches under a seccomp filter {}",
            load(&self.filtered)
        );
        let _ = writeln!(
            text,
            "stress: batches with bad pointers {}",
            load(&self.bad_pointers)
        );
        let _ = writeln!(text, "stress: signals delivered {}", load(&self.signals));
        let _ = writeln!(
            text,
            "stress: rewrite races attempted {}",
            load(&self.races)
        );
        let _ = writeln!(
            text,
            "stress: stop and continue pairs {}",
            load(&self.stops)
        );
        let _ = write!(
            text,
            "stress: children killed mid-batch {}",
            load(&self.kills)
        );
        text
    }
}

/// Returns a system call's name for the numbers the grammar uses.
fn syscall_name(nr: u32) -> String {
    let known: &[(i64, &str)] = &[
        (libc::SYS_read, "read"),
        (libc::SYS_write, "write"),
        (libc::SYS_pread64, "pread64"),
        (libc::SYS_pwrite64, "pwrite64"),
        (libc::SYS_lseek, "lseek"),
        (libc::SYS_openat, "openat"),
        (libc::SYS_close, "close"),
        (libc::SYS_dup, "dup"),
        (libc::SYS_fcntl, "fcntl"),
        (libc::SYS_ftruncate, "ftruncate"),
        (libc::SYS_fstat, "fstat"),
        (libc::SYS_unlinkat, "unlinkat"),
        (libc::SYS_mkdirat, "mkdirat"),
        (libc::SYS_renameat, "renameat"),
        (libc::SYS_eventfd2, "eventfd2"),
        (libc::SYS_pipe2, "pipe2"),
        (libc::SYS_socketpair, "socketpair"),
        (libc::SYS_sendto, "sendto"),
        (libc::SYS_recvfrom, "recvfrom"),
        (libc::SYS_mmap, "mmap"),
        (libc::SYS_munmap, "munmap"),
        (libc::SYS_mprotect, "mprotect"),
        (libc::SYS_madvise, "madvise"),
        (libc::SYS_getpid, "getpid"),
        (libc::SYS_gettid, "gettid"),
        (libc::SYS_getppid, "getppid"),
        (libc::SYS_getuid, "getuid"),
        (libc::SYS_sched_yield, "sched_yield"),
        (libc::SYS_getpgrp, "getpgrp"),
        (libc::SYS_nanosleep, "nanosleep"),
        (libc::SYS_getdents64, "getdents64"),
        (libc::SYS_kill, "kill"),
        (libc::SYS_umask, "umask"),
    ];
    if let Some((_, name)) = known.iter().find(|(number, _)| *number == i64::from(nr)) {
        return (*name).to_string();
    }
    if let Some((name, _)) = DENY_LIST.iter().find(|(_, number)| *number == nr) {
        return (*name).to_string();
    }
    if nr == NR_SUPERSYSCALL {
        return "supersyscall".to_string();
    }
    format!("syscall_{nr:#x}")
}

/// Formats `case` as a reproducer: the call, then one line per entry with
/// chained arguments written as `$index`.
pub fn describe_case(case: &Case) -> String {
    let mut text = format!(
        "supersyscall(count {}, flags {:#x}), world seed {:#x}, filter {:?}\n",
        case.count, case.flags, case.world_seed, case.filter
    );
    for (index, entry) in case.entries.iter().enumerate() {
        let args: Vec<String> = (0..6)
            .map(|k| {
                if entry.flags & (1 << k) != 0 {
                    format!("${}", entry.args[k])
                } else {
                    format!("{:#x}", entry.args[k])
                }
            })
            .collect();
        let _ = write!(
            text,
            "  {index}: {}({})",
            syscall_name(entry.nr),
            args.join(", ")
        );
        if entry.flags & !0x3f != 0 || entry.reserved != 0 {
            let _ = write!(
                text,
                " flags={:#x} reserved={:#x}",
                entry.flags, entry.reserved
            );
        }
        text.push('\n');
    }
    text
}
