//! supersyscall called directly on a prepared array of entries, without the
//! crate's batch building, checks and result decoding. Benchmarks use it to
//! separate the kernel's cost from the crate's.

use supersyscall::abi::{Entry, NR_SUPERSYSCALL};
use supersyscall::Backend;

/// Runs `entries` with `supersyscall(results, entries, len, flags)` and
/// returns what `syscall(3)` returns: the number of entries processed, or
/// -1 with `errno` set.
///
/// # Safety
///
/// Every pointer in the entries' arguments must be valid for what its
/// system call does with it, and nothing else may access that memory until
/// the call returns. Descriptors that entries create or close are the
/// caller's to track.
///
/// # Panics
///
/// If `results` is shorter than `entries`.
pub unsafe fn run(results: &mut [i64], entries: &[Entry], flags: u32) -> i64 {
    assert!(results.len() >= entries.len(), "one result slot per entry");
    // SAFETY: `results` has a slot for each entry, both slices stay borrowed
    // for the call, and the caller vouches for the pointers inside the
    // entries.
    unsafe {
        libc::syscall(
            NR_SUPERSYSCALL as libc::c_long,
            results.as_mut_ptr(),
            entries.as_ptr(),
            entries.len() as libc::c_uint,
            flags as libc::c_uint,
        )
    }
}

/// Returns `Ok` when the kernel has supersyscall, and the reason to skip
/// the supersyscall methods otherwise.
pub fn probe() -> Result<(), String> {
    match Backend::detect() {
        Backend::Kernel => Ok(()),
        Backend::Emulated => Err(format!(
            "system call {NR_SUPERSYSCALL} is not available (ENOSYS, or rejected by seccomp or the sysctl kernel.supersyscall_disabled)"
        )),
    }
}

/// Returns an entry for system call `nr` with `args`.
pub fn entry(nr: libc::c_long, args: [u64; 6]) -> Entry {
    Entry {
        nr: nr as u32,
        flags: 0,
        args,
        reserved: 0,
    }
}
