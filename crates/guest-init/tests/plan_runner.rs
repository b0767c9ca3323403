//! Runs the init binary as an ordinary process on the host (not PID 1), where
//! it mounts nothing and exits with the plan's final status, and checks the
//! statuses and log lines of whole plans.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let number = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("guest-init-test-{}-{number}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create the temporary folder");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Writes an executable shell script.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write the script");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
            .expect("make the script executable");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Writes `text` as the plan `name` in `plans` and runs init with that plan.
fn run_plan(plans: &TempDir, name: &str, text: &str) -> (i32, String) {
    fs::write(plans.path().join(name), text).expect("write the plan");
    run_init(plans, &[name])
}

fn run_init(plans: &TempDir, args: &[&str]) -> (i32, String) {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_init"))
        .args(args)
        .env("GUEST_INIT_PLAN_DIR", plans.path())
        .output()
        .expect("run init");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let status = output.status.code().expect("init exited with a status");
    (status, text)
}

#[test]
fn passing_plan_exits_zero() {
    let plans = TempDir::new();

    let (status, output) = run_plan(&plans, "pass", "# comment\n\ntrue\n");

    assert_eq!(status, 0, "{output}");
    assert!(output.contains("guest: run true\n"), "{output}");
    assert!(
        output.contains("guest: true exited with status 0"),
        "{output}"
    );
    assert!(
        output.contains("guest: plan pass finished with status 0"),
        "{output}"
    );
}

#[test]
fn failure_runs_rest_and_keeps_first() {
    let plans = TempDir::new();
    let exit3 = plans.script("exit3", "exit 3");
    let marker = plans.path().join("ran-last");
    let text = format!("{}\nfalse\ntouch {}\n", exit3.display(), marker.display());

    let (status, output) = run_plan(&plans, "mixed", &text);

    assert_eq!(status, 3, "{output}");
    assert!(output.contains("exited with status 3"), "{output}");
    assert!(
        output.contains("guest: false exited with status 1"),
        "{output}"
    );
    assert!(
        marker.exists(),
        "the step after the failures did not run: {output}"
    );
    assert!(
        output.contains("guest: plan mixed finished with status 3"),
        "{output}"
    );
}

#[test]
fn environment_words_set_variables() {
    let plans = TempDir::new();
    let check = plans.script(
        "check",
        r#"test "$GREETING" = hello && test "$EMPTY" = "" && test "$1" = arg"#,
    );
    let text = format!("GREETING=hello EMPTY= {} arg\n", check.display());

    let (status, output) = run_plan(&plans, "env", &text);

    assert_eq!(status, 0, "{output}");
    assert!(
        output.contains(&format!(
            "guest: run GREETING=hello EMPTY= {} arg",
            check.display()
        )),
        "{output}"
    );
}

