//! The arena: one private mapping, reserved once at start, that contains every
//! buffer a batch's entries point at, at fixed offsets.
//!
//! Processes forked from the tool inherit it at the same address, so the
//! same batch names the same memory in every child, and a random entry that
//! reads or writes through a pointer only ever touches the arena. Rust code
//! reaches the arena through raw pointers only, never through references, so
//! entries may rewrite, unmap or protect its pages at any time.

use std::sync::OnceLock;

use supersyscall::abi::Entry;

use crate::sys::{map_anonymous, PAGE};

/// The largest entry array a batch uses, past the kernel's cap of 1024, so
/// that counts above the cap point at readable memory.
pub const MAX_BATCH: usize = 1152;

/// The arena's regions, as page offsets from its start.
pub const ENTRIES_PAGE: usize = 0;
/// Result slots: [`MAX_BATCH`] 8-byte slots.
pub const RESULTS_PAGE: usize = 18;
/// Buffers whose contents differ between runs (times, inode numbers). They
/// lie below the data region, because an entry with a long chained count
/// reads or writes upward from its buffer, and must only reach compared
/// memory.
pub const VOLATILE_PAGE: usize = 21;
/// Buffers that entries read and write; part of the compared state.
pub const DATA_PAGE: usize = 23;
/// The number of pages in the data region.
pub const DATA_PAGES: usize = 8;
/// Path names, a short timespec and other constant inputs.
pub const NAMES_PAGE: usize = 31;
/// Pages that entries may map, unmap, protect and advise.
pub const WORLD_MAP_PAGE: usize = 32;
/// The number of pages in the world mapping.
pub const WORLD_MAP_PAGES: usize = 16;
/// A page that is always `PROT_NONE`: every access faults.
pub const GUARD_PAGE: usize = 48;
/// The arena's size in pages.
pub const ARENA_PAGES: usize = 49;

/// The byte offset of the short timespec in the names page.
pub const TIMESPEC_OFFSET: usize = 3072;

/// The names entries pass to path calls, relative to the scratch folder.
pub const NAMES: [&str; 8] = ["a", "b", "c", "d", "d/e", "f", "", "d/g"];

/// The size of one name slot in the names page.
pub const NAME_SLOT: usize = 32;

static BASE: OnceLock<usize> = OnceLock::new();

/// Maps the arena, or exits. Call once, before the first fork.
pub fn reserve() {
    BASE.get_or_init(|| {
        let base = map_anonymous(
            ARENA_PAGES * PAGE,
            libc::PROT_READ | libc::PROT_WRITE,
            false,
        );
        // SAFETY: the guard page lies inside the mapping just made, which no
        // Rust value uses.
        unsafe {
            libc::mprotect(base.add(GUARD_PAGE * PAGE).cast(), PAGE, libc::PROT_NONE);
        }
        base as usize
    });
}

/// Returns the address of page `page` of the arena.
pub fn page(page: usize) -> usize {
    let base = *BASE.get_or_init(|| crate::sys::fatal("the arena is used before it is reserved"));
    base + page * PAGE
}

/// Returns the arena's entry array.
pub fn entries() -> *mut Entry {
    page(ENTRIES_PAGE) as *mut Entry
}

/// Returns the arena's result slots.
pub fn results() -> *mut i64 {
    page(RESULTS_PAGE) as *mut i64
}

/// Returns the address of name `index` of [`NAMES`].
pub fn name(index: usize) -> usize {
    page(NAMES_PAGE) + index * NAME_SLOT
}

/// Writes the constant inputs (names and the timespec) into the names page.
pub fn write_names() {
    for (index, text) in NAMES.iter().enumerate() {
        let target = name(index) as *mut u8;
        // SAFETY: each name is shorter than a slot, and the slot lies in the
        // arena's names page, which no Rust value references.
        unsafe {
            core::ptr::copy_nonoverlapping(text.as_ptr(), target, text.len());
            target.add(text.len()).write(0);
        }
    }

    let timespec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 1000,
    };
    // SAFETY: the offset leaves room for a timespec inside the names page,
    // and the page is aligned, so the write is aligned too.
    unsafe { ((page(NAMES_PAGE) + TIMESPEC_OFFSET) as *mut libc::timespec).write(timespec) };
}

/// Copies `entries` into the arena's entry array.
pub fn store_entries(entries: &[Entry]) {
    let count = entries.len().min(MAX_BATCH);
    // SAFETY: the entry array contains MAX_BATCH entries, and no Rust value
    // references it.
    unsafe { core::ptr::copy_nonoverlapping(entries.as_ptr(), self::entries(), count) };
}

/// Sets the first `count` result slots to `value`.
pub fn fill_results(count: usize, value: i64) {
    for index in 0..count.min(MAX_BATCH) {
        // SAFETY: the result region contains MAX_BATCH slots.
        unsafe { results().add(index).write_volatile(value) };
    }
}

/// Reads the first `count` result slots.
pub fn read_results(count: usize) -> Vec<i64> {
    (0..count.min(MAX_BATCH))
        // SAFETY: the result region contains MAX_BATCH slots.
        .map(|index| unsafe { results().add(index).read_volatile() })
        .collect()
}
