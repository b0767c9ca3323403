//! Batches under signals: handlers with and without `SA_RESTART`, stop and
//! continue, and SIGKILL in the middle of a maximal batch.
//!
//! Each batch writes single bytes to a pipe that only its thread uses. After
//! each call, the bytes in the pipe must equal the write entries whose
//! result is 1, so an entry that ran twice or was lost shows at once.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use supersyscall::abi::{Entry, CONTINUE, MAX_ENTRIES, RESUMABLE};
use supersyscall::{Backend, Batch, Policy};

use crate::arena::{self, DATA_PAGE, NAMES_PAGE, TIMESPEC_OFFSET};
use crate::concurrent::prepare_world;
use crate::oracle;
use crate::report::Counters;
use crate::rng::Rng;
use crate::sys::{self, Ending};
use crate::{worker, Context};

/// Signals that reached a handler in this process.
static HANDLED: AtomicU64 = AtomicU64::new(0);

extern "C" fn count_signal(_signal: libc::c_int) {
    HANDLED.fetch_add(1, Ordering::Relaxed);
}

/// Installs the counting handler for `signal`, with `SA_RESTART` if
/// `restart`.
fn install_handler(signal: libc::c_int, restart: bool) {
    // SAFETY: an all-zero sigaction is valid: no flags and an empty mask.
    let mut action: libc::sigaction = unsafe { core::mem::zeroed() };
    action.sa_sigaction = count_signal as extern "C" fn(libc::c_int) as usize;
    action.sa_flags = if restart { libc::SA_RESTART } else { 0 };
    // SAFETY: the handler only increments an atomic, which is
    // async-signal-safe, and `action` is valid for reads.
    unsafe { libc::sigaction(signal, &action, core::ptr::null_mut()) };
}

/// A thread's pipes: one for the written bytes, and an empty blocking one
/// whose reads wait until a signal interrupts them.
struct Pipes {
    read: OwnedFd,
    write: OwnedFd,
    empty_read: OwnedFd,
    _empty_write: OwnedFd,
}