#[test]
fn variables_apply_to_one_line() {
    let plans = TempDir::new();
    let check = plans.script("check", r#"test -z "$ONLY_FIRST""#);
    let text = format!("ONLY_FIRST=1 true\n{}\n", check.display());

    let (status, output) = run_plan(&plans, "scoped", &text);

    assert_eq!(status, 0, "{output}");
}

#[test]
fn signal_maps_to_128_plus_number() {
    let plans = TempDir::new();
    let crash = plans.script("crash", "kill -SEGV $$");

    let (status, output) = run_plan(&plans, "signal", &format!("{}\n", crash.display()));

    assert_eq!(status, 128 + 11, "{output}");
    assert!(output.contains("killed by signal 11 (SIGSEGV"), "{output}");
}

#[test]
fn missing_command_is_127() {
    let plans = TempDir::new();

    let (status, output) = run_plan(&plans, "missing", "/nonexistent/program\ntrue\n");

    assert_eq!(status, 127, "{output}");
    assert!(
        output.contains("guest: cannot run /nonexistent/program:"),
        "{output}"
    );
    assert!(
        output.contains("guest: true exited with status 0"),
        "{output}"
    );
}

#[test]
fn non_executable_command_is_126() {
    let plans = TempDir::new();
    let path = plans.path().join("data");
    fs::write(&path, "not a program").unwrap();

    let (status, output) = run_plan(&plans, "noexec", &format!("{}\n", path.display()));

    assert_eq!(status, 126, "{output}");
}

#[test]
fn missing_plan_is_setup_failure() {
    let plans = TempDir::new();

    let (status, output) = run_init(&plans, &["absent"]);

    assert_eq!(status, 125, "{output}");
    let expected = format!(
        "guest: cannot read plan {}:",
        plans.path().join("absent").display()
    );
    assert!(output.contains(&expected), "{output}");
}

#[test]
fn missing_plan_name_is_setup_failure() {
    let plans = TempDir::new();

    let (status, output) = run_init(&plans, &[]);

    assert_eq!(status, 125, "{output}");
    assert!(output.contains("missing plan name"), "{output}");
}

#[test]
fn last_argument_is_plan_name() {
    let plans = TempDir::new();
    fs::write(plans.path().join("real"), "true\n").unwrap();

    let (status, output) = run_init(&plans, &["unknown-boot-word", "real"]);

    assert_eq!(status, 0, "{output}");
    assert!(
        output.contains("guest: plan real finished with status 0"),
        "{output}"
    );
}

#[test]
fn invalid_plan_runs_nothing() {
    let plans = TempDir::new();
    let marker = plans.path().join("ran");
    let text = format!("touch {}\nA=1\n", marker.display());

    let (status, output) = run_plan(&plans, "bad", &text);

    assert_eq!(status, 125, "{output}");
    assert!(output.contains("line 2: missing command"), "{output}");
    assert!(!marker.exists(), "a step ran although the plan is invalid");
}

#[test]
fn empty_plan_is_setup_failure() {
    let plans = TempDir::new();

    let (status, output) = run_plan(&plans, "empty", "# nothing\n");

    assert_eq!(status, 125, "{output}");
    assert!(output.contains("no commands"), "{output}");
}

#[test]
fn run_all_runs_each_in_order() {
    let plans = TempDir::new();
    let tests = TempDir::new();
    let log = plans.path().join("order");
    let body = format!(
        r#"test "$BACKEND" = kernel && test "$1" = --flag && echo "$0" >> {}"#,
        log.display()
    );
    tests.script("b-second", &body);
    tests.script("a-first", &body);
    fs::write(tests.path().join("notes.txt"), "skipped").unwrap();
    let text = format!("BACKEND=kernel run-all {} --flag\n", tests.path().display());

    let (status, output) = run_plan(&plans, "all", &text);

    assert_eq!(status, 0, "{output}");
    let order = fs::read_to_string(&log).unwrap();
    let expected = format!(
        "{}\n{}\n",
        tests.path().join("a-first").display(),
        tests.path().join("b-second").display()
    );
    assert_eq!(order, expected, "{output}");
    assert!(output.contains("run-all: skipping"), "{output}");
    assert!(output.contains(": 2 programs"), "{output}");
}

#[test]
fn run_all_failure_keeps_first() {
    let plans = TempDir::new();
    let tests = TempDir::new();
    tests.script("1", "exit 0");
    tests.script("2", "exit 4");
    tests.script("3", "exit 5");

    let (status, output) = run_plan(
        &plans,
        "all",
        &format!("run-all {}\n", tests.path().display()),
    );

    assert_eq!(status, 4, "{output}");
    assert!(
        output.contains("exited with status 5"),
        "the last program did not run: {output}"
    );
}

#[test]
fn run_all_empty_directory_fails() {
    let plans = TempDir::new();
    let tests = TempDir::new();

    let (status, output) = run_plan(
        &plans,
        "all",
        &format!("run-all {}\n", tests.path().display()),
    );

    assert_eq!(status, 125, "{output}");
    assert!(output.contains("no executable files found"), "{output}");
}

#[test]
fn run_all_missing_directory_fails() {
    let plans = TempDir::new();

    let (status, output) = run_plan(&plans, "all", "run-all /nonexistent/tests\n");

    assert_eq!(status, 125, "{output}");
    assert!(
        output.contains("run-all /nonexistent/tests: cannot list the directory"),
        "{output}"
    );
}
