//! Entries and results arrays that run into memory the kernel cannot
//! access: unmapped pages, `PROT_NONE` pages, null and kernel addresses,
//! and a results array that an entry unmaps while the batch runs.
//!
//! Each batch writes single bytes to a pipe, so the pipe shows exactly which
//! entries ran.

use std::time::Instant;

use supersyscall::abi::{Entry, CONTINUE};
use supersyscall::unchecked;

use crate::arena::{self, DATA_PAGE};
use crate::oracle::SENTINEL;
use crate::report::Counters;
use crate::rng::Rng;
use crate::sys::{self, PAGE};
use crate::{worker, Context};

const EFAULT: i64 = -(libc::EFAULT as i64);

/// Two pages of fresh memory: the first read-write, the second unmapped or
/// `PROT_NONE`.
struct Region {
    start: *mut u8,
}

impl Region {
    fn new(second: Second) -> Region {
        let start = sys::map_anonymous(2 * PAGE, libc::PROT_READ | libc::PROT_WRITE, false);
        // SAFETY: the second page belongs to the mapping just made, which
        // no Rust value references.
        unsafe {
            match second {
                Second::Unmapped => libc::munmap(start.add(PAGE).cast(), PAGE),
                Second::Inaccessible => {
                    libc::mprotect(start.add(PAGE).cast(), PAGE, libc::PROT_NONE)
                }
            };
        }
        Region { start }
    }

    /// Returns the address `offset` bytes before the end of the first page.
    fn before_end(&self, offset: usize) -> *mut u8 {
        // SAFETY: the offset stays inside the two pages.
        unsafe { self.start.add(PAGE - offset) }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the region was mapped in `new`, and no reference into it
        // outlives it. Unmapping an unmapped page is harmless.
        unsafe { libc::munmap(self.start.cast(), 2 * PAGE) };
    }
}

#[derive(Clone, Copy)]
enum Second {
    Unmapped,
    Inaccessible,
}

/// Returns `count` entries that each write one byte to `fd`.
fn writes(fd: i32, count: usize) -> Vec<Entry> {
    let byte = arena::page(DATA_PAGE) as u64;
    (0..count)
        .map(|_| Entry {
            nr: libc::SYS_write as u32,
            flags: 0,
            args: [fd as u64, byte, 1, 0, 0, 0],
            reserved: 0,
        })
        .collect()
}

/// Copies `entries` to `target`, which may be unaligned.
///
/// # Safety
///
/// `target` must be valid for writes of `entries.len()` entries.
unsafe fn place(entries: &[Entry], target: *mut u8) {
    // SAFETY: the caller guarantees the room; byte copies need no
    // alignment.
    unsafe {
        core::ptr::copy_nonoverlapping(entries.as_ptr().cast::<u8>(), target, entries.len() * 64)
    };
}

/// Returns the bytes queued in the pipe and discards them.
fn drain(fd: i32) -> usize {
    let mut total = 0;
    let mut buffer = [0u8; 4096];
    loop {
        // SAFETY: the buffer is valid for writes of its length.
        let read = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
        if read <= 0 {
            return total;
        }
        total += read as usize;
    }
}

/// Runs the bad-memory cases with random counts until the deadline.
pub fn memory_round(rng: &mut Rng, context: &Context) -> Result<(), String> {
    let seed = rng.next_u64();
    let deadline = context.deadline;
    let counters = context.counters;

    worker::run(
        deadline,
        |_| false,
        |_| {},
        |_| {
            let (read, write) = {
                let mut ends = [0; 2];
                // SAFETY: pipe2 writes two descriptors into `ends`.
                if unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_NONBLOCK) } != 0 {
                    return Err("pipe2 failed".to_string());
                }
                (ends[0], ends[1])
            };
            let mut rng = Rng::new(seed);
            while Instant::now() < deadline {
                let case = rng.below(7);
                let (count, ret) = run_case(case, &mut rng, write, read)?;
                Counters::add(&counters.bad_pointers, 1);
                counters.record_batch(count, ret.max(0) as u64);
            }
            // SAFETY: both descriptors were created above and are not used
            // afterwards.
            unsafe {
                libc::close(read);
                libc::close(write);
            }
            Ok(())
        },
    )
}