fn new_pipe(flags: i32) -> Result<(OwnedFd, OwnedFd), String> {
    let mut ends = [0; 2];
    // SAFETY: pipe2 writes two descriptors into `ends`.
    if unsafe { libc::pipe2(ends.as_mut_ptr(), flags) } != 0 {
        return Err(format!("pipe2 failed: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: pipe2 just created both descriptors, and nothing else owns
    // them.
    Ok(unsafe { (OwnedFd::from_raw_fd(ends[0]), OwnedFd::from_raw_fd(ends[1])) })
}

impl Pipes {
    fn new() -> Result<Pipes, String> {
        let (read, write) = new_pipe(libc::O_NONBLOCK | libc::O_CLOEXEC)?;
        let (empty_read, empty_write) = new_pipe(libc::O_CLOEXEC)?;
        Ok(Pipes {
            read,
            write,
            empty_read,
            _empty_write: empty_write,
        })
    }

    /// Reads and discards every queued byte, and returns how many there
    /// were.
    fn drain(&self) -> usize {
        let mut total = 0;
        let mut buffer = [0u8; 4096];
        loop {
            // SAFETY: the buffer is valid for writes of its length.
            let read = unsafe {
                libc::read(
                    self.read.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                )
            };
            if read <= 0 {
                return total;
            }
            total += read as usize;
        }
    }
}

/// Returns a random batch of one-byte writes to `pipes`, sleeps, yields and
/// `getppid`, with rare reads that block until a signal arrives.
fn signal_batch(rng: &mut Rng, pipes: &Pipes, length: usize, blocking: bool) -> Vec<Entry> {
    let byte = arena::page(DATA_PAGE) as u64;
    let timespec = (arena::page(NAMES_PAGE) + TIMESPEC_OFFSET) as u64;
    (0..length)
        .map(|_| {
            let (nr, args) = match rng.below(100) {
                0..=59 => (libc::SYS_write, [pipes.write.as_raw_fd() as u64, byte, 1]),
                60..=74 => (libc::SYS_getppid, [0; 3]),
                75..=86 => (libc::SYS_sched_yield, [0; 3]),
                87..=97 => (libc::SYS_nanosleep, [timespec, 0, 0]),
                _ if blocking => (
                    libc::SYS_read,
                    [pipes.empty_read.as_raw_fd() as u64, byte, 1],
                ),
                _ => (libc::SYS_getppid, [0; 3]),
            };
            Entry {
                nr: nr as u32,
                flags: 0,
                args: [args[0], args[1], args[2], 0, 0, 0],
                reserved: 0,
            }
        })
        .collect()
}

/// Submits `entries` raw, checks the call with the oracle, and checks that
/// the pipe contains one byte per write entry that returned 1.
fn submit_and_count(
    entries: &[Entry],
    flags: u32,
    pipes: &Pipes,
    counters: &Counters,
) -> Result<(), String> {
    // SAFETY: every entry writes one byte from the arena to this thread's
    // pipe, reads one byte into the arena, sleeps, yields or reads the
    // parent's pid.
    let (ret, results, checked) =
        unsafe { oracle::submit_and_check(entries, flags, &[], counters) };
    checked.map_err(|finding| {
        format!(
            "{finding} (a batch of {} entries under signals, flags {flags:#x})",
            entries.len()
        )
    })?;

    let write = libc::SYS_write as u32;
    let written = entries
        .iter()
        .zip(&results)
        .filter(|(entry, &slot)| entry.nr == write && slot == 1)
        .count();
    let queued = pipes.drain();
    if queued != written {
        return Err(format!(
            "the pipe contains {queued} bytes, but {written} write entries returned 1 (ret {ret:#x}, flags {flags:#x}): an entry ran twice or its result was lost"
        ));
    }
    Ok(())
}

/// Submits a batch through the crate's resuming kernel backend and checks
/// the same count.
fn crate_batch(rng: &mut Rng, pipes: &Pipes) -> Result<(), String> {
    let timespec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 1000,
    };
    let byte = [b'x'];
    let mut batch = Batch::new();
    let mut writes = Vec::new();
    for _ in 0..rng.range(1, 200) {
        match rng.below(4) {
            0 | 1 => writes.push(batch.write(&pipes.write, &byte)),
            2 => {
                batch.nanosleep(&timespec, None);
            }
            _ => {
                batch.getppid();
            }
        }
    }
    batch.set_policy(if rng.chance(1, 2) {
        Policy::Continue
    } else {
        Policy::StopAtFailure
    });
    batch.set_resume_after_signal(rng.chance(1, 2));

    let completion = batch
        .submit_with(Backend::Kernel)
        .map_err(|error| format!("a crate batch under signals failed as a whole: {error}"))?;
    if let Some(slot) = completion
        .raw_results()
        .iter()
        .find(|&&slot| (-516..=-512).contains(&slot))
    {
        return Err(format!(
            "a crate batch under signals contains the restart code {slot}"
        ));
    }
    let written = writes
        .iter()
        .filter(|&&handle| completion.result(handle) == Ok(1))
        .count();
    let queued = pipes.drain();
    if queued != written {
        return Err(format!(
            "after a crate batch that resumed {} times, the pipe contains {queued} bytes, but {written} writes returned 1",
            completion.resumptions()
        ));
    }
    Ok(())
}

/// Threads submitting batches while another thread sends them SIGUSR1
/// (handler with `SA_RESTART`) and SIGUSR2 (handler without).
pub fn signals_round(rng: &mut Rng, context: &Context) -> Result<(), String> {
    let world_seed = rng.next_u64();
    let threads = rng.range(1, 3) as usize;
    let seeds: Vec<u64> = (0..=threads).map(|_| rng.next_u64()).collect();
    let deadline = context.deadline;
    let counters = context.counters;

    worker::run(
        deadline,
        |_| false,
        |_| {},
        |finding| {
            prepare_world(context, "signals", world_seed)?;
            install_handler(libc::SIGUSR1, true);
            install_handler(libc::SIGUSR2, false);
            let tids: Vec<AtomicI32> = (0..threads).map(|_| AtomicI32::new(0)).collect();
            let running = AtomicU64::new(threads as u64);
            let pid = sys::getpid();

            std::thread::scope(|scope| {
                for (thread, &seed) in seeds[..threads].iter().enumerate() {
                    let (tids, running) = (&tids, &running);
                    scope.spawn(move || {
                        tids[thread].store(sys::gettid(), Ordering::Relaxed);
                        if let Err(message) = submit_under_signals(seed, deadline, counters) {
                            finding.store(&message);
                        }
                        running.fetch_sub(1, Ordering::Relaxed);
                    });
                }

                // The signaller runs until every submitter has finished, so a
                // read that blocks until a signal always wakes.
                let mut rng = Rng::new(seeds[threads]);
                while running.load(Ordering::Relaxed) > 0 {
                    let tid = tids[rng.below(threads as u64) as usize].load(Ordering::Relaxed);
                    if tid != 0 {
                        let signal = rng.pick(&[libc::SIGUSR1, libc::SIGUSR2]);
                        // SAFETY: tgkill takes no pointers; the tid belongs to
                        // a thread of this process that is still running.
                        unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, signal) };
                        Counters::add(&counters.signals, 1);
                    }
                    std::thread::sleep(Duration::from_micros(rng.below(2000)));
                }
            });
            Ok(())
        },
    )
}

