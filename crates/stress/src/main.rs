//! A randomized stress test of `supersyscall(2)` for the QEMU guest.
//!
//! It runs rounds until the time is up. Each round runs one workload with
//! its own seed, derived from the run's seed and the round number, so
//! `--seed S --round R` replays one round. The workloads:
//!
//! - `differential`: random batches from a grammar of real system calls on
//!   scratch files, pipes, socket pairs, eventfds and mappings, some under a
//!   random seccomp filter. Each runs on the kernel and on the crate's
//!   emulation, in fresh children on the same world, and the two are
//!   compared;
//! - `shared`: threads that submit random batches on shared descriptors;
//! - `rewrite`: a thread that rewrites a batch's entries while another
//!   submits it;
//! - `signals`: batches under a stream of signals with and without
//!   `SA_RESTART`, through the raw call and the crate's resuming batches;
//! - `stop-kill`: SIGSTOP and SIGCONT to a child running maximal batches,
//!   then SIGKILL in the middle of one;
//! - `memory`: entries and results arrays that run into unmapped or
//!   `PROT_NONE` pages.
//!
//! Every kernel call is checked with the oracle in `oracle.rs`. A finding
//! prints the seed, the round and the smallest failing batch found, and the
//! program exits with status 1.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod arena;
mod concurrent;
mod differential;
mod grammar;
mod memory;
mod oracle;
mod report;
mod rng;
mod seccomp;
mod signals;
mod sys;
mod worker;
mod world;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use differential::{Runner, Side};
use report::Counters;
use rng::Rng;

/// The workloads, in the order `--workload` names them.
const WORKLOADS: [&str; 6] = [
    "differential",
    "shared",
    "rewrite",
    "signals",
    "stop-kill",
    "memory",
];

/// How often each workload is picked, out of the sum.
const WEIGHTS: [u64; 6] = [4, 2, 2, 2, 1, 1];

/// How long one round runs, so that a two-minute run reaches every
/// workload several times.
const ROUND_LENGTH: Duration = Duration::from_secs(5);

/// The shortest round, for the last round of a run and for replays.
const MIN_ROUND_LENGTH: Duration = Duration::from_secs(2);

/// Batches the shrinker may run to minimize a failing case.
const SHRINK_BUDGET: usize = 300;

struct Options {
    minutes: f64,
    seed: u64,
    round: Option<u64>,
    workload: Option<usize>,
    scratch: PathBuf,
    require_kernel: bool,
}

const USAGE: &str = "usage: stress [--minutes N] [--seed S] [--round R] [--workload NAME] [--scratch DIR] [--require-kernel]

Runs random supersyscall batches, threads, signals and races, and checks
every batch. Exits with 0 when nothing broke a rule, 1 on a finding, and 2
when the tool itself could not run.

  --minutes N       how long to run, in minutes (default 1; fractions allowed)
  --seed S          the run's seed (default: from the clock, printed at start)
  --round R         run only round R of the seed, for --minutes, to replay
                    a finding
  --workload NAME   run only this workload: differential, shared, rewrite,
                    signals, stop-kill or memory
  --scratch DIR     folder for scratch files, emptied by the tool
                    (default /tmp/stress)
  --require-kernel  fail when the kernel lacks supersyscall, instead of
                    checking the tool against the emulation alone";

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        minutes: 1.0,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(1),
        round: None,
        workload: None,
        scratch: PathBuf::from("/tmp/stress"),
        require_kernel: false,
    };
    let mut args = std::env::args().skip(1);

    while let Some(arg) = args.next() {
        if arg == "--require-kernel" {
            options.require_kernel = true;
            continue;
        }
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--minutes" => {
                options.minutes = value
                    .parse()
                    .ok()
                    .filter(|minutes: &f64| *minutes > 0.0)
                    .ok_or_else(|| {
                        format!("invalid --minutes '{value}': expected a positive number")
                    })?;
            }
            "--seed" => {
                options.seed =
                    parse_number(&value).ok_or_else(|| format!("invalid --seed '{value}'"))?
            }
            "--round" => {
                options.round =
                    Some(parse_number(&value).ok_or_else(|| format!("invalid --round '{value}'"))?)
            }
            "--workload" => {
                let index = WORKLOADS.iter().position(|name| *name == value);
                options.workload = Some(index.ok_or_else(|| {
                    format!("unknown workload '{value}'; the workloads are {WORKLOADS:?}")
                })?);
            }
            "--scratch" => options.scratch = PathBuf::from(value),
            _ => return Err(format!("unknown option '{arg}'")),
        }
    }
    Ok(options)
}

/// Parses a decimal or `0x` hexadecimal number.
fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Everything a round needs.
pub struct Context {
    /// The shared counters.
    pub counters: &'static Counters,
    /// Whether the kernel has supersyscall.
    pub kernel: bool,
    /// The scratch folder.
    pub scratch: PathBuf,
    /// The time at which a round stops starting new batches.
    pub deadline: Instant,
}

