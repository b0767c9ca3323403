//! The crate's own cost on the host, where batches run on the emulated
//! backend: building a 64-entry batch, submitting it, and the same
//! 64 system calls made by hand. It also prints the heap allocations of one
//! build and one submit, counted by a wrapping global allocator.
//!
//! Run with `cargo bench -p supersyscall --bench crate_cost`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use supersyscall::{Backend, Batch};

/// The system allocator, counting every allocation.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the same arguments, which
// upholds `GlobalAlloc`'s contract; the counter is only a side effect.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout, as above.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, that is from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with `layout`, as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const ENTRIES: usize = 64;

fn getppid_batch<'a>() -> Batch<'a> {
    let mut batch = Batch::with_capacity(ENTRIES);
    for _ in 0..ENTRIES {
        batch.getppid();
    }
    batch
}

/// Returns the allocations that `work` makes.
fn allocations(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    work();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

fn crate_cost(c: &mut Criterion) {
    let build = allocations(|| drop(black_box(getppid_batch())));
    let batch = getppid_batch();
    let submit = allocations(|| drop(black_box(batch.submit_with(Backend::Emulated))));
    println!("allocations for {ENTRIES} getppid entries: build {build}, submit {submit}");

    let mut group = c.benchmark_group("crate_cost_64_getppid");
    group.bench_function("build", |b| b.iter(|| black_box(getppid_batch())));
    group.bench_function("build_and_submit_emulated", |b| {
        b.iter(|| black_box(getppid_batch().submit_with(Backend::Emulated)))
    });
    group.bench_function("raw_syscalls_by_hand", |b| {
        b.iter(|| {
            for _ in 0..ENTRIES {
                // SAFETY: getppid has no preconditions.
                black_box(unsafe { libc::syscall(libc::SYS_getppid) });
            }
        })
    });
    group.finish();
}

criterion_group!(benches, crate_cost);
criterion_main!(benches);
