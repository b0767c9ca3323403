//! The strace-like `Debug` output of batches and completions: one line per
//! entry with its system call's name, its arguments and, after a run, its
//! result.

use core::fmt;

use crate::abi::{entry_arg_result, Entry};
use crate::errno::{is_failure, Errno};

/// The calls of the constructors outside the declarative tables, with their
/// argument counts.
const OTHER_NAMES: &[(libc::c_long, &str, usize)] = &[
    (libc::SYS_close, "close", 1),
    (libc::SYS_mmap, "mmap", 6),
    (libc::SYS_getsockopt, "getsockopt", 5),
];

/// Returns the name and argument count of system call `nr`, if a
/// constructor of the crate makes it. Calls that several constructors make
/// (`fcntl`) report the first one's count.
fn lookup(nr: u32) -> Option<(&'static str, usize)> {
    crate::syscalls::SAFE_NAMES
        .iter()
        .chain(crate::raw::UNSAFE_NAMES)
        .chain(OTHER_NAMES)
        .find(|&&(number, _, _)| number == libc::c_long::from(nr))
        .map(|&(_, name, count)| (name, count))
}

/// Returns the name of system call `nr`, or `syscall_N` for a number no
/// constructor makes.
pub(crate) fn name_of(nr: u32) -> String {
    match lookup(nr) {
        Some((name, _)) => name.to_owned(),
        None => format!("syscall_{nr}"),
    }
}

/// Writes `value` as strace does: small and negative numbers in decimal,
/// addresses and large numbers in hexadecimal.
fn write_value(f: &mut fmt::Formatter<'_>, value: u64) -> fmt::Result {
    let signed = value as i64;
    if (-4096..=0xffff).contains(&signed) {
        write!(f, "{signed}")
    } else {
        write!(f, "{value:#x}")
    }
}

/// Writes a result: its value, or `-1 ENAME` for a failure.
fn write_result(f: &mut fmt::Formatter<'_>, result: i64) -> fmt::Result {
    if is_failure(result) {
        let errno = Errno::from_raw(-result as i32);
        match errno.name() {
            Some(name) => write!(f, "-1 {name}"),
            None => write!(f, "-1 errno {}", -result),
        }
    } else {
        write_value(f, result as u64)
    }
}

/// Writes one entry as `name(arg, arg, ...)`. A chained argument shows as
/// `$i`, the result of entry `i`, followed by its value when `results`
/// contains it.
pub(crate) fn write_entry(
    f: &mut fmt::Formatter<'_>,
    entry: &Entry,
    results: Option<&[i64]>,
) -> fmt::Result {
    let name = name_of(entry.nr);
    let count = lookup(entry.nr).map_or(6, |(_, count)| count);
    write!(f, "{name}(")?;
    for (k, &value) in entry.args.iter().enumerate().take(count) {
        if k > 0 {
            write!(f, ", ")?;
        }
        if entry.flags & entry_arg_result(k) == 0 {
            write_value(f, value)?;
            continue;
        }
        write!(f, "${value}")?;
        let resolved = results.and_then(|results| results.get(value as usize));
        if let Some(&result) = resolved.filter(|&&result| !is_failure(result)) {
            write!(f, "=")?;
            write_value(f, result as u64)?;
        }
    }
    write!(f, ")")
}

/// Writes the result part of an entry after a run: ` = result`, with a note
/// for an entry that did not run.
pub(crate) fn write_outcome(
    f: &mut fmt::Formatter<'_>,
    index: usize,
    count: usize,
    skipped: bool,
    result: i64,
) -> fmt::Result {
    write!(f, " = ")?;
    if index >= count {
        return write!(f, "? (not reached)");
    }
    write_result(f, result)?;
    if skipped {
        write!(f, " (skipped: a chained source failed)")?;
    }
    Ok(())
}
