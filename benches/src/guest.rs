//! The run's settings, which `scripts/bench.sh` passes as `KEY=VALUE` words
//! on the kernel command line (the kernel hands them to init, and init to
//! every program, as environment variables), and the report of the machine
//! the figures come from.

use std::time::{Duration, Instant};

use crate::report::{self, Value};

const CLOCKSOURCE: &str = "/sys/devices/system/clocksource/clocksource0/current_clocksource";
const VULNERABILITIES: &str = "/sys/devices/system/cpu/vulnerabilities";

/// The meaning of guest time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Guest time follows the host's wall clock.
    Wall,
    /// QEMU runs with `-icount shift=0,sleep=off`: guest time advances
    /// 1 ns per executed guest instruction.
    Icount,
}

/// The settings of one benchmark run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The configuration name that results carry (`off`, `pti`, `nopti`,
    /// `icount`, or `host`).
    pub config: String,
    /// The meaning of guest time.
    pub mode: Mode,
    /// Rounds of the whole suite, so that each figure is a median over
    /// rounds measured at different times of the boot.
    pub rounds: usize,
    /// Shorter measurements, for trying the scripts.
    pub quick: bool,
}

impl Settings {
    /// Reads `SUPERSYSCALL_BENCH_CONFIG`, `SUPERSYSCALL_BENCH_MODE` (`wall`
    /// or `icount`), `SUPERSYSCALL_BENCH_ROUNDS` and
    /// `SUPERSYSCALL_BENCH_QUICK` (`1` for short runs). Without them the run
    /// is named `host`, measures wall time and makes 3 rounds, or 1 under
    /// icount, where figures repeat exactly.
    pub fn from_env() -> Settings {
        let config = std::env::var("SUPERSYSCALL_BENCH_CONFIG").unwrap_or_else(|_| "host".into());
        let mode = match std::env::var("SUPERSYSCALL_BENCH_MODE").as_deref() {
            Ok("icount") => Mode::Icount,
            _ => Mode::Wall,
        };
        let default_rounds = if mode == Mode::Icount { 1 } else { 3 };
        let rounds = std::env::var("SUPERSYSCALL_BENCH_ROUNDS")
            .ok()
            .and_then(|text| text.parse().ok())
            .filter(|&rounds| rounds > 0)
            .unwrap_or(default_rounds);
        let quick = std::env::var("SUPERSYSCALL_BENCH_QUICK").as_deref() == Ok("1");
        Settings {
            config,
            mode,
            rounds,
            quick,
        }
    }

    /// Returns the mode's name as results carry it.
    pub fn mode_name(&self) -> &'static str {
        match self.mode {
            Mode::Wall => "wall",
            Mode::Icount => "icount",
        }
    }
}

/// Returns the trimmed contents of `path`, or the error in angle brackets.
pub fn read_text(path: &str) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => text.trim_end().to_string(),
        Err(error) => format!("<{error}>"),
    }
}

/// Returns the kernel's current clocksource, such as `tsc`.
pub fn clocksource() -> String {
    read_text(CLOCKSOURCE)
}

/// Waits until the clocksource is `tsc`, for at most `limit`, and returns
/// the clocksource in use then.
///
/// The guest kernel starts on another clocksource and switches to the TSC
/// about a second after boot, once it trusts it. A measurement that spans
/// the switch mixes two clocks. Hosts and guests whose kernel never picks
/// the TSC (a `kvm-clock` guest, say) wait the whole `limit`, and the
/// clocksource is reported with the results.
pub fn wait_for_tsc(limit: Duration) -> String {
    let start = Instant::now();
    loop {
        let current = clocksource();
        if current == "tsc" || start.elapsed() >= limit {
            return current;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Emits an `info` record: the settings, clocksource, kernel version and
/// command line, CPU model and every file of
/// `/sys/devices/system/cpu/vulnerabilities`.
pub fn emit_info(settings: &Settings, program: &str, clocksource: &str) {
    let cpuinfo = read_text("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "<no model name in /proc/cpuinfo>".into());

    let mut vulnerabilities = Vec::new();
    match std::fs::read_dir(VULNERABILITIES) {
        Ok(entries) => {
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for name in names {
                let text = read_text(&format!("{VULNERABILITIES}/{name}"));
                vulnerabilities.push((name, text));
            }
        }
        Err(error) => {
            vulnerabilities.push(("<error>".into(), format!("{VULNERABILITIES}: {error}")))
        }
    }

    report::emit(&[
        ("record", Value::from("info")),
        ("program", Value::from(program)),
        ("config", Value::from(settings.config.as_str())),
        ("mode", Value::from(settings.mode_name())),
        ("rounds", Value::from(settings.rounds)),
        ("quick", Value::from(settings.quick)),
        ("clocksource", Value::from(clocksource)),
        ("kernel", Value::from(read_text("/proc/version"))),
        ("cmdline", Value::from(read_text("/proc/cmdline"))),
        ("cpu", Value::from(model)),
        ("vulnerabilities", Value::Strings(vulnerabilities)),
    ]);
}
