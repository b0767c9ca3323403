//! Running plan steps as child processes and turning their results into
//! exit statuses.
//!
//! Statuses follow the shell's conventions, so that a reader of the guest log
//! can decode them. A command that ran has its own exit status, or 128 + N
//! when signal N killed it. A command that exists but could not be started
//! has 126, and one that was not found has 127. A failure of init itself has
//! [`STATUS_SETUP_FAILED`].

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Instant;

use crate::plan::{Action, Step};

/// Status for a failure of init itself: a mount, the plan file, or a
/// `run-all` directory that is missing or contains no executable file.
pub const STATUS_SETUP_FAILED: u8 = 125;
/// Status for a command that exists but could not be started (the shell's 126).
const STATUS_NOT_EXECUTABLE: u8 = 126;
/// Status for a command that was not found (the shell's 127).
const STATUS_NOT_FOUND: u8 = 127;

/// The final status of a plan: the status of its first failure, or 0.
#[derive(Debug, Default)]
pub struct FirstFailure {
    status: Option<u8>,
}

impl FirstFailure {
    /// Records a step's status. Only the first non-zero status is kept.
    pub fn record(&mut self, status: u8) {
        if status != 0 && self.status.is_none() {
            self.status = Some(status);
        }
    }

    /// Returns the status of the first failure, or 0 when nothing failed.
    pub fn status(&self) -> u8 {
        self.status.unwrap_or(0)
    }
}

/// Runs one step to completion and returns its status. A `run-all` step runs
/// every file and returns the status of its first failure.
pub fn run_step(step: &Step) -> u8 {
    match &step.action {
        Action::Run { program, args } => run_command(&step.env, program, args),
        Action::RunAll { directory, args } => run_all(&step.env, directory, args),
    }
}

/// Runs every executable regular file in `directory` in byte order of their
/// names. A missing directory or one with no executable file is a failure,
/// so that a test plan that found no tests cannot pass.
fn run_all(env: &[(String, String)], directory: &str, args: &[String]) -> u8 {
    let programs = match list_executables(Path::new(directory)) {
        Ok(programs) => programs,
        Err(error) => {
            println!("guest: run-all {directory}: cannot list the directory: {error}");
            return STATUS_SETUP_FAILED;
        }
    };
    if programs.is_empty() {
        println!("guest: run-all {directory}: no executable files found");
        return STATUS_SETUP_FAILED;
    }

    let count = programs.len();
    let noun = if count == 1 { "program" } else { "programs" };
    println!("guest: run-all {directory}: {count} {noun}");
    let mut result = FirstFailure::default();
    for program in programs {
        result.record(run_command(env, &program.to_string_lossy(), args));
    }
    result.status()
}

/// Lists the executable regular files in `directory`, sorted by name, and
/// prints a line for each other entry that it skips.
fn list_executables(directory: &Path) -> io::Result<Vec<PathBuf>> {
    let mut programs = Vec::new();

    for entry in fs::read_dir(directory)? {
        let path = entry?.path();
        // `metadata` follows symbolic links, so a link to a program counts.
        let metadata = fs::metadata(&path)?;
        let is_executable = metadata.permissions().mode() & 0o111 != 0;
        if metadata.is_file() && is_executable {
            programs.push(path);
        } else {
            println!(
                "guest: run-all: skipping {} (not an executable file)",
                path.display()
            );
        }
    }

    programs.sort();
    Ok(programs)
}

/// Runs `program` with inherited stdio, waits for it and returns its status,
/// printing a line before and after.
fn run_command(env: &[(String, String)], program: &str, args: &[String]) -> u8 {
    println!("guest: run {}", format_command(env, program, args));

    let start = Instant::now();
    let result = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(key, value)| (key, value)))
        .status();
    let seconds = start.elapsed().as_secs_f64();
    reap_orphans();

    match result {
        Ok(status) => {
            println!(
                "guest: {program} {} ({seconds:.2} s)",
                describe_exit(status)
            );
            exit_code(status)
        }
        Err(error) => {
            println!("guest: cannot run {program}: {error}");
            match error.kind() {
                io::ErrorKind::NotFound => STATUS_NOT_FOUND,
                _ => STATUS_NOT_EXECUTABLE,
            }
        }
    }
}

/// Formats a command as the plan line would write it.
fn format_command(env: &[(String, String)], program: &str, args: &[String]) -> String {
    let mut words: Vec<String> = env
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    words.push(program.to_string());
    words.extend(args.iter().cloned());
    words.join(" ")
}

/// Maps an exit status to the shell's convention: the exit status, or 128 + N
/// for a process killed by signal N.
fn exit_code(status: ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        // The kernel keeps only the low 8 bits of an exit status.
        return (code & 0xff) as u8;
    }
    match status.signal() {
        Some(signal) => 128u8.saturating_add(u8::try_from(signal).unwrap_or(u8::MAX)),
        None => STATUS_NOT_EXECUTABLE,
    }
}

/// Describes an exit status for the log: "exited with status N" or "killed
/// by signal N (NAME)".
fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    match status.signal() {
        Some(signal) => {
            let core = if status.core_dumped() {
                ", core dumped"
            } else {
                ""
            };
            format!("killed by signal {signal} ({}{core})", signal_name(signal))
        }
        None => format!("ended with {status}"),
    }
}

/// Names the signals a crashing or killed test usually ends with.
fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGSYS => "SIGSYS",
        _ => "unnamed",
    }
}

/// Reaps zombies left by processes that were orphaned and reparented to
/// init. Called only after the command's own child was waited for, so it
/// cannot take a status that `Command::status` needs.
fn reap_orphans() {
    loop {
        // SAFETY: waitpid with a null status pointer is allowed and touches no
        // memory. WNOHANG makes it return 0 at once when no zombie is left,
        // and -1 (ECHILD) when there are no children at all.
        let pid = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
        if pid <= 0 {
            return;
        }
        println!("guest: reaped orphaned process {pid}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failure_keeps_first() {
        let mut result = FirstFailure::default();

        result.record(0);
        result.record(3);
        result.record(0);
        result.record(1);

        assert_eq!(result.status(), 3);
    }

    #[test]
    fn first_failure_all_passed() {
        let mut result = FirstFailure::default();

        result.record(0);

        assert_eq!(result.status(), 0);
    }

    #[test]
    fn exit_code_of_exit_and_signal() {
        // Wait statuses as waitpid returns them: exit status in bits 8..16,
        // terminating signal in bits 0..7.
        assert_eq!(exit_code(ExitStatus::from_raw(0)), 0);
        assert_eq!(exit_code(ExitStatus::from_raw(3 << 8)), 3);
        assert_eq!(exit_code(ExitStatus::from_raw(255 << 8)), 255);
        assert_eq!(exit_code(ExitStatus::from_raw(libc::SIGSEGV)), 139);
        assert_eq!(exit_code(ExitStatus::from_raw(libc::SIGKILL)), 137);
    }

    #[test]
    fn describe_exit_of_signal() {
        let text = describe_exit(ExitStatus::from_raw(libc::SIGABRT));

        assert_eq!(text, "killed by signal 6 (SIGABRT)");
    }

    #[test]
    fn format_command_like_plan() {
        let env = vec![("A".to_string(), "1".to_string())];
        let args = vec!["x".to_string(), "y".to_string()];

        assert_eq!(format_command(&env, "/bin/a", &args), "A=1 /bin/a x y");
    }
}
