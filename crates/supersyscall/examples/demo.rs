//! Shows supersyscall at work: two writes in one batch, a chained
//! openat -> read -> close, and the cost of 64 getppid calls one by one and
//! in one batch.
//!
//! Usage: `demo [FILE]`, where FILE (default /etc/os-release) is the file
//! whose first line part (b) prints.

use std::error::Error;
use std::ffi::CString;
use std::io::Write;
use std::time::Instant;

use supersyscall::{Backend, Batch, DirFd};

/// The number of getppid calls per round.
const CALLS: usize = 64;
/// Rounds measured, after `WARMUP_ROUNDS` unmeasured ones.
const ROUNDS: usize = 200;
const WARMUP_ROUNDS: usize = 20;

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args_os()
        .nth(1)
        .unwrap_or_else(|| "/etc/os-release".into());
    let backend = Backend::detect();

    match backend {
        Backend::Kernel => println!("backend: kernel (supersyscall, system call 423)"),
        Backend::Emulated => {
            println!(
                "backend: emulated (system call 423 is not available, one system call per entry)"
            )
        }
    }

    hello_world(backend)?;
    first_line(backend, &path)?;
    compare_getppid(backend)?;

    Ok(())
}

/// (a) Writes "hello" to stdout and "world" to stderr with one batch.
fn hello_world(backend: Backend) -> Result<(), Box<dyn Error>> {
    println!("(a) one batch, two write entries:");
    std::io::stdout().flush()?;

    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut batch = Batch::new();
    let hello = batch.write(&stdout, b"    hello (stdout)\n");
    let world = batch.write(&stderr, b"    world (stderr)\n");
    let completion = batch.submit_with(backend)?;

    completion.result(hello)?;
    completion.result(world)?;
    Ok(())
}

/// (b) Prints the first line of `path`, read by openat -> read -> close
/// chained in one batch.
fn first_line(backend: Backend, path: &std::ffi::OsStr) -> Result<(), Box<dyn Error>> {
    let c_path = CString::new(path.as_encoded_bytes())?;
    let mut buffer = [0u8; 4096];

    let mut batch = Batch::new();
    let fd = batch.openat(DirFd::Cwd, &c_path, libc::O_RDONLY | libc::O_CLOEXEC, 0);
    let read = batch.read(fd, &mut buffer);
    let close = batch.close(fd);
    let completion = batch.submit_with(backend)?;

    println!(
        "(b) openat -> read -> close of {}, one batch:",
        path.to_string_lossy()
    );
    let display = path.to_string_lossy();
    completion
        .result(fd)
        .map_err(|errno| format!("openat of {display} failed: {errno}"))?;
    let length = completion
        .result(read)
        .map_err(|errno| format!("read of {display} failed: {errno}"))?;
    completion
        .result(close)
        .map_err(|errno| format!("close of {display} failed: {errno}"))?;

    let line = buffer[..length]
        .split(|&byte| byte == b'\n')
        .next()
        .unwrap_or_default();
    println!("    first line: {}", String::from_utf8_lossy(line));
    Ok(())
}

/// (c) Times `CALLS` getppid calls one by one and in one batch.
fn compare_getppid(backend: Backend) -> Result<(), Box<dyn Error>> {
    let sequential = median_ns_per_call(
        || (),
        |()| {
            for _ in 0..CALLS {
                std::hint::black_box(std::os::unix::process::parent_id());
            }
            Ok(())
        },
    )?;
    let build_and_submit = median_ns_per_call(
        || (),
        |()| {
            let _completion = std::hint::black_box(getppid_batch().submit_with(backend)?);
            Ok(())
        },
    )?;
    let submit = median_ns_per_call(getppid_batch, |batch| {
        let _completion = std::hint::black_box(batch.submit_with(backend)?);
        Ok(())
    })?;

    let saved = match backend {
        Backend::Kernel => CALLS - 1,
        Backend::Emulated => 0,
    };
    println!("(c) {CALLS} x getppid, median of {ROUNDS} rounds:");
    println!("    one by one:             {sequential:8.1} ns per call");
    println!("    one batch, submit only: {submit:8.1} ns per call");
    println!("    one batch, build too:   {build_and_submit:8.1} ns per call");
    println!(
        "    one-by-one time / batch submit time: {:.2}",
        sequential / submit
    );
    println!("    kernel entries saved per batch: {saved} (on the {backend} backend)");
    Ok(())
}

fn getppid_batch() -> Batch<'static> {
    let mut batch = Batch::new();
    for _ in 0..CALLS {
        batch.getppid();
    }
    batch
}

/// Runs `setup` and then `round` on its output `WARMUP_ROUNDS + ROUNDS`
/// times, and returns the median time of the measured rounds, without
/// `setup`, divided by `CALLS`, in nanoseconds.
fn median_ns_per_call<T>(
    mut setup: impl FnMut() -> T,
    mut round: impl FnMut(T) -> Result<(), Box<dyn Error>>,
) -> Result<f64, Box<dyn Error>> {
    for _ in 0..WARMUP_ROUNDS {
        round(setup())?;
    }

    let mut times = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let input = setup();
        let start = Instant::now();
        round(input)?;
        times.push(start.elapsed().as_nanos() as f64 / CALLS as f64);
    }

    times.sort_by(f64::total_cmp);
    Ok(times[ROUNDS / 2])
}
