//! Counts the heap allocations of building and submitting batches: a batch
//! allocates only while entries are added, and a submit allocates nothing.

// This test needs only `common::backend()`.
#[allow(dead_code)]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::CStr;

use supersyscall::{Batch, DirFd};

/// The system allocator, counting the allocations of each thread apart, so
/// that the test harness's other threads do not disturb the counts.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    ALLOCATIONS.with(|count| count.set(count.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments, so
// it upholds `GlobalAlloc`'s contract as `System` does.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` or `realloc` above, that is from
        // `System`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as for `dealloc`, and the caller upholds `realloc`'s
        // contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Returns the allocations that `work` makes on this thread, with its
/// result.
fn allocations<T>(work: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let value = work();
    (ALLOCATIONS.with(Cell::get) - before, value)
}

#[test]
fn submit_of_getppid_batch_allocates_nothing() {
    // The first call probes the kernel and caches the result.
    let backend = common::backend();

    for size in [1, 8, 64, 512] {
        let (build, batch) = allocations(|| {
            let mut batch = Batch::with_capacity(size);
            for _ in 0..size {
                batch.getppid();
            }
            batch
        });
        // entries, effects, closed_by, results and fds: one vector each.
        assert_eq!(build, 5, "building {size} entries");

        let (submit, completion) = allocations(|| batch.submit_with(backend));
        let completion = completion.expect("submit failed");
        assert_eq!(completion.backend(), backend);
        assert_eq!(completion.count(), size);
        assert_eq!(submit, 0, "submitting {size} getppid entries");
    }
}

#[test]
fn submit_of_open_read_close_allocates_nothing() {
    let backend = common::backend();
    let path: &CStr = c"/proc/self/stat";
    let mut buffer = [0u8; 16];

    let mut batch = Batch::with_capacity(3);
    let fd = batch.openat(DirFd::Cwd, path, libc::O_RDONLY | libc::O_CLOEXEC, 0);
    let read = batch.read(fd, &mut buffer);
    let close = batch.close(fd);

    let (submit, completion) = allocations(|| batch.submit_with(backend));
    let completion = completion.expect("submit failed");
    assert_eq!(submit, 0);
    assert_eq!(completion.count(), 3);
    assert_eq!(completion.result(read), Ok(16));
    assert_eq!(completion.result(close), Ok(()));
}

#[test]
fn build_without_capacity_grows_vectors() {
    let (build, batch) = allocations(|| {
        let mut batch = Batch::new();
        for _ in 0..64 {
            batch.getppid();
        }
        batch
    });
    // Five vectors, each grown from 0 to 4, 8, 16, 32 and 64 slots.
    assert_eq!(build, 25);
    drop(batch);
}