fn submit_under_signals(seed: u64, deadline: Instant, counters: &Counters) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let pipes = Pipes::new()?;

    while Instant::now() < deadline {
        if rng.chance(1, 4) {
            crate_batch(&mut rng, &pipes)?;
            continue;
        }
        let length = if rng.chance(1, 8) {
            MAX_ENTRIES
        } else {
            rng.range(1, 64) as usize
        };
        let entries = signal_batch(&mut rng, &pipes, length, true);
        let flags = rng.pick(&[0, CONTINUE, RESUMABLE, CONTINUE | RESUMABLE]);
        submit_and_count(&entries, flags, &pipes, counters)?;
    }
    Ok(())
}

/// Runs maximal batches in a child while this process stops and continues
/// it at random moments, then kills it with SIGKILL in the middle of a batch.
pub fn stop_kill_round(rng: &mut Rng, context: &Context) -> Result<(), String> {
    let world_seed = rng.next_u64();
    let child_seed = rng.next_u64();
    let mut parent_rng = rng.split();
    let deadline = context.deadline;
    let counters = context.counters;
    let allowed = |ending| ending == Ending::Signaled(libc::SIGKILL);

    let supervise = |pid: libc::pid_t| {
        // Give the child time to build its world and start a batch.
        std::thread::sleep(Duration::from_millis(50));
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(parent_rng.below(30_000)));
            // SAFETY: `pid` is this process's unreaped child.
            unsafe { libc::kill(pid, libc::SIGSTOP) };
            std::thread::sleep(Duration::from_micros(parent_rng.below(10_000)));
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGCONT) };
            Counters::add(&counters.stops, 1);
            Counters::add(&counters.signals, 2);
        }
        std::thread::sleep(Duration::from_micros(parent_rng.below(20_000)));
        // SAFETY: as above.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        Counters::add(&counters.kills, 1);
        Counters::add(&counters.signals, 1);
    };

    worker::run(deadline, allowed, supervise, |_| {
        prepare_world(context, "stop-kill", world_seed)?;
        let mut rng = Rng::new(child_seed);
        let pipes = Pipes::new()?;
        // The child runs until the parent kills it.
        loop {
            let entries = signal_batch(&mut rng, &pipes, MAX_ENTRIES, false);
            let flags = rng.pick(&[CONTINUE | RESUMABLE, RESUMABLE, CONTINUE, 0]);
            submit_and_count(&entries, flags, &pipes, counters)?;
        }
    })
}