/// Runs bad-memory case `case` and returns the call's count and return
/// value.
fn run_case(case: u64, rng: &mut Rng, write: i32, read: i32) -> Result<(u32, i64), String> {
    let count = rng.range(1, 60) as usize;
    let entries = writes(write, count);
    let mut results = vec![SENTINEL; count];

    let (what, ret, expected_bytes) = match case {
        0 | 1 => {
            // The entries array ends inside the second page.
            let second = if case == 0 {
                Second::Unmapped
            } else {
                Second::Inaccessible
            };
            let region = Region::new(second);
            let cut = rng.range(1, 63) as usize;
            let start = region.before_end(count * 64 - cut);
            // SAFETY: only the bytes before the second page are written.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    entries.as_ptr().cast::<u8>(),
                    start,
                    count * 64 - cut,
                )
            };
            // SAFETY: the kernel must fault on the second page and run
            // nothing; any entry it reads writes one byte to the pipe.
            let ret = unsafe {
                unchecked::supersyscall(results.as_mut_ptr(), start.cast(), count as u32, CONTINUE)
            };
            (
                "an entries array ending inside an inaccessible page",
                ret,
                Some(0),
            )
        }
        2 | 3 => {
            // The results array runs into the second page.
            let second = if case == 2 {
                Second::Unmapped
            } else {
                Second::Inaccessible
            };
            let region = Region::new(second);
            let writable = rng.below(count as u64) as usize;
            let slots = region.before_end(writable * 8).cast::<i64>();
            // SAFETY: the slots before the second page are writable, and
            // the kernel must fault on the second page before it runs any
            // entry.
            let ret =
                unsafe { unchecked::supersyscall(slots, entries.as_ptr(), count as u32, CONTINUE) };
            results.clear();
            (
                "a results array ending inside an inaccessible page",
                ret,
                Some(0),
            )
        }
        4 => {
            // Null, kernel and non-canonical results addresses.
            let address = rng.pick(&[0u64, 0xffff_8880_0000_0000, 0x8000_0000_0000_0000, 8]);
            // SAFETY: the kernel must reject the address before running
            // any entry.
            let ret = unsafe {
                unchecked::supersyscall(address as *mut i64, entries.as_ptr(), count as u32, 0)
            };
            results.clear();
            ("a results address the kernel cannot write", ret, Some(0))
        }
        5 => {
            // An entry unmaps the results array while the batch runs. The
            // kernel stores results afterwards, so the call fails with
            // EFAULT, but the writes that ran stay done.
            let region = Region::new(Second::Unmapped);
            let slots = region.start.cast::<i64>();
            let mut entries = writes(write, 2);
            entries.insert(
                1,
                Entry {
                    nr: libc::SYS_munmap as u32,
                    flags: 0,
                    args: [region.start as u64, PAGE as u64, 0, 0, 0, 0],
                    reserved: 0,
                },
            );
            // SAFETY: the results page is only reached through `slots`,
            // and the region's Drop unmaps it again harmlessly.
            let ret = unsafe { unchecked::supersyscall(slots, entries.as_ptr(), 3, CONTINUE) };
            results.clear();
            let bytes = drain(read);
            // The kernel stores each result as its entry completes, so the
            // failed store of the munmap's result ends the batch before the
            // second write.
            if ret != EFAULT || bytes != 1 {
                return Err(format!(
                    "a batch that unmaps its own results array returned {ret} and wrote {bytes} bytes; expected -EFAULT and 1 byte"
                ));
            }
            return Ok((3, ret));
        }
        _ => {
            // An unaligned entries array gives the same results as an
            // aligned one.
            let region = Region::new(Second::Inaccessible);
            let offset = rng.range(1, 63) as usize;
            // SAFETY: at most 60 entries (3840 bytes) fit between an offset
            // below 64 and the end of the first page.
            unsafe { place(&entries[..count], region.start.add(offset)) };
            // SAFETY: the entries write one byte each to the pipe, and
            // `results` contains at least `count` slots.
            let ret = unsafe {
                unchecked::supersyscall(
                    results.as_mut_ptr(),
                    region.start.add(offset).cast(),
                    count as u32,
                    CONTINUE,
                )
            };
            if ret != count as i64 || results[..count].iter().any(|&slot| slot != 1) {
                return Err(format!(
                    "an entries array at offset {offset} of a page returned {ret} with results {:?}, expected {count} ones",
                    &results[..count]
                ));
            }
            ("an unaligned entries array", ret, Some(count))
        }
    };

    let bytes = drain(read);
    if Some(bytes) != expected_bytes {
        return Err(format!("{what}: the pipe contains {bytes} bytes, expected {expected_bytes:?} (count {count}, ret {ret})"));
    }
    let expected_ret = if expected_bytes == Some(0) {
        EFAULT
    } else {
        ret
    };
    if ret != expected_ret {
        return Err(format!(
            "{what}: the call returned {ret}, expected {expected_ret} (count {count})"
        ));
    }
    if expected_bytes == Some(0) && results.iter().any(|&slot| slot != SENTINEL) {
        return Err(format!(
            "{what}: the call failed but wrote result slots: {results:?}"
        ));
    }
    Ok((count as u32, ret))
}
