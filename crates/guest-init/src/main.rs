//! PID 1 for the QEMU guest that tests supersyscall.
//!
//! Build it static, because the initramfs contains no shared libraries:
//!
//! ```text
//! RUSTFLAGS='-C target-feature=+crt-static' \
//!     cargo build --release -p guest-init --target x86_64-unknown-linux-gnu
//! ```
//!
//! As PID 1, init:
//!
//! 1. mounts proc on `/proc`, sysfs on `/sys`, devtmpfs on `/dev` and tmpfs on
//!    `/tmp`;
//! 2. reads the plan `/etc/plans/NAME`, where NAME is its last argument. The
//!    kernel passes the words after `--` on its command line to init, after any
//!    boot parameters it did not recognize that have no `=`;
//! 3. runs each step of the plan in order as a child process with inherited
//!    stdio, printing `guest: run ...` before and `guest: PROGRAM exited with
//!    status N` or `... killed by signal N` after;
//! 4. prints `guest: plan NAME finished with status N` and reports N to the
//!    host through QEMU's `isa-debug-exit` device.
//!
//! A failed step does not stop the plan: every step runs, and the final status
//! is the status of the first failure, or 0. See the `run` module for the
//! status values and the `plan` module for the plan format, including the
//! `run-all DIRECTORY [ARGS...]` directive.
//!
//! Run as any other process (for the tests on the host), init mounts nothing,
//! reads plans from `$GUEST_INIT_PLAN_DIR` when set, and exits with the final
//! status instead of reporting it.
//!
//! # What this does not do
//!
//! - No quoting in plans: words are split at whitespace.
//! - No per-command timeout: the host's timeout bounds the whole boot.
//! - No job control, no shell, no restarting of failed commands.

mod plan;
mod run;
mod system;

use std::env;
use std::fs;
use std::path::PathBuf;

use run::{FirstFailure, STATUS_SETUP_FAILED};

#[cfg(not(target_arch = "x86_64"))]
compile_error!("guest-init reports through an x86 I/O port and builds for x86_64 only");

/// Folder of the plans in the guest.
const PLAN_DIR: &str = "/etc/plans";
/// `PATH` for the commands when the kernel passed none.
const DEFAULT_PATH: &str = "/bin:/sbin:/usr/bin:/usr/sbin";

fn main() {
    let is_init = std::process::id() == 1;
    let mut result = FirstFailure::default();

    if is_init {
        println!("guest: init started");
        if !system::mount_all() {
            result.record(STATUS_SETUP_FAILED);
        }
    }
    if env::var_os("PATH").is_none() {
        env::set_var("PATH", DEFAULT_PATH);
    }

    let plan_name = env::args().skip(1).last();
    match &plan_name {
        Some(name) => run_plan(name, &mut result),
        None => {
            println!("guest: missing plan name: boot the kernel with '-- NAME' at the end of its command line");
            result.record(STATUS_SETUP_FAILED);
        }
    }

    let status = result.status();
    let name = plan_name.as_deref().unwrap_or("(none)");
    println!("guest: plan {name} finished with status {status}");
    if !is_init {
        std::process::exit(status.into());
    }

    if status > system::MAX_REPORTED_STATUS {
        println!(
            "guest: status {status} is reported to the host as {}, the largest value it can receive",
            system::MAX_REPORTED_STATUS
        );
    }
    system::report_to_host(status);
}

/// Reads, parses and runs the plan `name`, recording every step's status.
fn run_plan(name: &str, result: &mut FirstFailure) {
    let path = plan_dir().join(name);

    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            println!("guest: cannot read plan {}: {error}", path.display());
            result.record(STATUS_SETUP_FAILED);
            return;
        }
    };
    let steps = match plan::parse(&text) {
        Ok(steps) => steps,
        Err(error) => {
            println!("guest: invalid plan {}: {error}", path.display());
            result.record(STATUS_SETUP_FAILED);
            return;
        }
    };

    let count = steps.len();
    let noun = if count == 1 { "step" } else { "steps" };
    println!("guest: plan {name}: {count} {noun} from {}", path.display());
    for step in &steps {
        result.record(run::run_step(step));
    }
}

fn plan_dir() -> PathBuf {
    env::var_os("GUEST_INIT_PLAN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(PLAN_DIR))
}
