//! Times whole tools on the benchmark's 10,000-file tree, each run as its
//! own process, the way a user would time them:
//!
//! - the `du` example with batched `statx`, the same tool with
//!   `--sequential`, and GNU `du -sk` where `/usr/bin/du` exists;
//! - the `read_files` example, batched and `--sequential`.
//!
//! Before timing, it runs each tool once and checks that the tools of a
//! group print the same totals. Then it runs `SUPERSYSCALL_BENCH_TOOL_ROUNDS`
//! rounds (default 5, or 3 under icount), each running every tool once, in
//! an order that rotates each round, and emits one `tool` record per tool
//! with every run's time.
//!
//! The examples are looked up in `$SUPERSYSCALL_BENCH_TOOLS`, or in
//! `examples/` next to this program's folder, where `cargo build --release
//! --examples` puts them on the host. A missing tool is skipped with a
//! `skip` record that names its path.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use supersyscall_benches::guest::{self, Mode, Settings};
use supersyscall_benches::report::{self, median, Value};
use supersyscall_benches::tree::Tree;

/// GNU du, from Debian's coreutils.
const GNU_DU: &str = "/usr/bin/du";

/// One tool run: a group of tools that must agree, a name, and the
/// command line.
struct Tool {
    group: &'static str,
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
}

impl Tool {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        command
    }

    /// Returns the totals in the tool's output, with the path left out: du's first field, or the whole line of `read_files`.
    fn summary(&self, output: &str) -> String {
        let line = output.lines().next().unwrap_or("");
        match self.group {
            "du" => line.split('\t').next().unwrap_or("").to_string(),
            _ => line.to_string(),
        }
    }
}

fn examples_folder() -> PathBuf {
    if let Some(folder) = std::env::var_os("SUPERSYSCALL_BENCH_TOOLS") {
        return PathBuf::from(folder);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    profile.join("examples")
}

fn emit_skip(settings: &Settings, tool: &str, reason: String) {
    println!("skipping {tool}: {reason}");
    report::emit(&[
        ("record", Value::from("skip")),
        ("config", Value::from(settings.config.as_str())),
        ("tool", Value::from(tool)),
        ("reason", Value::from(reason)),
    ]);
}

fn fail(message: String) -> ! {
    report::emit(&[
        ("record", Value::from("error")),
        ("message", Value::from(message.as_str())),
    ]);
    eprintln!("error: {message}");
    std::process::exit(1);
}

fn main() {
    let settings = Settings::from_env();
    let clocksource = guest::wait_for_tsc(Duration::from_secs(5));
    guest::emit_info(&settings, "tools", &clocksource);

    let tree = Tree::open_or_create()
        .unwrap_or_else(|error| fail(format!("creating the file tree failed: {error}")));
    let top = tree.top().to_string_lossy().into_owned();
    let examples = examples_folder();
    let du = examples.join("du");
    let read_files = examples.join("read_files");
    let candidates = [
        Tool {
            group: "du",
            name: "du batched",
            program: du.clone(),
            args: vec![top.clone()],
        },
        Tool {
            group: "du",
            name: "du sequential",
            program: du,
            args: vec!["--sequential".into(), top.clone()],
        },
        Tool {
            group: "du",
            name: "GNU du",
            program: GNU_DU.into(),
            args: vec!["-sk".into(), top.clone()],
        },
        Tool {
            group: "read",
            name: "read_files batched",
            program: read_files.clone(),
            args: vec![top.clone()],
        },
        Tool {
            group: "read",
            name: "read_files sequential",
            program: read_files,
            args: vec!["--sequential".into(), top],
        },
    ];

    let mut tools = Vec::new();
    for tool in candidates {
        if tool.program.is_file() {
            tools.push(tool);
        } else {
            let reason = format!("{} not found", tool.program.display());
            emit_skip(&settings, tool.name, reason);
        }
    }
    check_agreement(&settings, &tools);

    let default_rounds = if settings.mode == Mode::Icount { 3 } else { 5 };
    let rounds = std::env::var("SUPERSYSCALL_BENCH_TOOL_ROUNDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .filter(|&rounds: &usize| rounds > 0)
        .unwrap_or(default_rounds);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); tools.len()];
    for round in 0..rounds {
        for position in 0..tools.len() {
            let index = (position + round) % tools.len();
            let tool = &tools[index];
            let start = Instant::now();
            let status = tool.command().stdout(Stdio::null()).status();
            let elapsed = start.elapsed();
            match status {
                Ok(status) if status.success() => times[index].push(elapsed.as_secs_f64() * 1e3),
                Ok(status) => fail(format!("{} failed: {status}", tool.name)),
                Err(error) => fail(format!("{} did not start: {error}", tool.name)),
            }
        }
    }

    for (tool, runs) in tools.iter().zip(times) {
        println!(
            "{}: median {:.2} ms over {} runs",
            tool.name,
            median(&runs),
            runs.len()
        );
        report::emit(&[
            ("record", Value::from("tool")),
            ("config", Value::from(settings.config.as_str())),
            ("mode", Value::from(settings.mode_name())),
            ("group", Value::from(tool.group)),
            ("tool", Value::from(tool.name)),
            ("median_ms", Value::from(median(&runs))),
            ("runs_ms", Value::from(runs)),
            ("clocksource", Value::from(guest::clocksource())),
        ]);
    }
}

/// Runs each tool once and fails the run unless the tools of each group
/// print the same summary.
fn check_agreement(settings: &Settings, tools: &[Tool]) {
    let mut first: Vec<(&str, String, &str)> = Vec::new();
    for tool in tools {
        let output = match tool.command().stderr(Stdio::inherit()).output() {
            Ok(output) if output.status.success() => output,
            Ok(output) => fail(format!("{} failed: {}", tool.name, output.status)),
            Err(error) => fail(format!("{} did not start: {error}", tool.name)),
        };
        let summary = tool.summary(&String::from_utf8_lossy(&output.stdout));
        println!("{}: {summary}", tool.name);
        report::emit(&[
            ("record", Value::from("tool-output")),
            ("config", Value::from(settings.config.as_str())),
            ("tool", Value::from(tool.name)),
            ("summary", Value::from(summary.as_str())),
        ]);
        match first.iter().find(|(group, _, _)| *group == tool.group) {
            Some((_, expected, name)) if *expected != summary => {
                fail(format!(
                    "{} printed '{summary}' but {name} printed '{expected}'",
                    tool.name
                ));
            }
            Some(_) => {}
            None => first.push((tool.group, summary, tool.name)),
        }
    }
}
