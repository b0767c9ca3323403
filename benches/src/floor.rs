//! The bare batch syscall of the `bench` kernels, the "floor" that
//! supersyscall is measured against.
//!
//! ```text
//! long batch(long *rets, const struct floor_entry *entries, unsigned int n);
//! ```
//!
//! Per entry the kernel copies the entry in, builds the registers, calls the
//! system call table and stores the result, with no checks of any kind:
//! no deny list, no flags, no chaining, no signal stops. It returns `n`.
//! Only the `bench` kernel profiles have it; elsewhere number 463 returns
//! `ENOSYS`.

use core::mem::size_of;

/// The system call number of the floor batch on the `bench` kernels.
pub const NR_FLOOR: libc::c_long = 463;

/// One entry of a floor batch: 56 bytes, without supersyscall's reserved
/// word.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FloorEntry {
    /// The system call number.
    pub nr: u32,
    /// Unused, and must be zero.
    pub flags: u32,
    /// The arguments, in register order.
    pub args: [u64; 6],
}

const _: () = assert!(size_of::<FloorEntry>() == 56);

/// Runs `entries` with the floor batch, storing each result in `results`,
/// and returns what `syscall(3)` returns: the entry count, or -1 with
/// `errno` set.
///
/// # Safety
///
/// Every pointer in the entries' arguments must be valid for what its
/// system call does with it, and nothing else may access that memory until
/// the call returns.
///
/// # Panics
///
/// If `results` is shorter than `entries`.
pub unsafe fn run(results: &mut [i64], entries: &[FloorEntry]) -> i64 {
    assert!(results.len() >= entries.len(), "one result slot per entry");
    // SAFETY: `results` has a slot for each of the `entries.len()` entries,
    // both stay borrowed for the call, and the caller vouches for the
    // pointers inside the entries.
    unsafe {
        libc::syscall(
            NR_FLOOR,
            results.as_mut_ptr(),
            entries.as_ptr(),
            entries.len() as libc::c_uint,
        )
    }
}

/// Returns `Ok` when the kernel has the floor batch, checked with one
/// `getppid` entry, and the reason to skip it otherwise.
pub fn probe() -> Result<(), String> {
    let entries = [FloorEntry {
        nr: libc::SYS_getppid as u32,
        ..FloorEntry::default()
    }];
    let mut results = [i64::MIN];
    // SAFETY: getppid takes no pointers.
    let returned = unsafe { run(&mut results, &entries) };
    let error = std::io::Error::last_os_error();
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() } as i64;

    match returned {
        1 if results[0] == parent => Ok(()),
        -1 if error.raw_os_error() == Some(libc::ENOSYS) => {
            Err(format!("system call {NR_FLOOR} returned ENOSYS: only the bench kernels have the floor batch"))
        }
        -1 => Err(format!(
            "system call {NR_FLOOR} failed for one getppid entry ({error}): it is another call here, not the floor batch"
        )),
        _ => Err(format!(
            "system call {NR_FLOOR} returned {returned} with result {} for one getppid entry, expected 1 and {parent}: it is another call here, not the floor batch",
            results[0]
        )),
    }
}