fn main() {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("stress: {message}\n\n{USAGE}");
            std::process::exit(2);
        }
    };

    // SAFETY: a QUERY call ignores both pointers and runs nothing.
    let version = unsafe {
        supersyscall::unchecked::supersyscall(
            core::ptr::null_mut(),
            core::ptr::null(),
            0,
            supersyscall::abi::QUERY,
        )
    };
    let kernel = version == supersyscall::abi::VERSION;
    if !kernel && options.require_kernel {
        eprintln!("stress: the kernel has no supersyscall (QUERY returned {version}), and --require-kernel was given");
        std::process::exit(2);
    }
    if !kernel {
        println!(
            "stress: the kernel has no supersyscall: checking the tool against the emulation alone"
        );
    }

    arena::reserve();
    let counters = Counters::new_shared();
    let start = Instant::now();
    let length = Duration::from_secs_f64(options.minutes * 60.0);
    let context = Context {
        counters,
        kernel,
        scratch: options.scratch.clone(),
        deadline: start + length,
    };
    println!(
        "stress: seed {:#x}, {} minutes, kernel backend {}",
        options.seed, options.minutes, kernel
    );

    let rounds: Box<dyn Iterator<Item = u64>> = match options.round {
        Some(round) => Box::new(std::iter::once(round)),
        None => Box::new(0..),
    };
    for round in rounds {
        if options.round.is_none() && Instant::now() >= context.deadline {
            break;
        }
        let mut rng = Rng::new(options.seed ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        // The first rounds run each workload once, so that even a short run
        // reaches all of them; later rounds pick by weight. The pick draws
        // from the round's generator even under --workload, so that a
        // replay with --workload draws the same stream.
        let picked = if round < WORKLOADS.len() as u64 {
            round as usize
        } else {
            pick_workload(&mut rng)
        };
        let workload = options.workload.unwrap_or(picked);

        // A round lasts ROUND_LENGTH, or less at the end of the run, but at
        // least MIN_ROUND_LENGTH. A replayed round runs for --minutes.
        let now = Instant::now();
        let deadline = match options.round {
            Some(_) => context.deadline,
            None => (now + ROUND_LENGTH).min(context.deadline.max(now + MIN_ROUND_LENGTH)),
        };
        let round_context = Context {
            deadline,
            scratch: context.scratch.clone(),
            ..context
        };

        if let Err(finding) = run_round(workload, &mut rng, &round_context) {
            println!(
                "stress: FAILED in round {round}, workload {}",
                WORKLOADS[workload]
            );
            println!("{finding}");
            println!(
                "stress: replay with: stress --seed {:#x} --round {round}",
                options.seed
            );
            println!("{}", counters.summary(start.elapsed().as_secs_f64()));
            std::process::exit(1);
        }
    }

    println!("{}", counters.summary(start.elapsed().as_secs_f64()));
    println!("stress: passed");
}

fn pick_workload(rng: &mut Rng) -> usize {
    let total: u64 = WEIGHTS.iter().sum();
    let mut roll = rng.below(total);
    for (index, weight) in WEIGHTS.iter().enumerate() {
        if roll < *weight {
            return index;
        }
        roll -= weight;
    }
    0
}

/// Runs one round of workload `workload` and returns the finding, if any.
fn run_round(workload: usize, rng: &mut Rng, context: &Context) -> Result<(), String> {
    match WORKLOADS[workload] {
        "differential" => differential_round(rng, context),
        _ if !context.kernel => Ok(()),
        "shared" => concurrent::shared_round(rng, context),
        "rewrite" => concurrent::rewrite_round(rng, context),
        "signals" => signals::signals_round(rng, context),
        "stop-kill" => signals::stop_kill_round(rng, context),
        _ => memory::memory_round(rng, context),
    }
}

/// Runs random cases on both sides until the round's deadline, and shrinks
/// the first failing case.
fn differential_round(rng: &mut Rng, context: &Context) -> Result<(), String> {
    let first = if context.kernel {
        Side::Kernel
    } else {
        Side::Emulated
    };
    let runner = Runner::new(
        context.scratch.join("differential"),
        first,
        context.counters,
    );

    while Instant::now() < context.deadline {
        let case = grammar::generate(rng, true, true, true);
        if let Err(finding) = runner.check(&case) {
            println!("stress: {finding}");
            println!(
                "stress: shrinking a failing batch of {} entries",
                case.entries.len()
            );
            let smallest = runner.shrink(&case, SHRINK_BUDGET);
            let reason = runner
                .check(&smallest)
                .err()
                .unwrap_or_else(|| finding.clone());
            return Err(format!(
                "{reason}\nsmallest failing batch:\n{}",
                report::describe_case(&smallest)
            ));
        }
    }
    Ok(())
}
