//! Five workloads, each as plain sequential system calls, as supersyscall
//! batches (through the crate, and raw on prepared entries), as the bare
//! "floor" batch of the bench kernels and as io_uring, at batch sizes 1, 8,
//! 64 and 512. Built to run inside the QEMU guest that `scripts/bench.sh`
//! boots; on the host it skips what the kernel lacks.
//!
//! Workloads:
//!
//! - `null`: `getppid`. io_uring has no `getppid`, so it runs
//!   `IORING_OP_NOP`.
//! - `write`: 1 byte to `/dev/null`.
//! - `pread`: 4 KiB from a file in the page cache, a different page for
//!   each entry of a batch.
//! - `open-fstat-read-close`: one small file per item, chained in one
//!   batch. io_uring links `openat` into a direct descriptor, `statx` of the
//!   path (it has no `fstat`), `read` and `close`. supersyscall takes at most
//!   1,024 entries a call, so 512 files take two calls.
//! - `statx`: paths of a 10,000-file tree, a different path for each entry
//!   until the tree wraps around.
//!
//! Each figure is the time of one batch of `n` items divided by `n`. The
//! suite runs `SUPERSYSCALL_BENCH_ROUNDS` times. Within a round, the methods
//! of one workload and size run back to back, in an order that rotates each
//! round. Every measured benchmark prints a `bench-json:` line (see
//! `supersyscall_benches::report`) with its samples.
//!
//! Run on the host with `cargo bench -p supersyscall-benches --bench
//! syscalls`.

use std::cell::RefCell;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd};
use std::process::exit;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use io_uring::{opcode, squeue, types, IoUring};
use supersyscall::abi::{entry_arg_result, Entry, MAX_ENTRIES};
use supersyscall::{Backend, Batch, DirFd};
use supersyscall_benches::floor::{self, FloorEntry};
use supersyscall_benches::guest::{self, Mode, Settings};
use supersyscall_benches::raw;
use supersyscall_benches::report::{self, median, Value};
use supersyscall_benches::tree::{self, Tree};

/// The batch sizes measured.
const SIZES: [usize; 4] = [1, 8, 64, 512];
/// The largest batch size.
const MAX_SIZE: usize = 512;
/// Bytes per `pread`.
const PAGE: usize = 4096;
/// Read buffer per small file; every small file fits.
const SMALL_BUFFER: usize = 1024;
/// Entries per file in `open-fstat-read-close`.
const CHAIN: usize = 4;
/// Files per supersyscall call in `open-fstat-read-close`.
const FILES_PER_CALL: usize = MAX_ENTRIES / CHAIN;
/// io_uring submission queue size: room for 512 files of 4 linked entries.
const RING_ENTRIES: u32 = (MAX_SIZE * CHAIN) as u32;
/// The `statx` mask of every `statx` entry.
const STATX_MASK: u32 = libc::STATX_BASIC_STATS;

const _: () = assert!(MAX_SIZE <= MAX_ENTRIES);
const _: () = assert!(SMALL_BUFFER > tree::MAX_FILE_SIZE);
const _: () = assert!(MAX_SIZE * PAGE <= tree::DATA_SIZE * 2);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Workload {
    Null,
    Write,
    Pread,
    OpenReadClose,
    Statx,
}

const WORKLOADS: [Workload; 5] = [
    Workload::Null,
    Workload::Write,
    Workload::Pread,
    Workload::OpenReadClose,
    Workload::Statx,
];

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Null => "null",
            Workload::Write => "write",
            Workload::Pread => "pread",
            Workload::OpenReadClose => "open-fstat-read-close",
            Workload::Statx => "statx",
        }
    }

    /// Returns the unit of one item: a system call, or a file of four.
    fn unit(self) -> &'static str {
        match self {
            Workload::OpenReadClose => "file",
            _ => "entry",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    /// One raw `syscall` per item.
    Sequential,
    /// A `supersyscall::Batch` built, submitted on the kernel backend and
    /// checked each time.
    Crate,
    /// supersyscall on entries prepared once.
    Raw,
    /// The bench kernels' bare batch syscall on entries prepared once.
    Floor,
    /// io_uring: the batch's entries queued, then one `io_uring_enter` that
    /// submits them and waits for all completions.
    IoUring,
}

const METHODS: [Method; 5] = [
    Method::Sequential,
    Method::Crate,
    Method::Raw,
    Method::Floor,
    Method::IoUring,
];

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Sequential => "sequential",
            Method::Crate => "crate",
            Method::Raw => "raw",
            Method::Floor => "floor",
            Method::IoUring => "io_uring",
        }
    }
}

/// Prints a failure record and exits: a wrong result makes every figure of
/// the run suspect.
fn fail(message: String) -> ! {
    report::emit(&[
        ("record", Value::from("error")),
        ("message", Value::from(message.as_str())),
    ]);
    eprintln!("error: {message}");
    exit(1);
}

/// Returns a zeroed C struct.
fn zeroed<T: Copy>() -> T {
    // SAFETY: only instantiated below with `libc::stat` and `libc::statx`,
    // plain C structs of integers for which all-zero bytes are valid.
    unsafe { std::mem::zeroed() }
}

/// Whether each optional method can run here, or why not.
struct Availability {
    supersyscall: Result<(), String>,
    floor: Result<(), String>,
    io_uring: Result<(), String>,
}

impl Availability {
    fn of(&self, method: Method) -> Result<(), String> {
        match method {
            Method::Sequential => Ok(()),
            Method::Crate | Method::Raw => self.supersyscall.clone(),
            Method::Floor => self.floor.clone(),
            Method::IoUring => self.io_uring.clone(),
        }
    }
}

/// Returns why `method` does not apply to `workload`, if it does not.
fn not_applicable(workload: Workload, method: Method) -> Option<&'static str> {
    match (workload, method) {
        (Workload::OpenReadClose, Method::Floor) => Some(
            "the floor batch cannot pass one entry's result (the new descriptor) to a later entry",
        ),
        _ => None,
    }
}

/// Everything the workloads touch, allocated once so that no benchmark
/// allocates buffers while it is timed.
struct Fixture {
    tree: Tree,
    null: File,
    data: File,
    parent: i64,
    byte: [u8; 1],
    pages: Vec<u8>,
    small: Vec<u8>,
    stats: Vec<libc::stat>,
    statxes: Vec<libc::statx>,
    results: Vec<i64>,
    entries: Vec<Entry>,
    floor_entries: Vec<FloorEntry>,
    ring: Option<IoUring>,
    /// Whether raw and floor batches check every entry's result, as in
    /// the verification before measuring. While measuring they check only
    /// the returned count, as a caller that trusts the kernel would.
    verifying: bool,
    /// The next file of the tree that `statx` and `open-fstat-read-close`
    /// use, so that each batch touches new paths until the tree wraps.
    cursor: usize,
}

impl Fixture {
    fn new(tree: Tree) -> std::io::Result<(Fixture, Result<(), String>)> {
        let null = File::options().write(true).open("/dev/null")?;
        let data = File::open(tree.data_path())?;
        let (ring, io_uring) = match new_ring() {
            Ok(ring) => (Some(ring), Ok(())),
            Err(reason) => (None, Err(reason)),
        };
        // SAFETY: getppid has no preconditions.
        let parent = unsafe { libc::getppid() } as i64;

        let fixture = Fixture {
            tree,
            null,
            data,
            parent,
            byte: [b'x'],
            pages: vec![0; MAX_SIZE * PAGE],
            small: vec![0; MAX_SIZE * SMALL_BUFFER],
            stats: vec![zeroed(); MAX_SIZE],
            statxes: vec![zeroed(); MAX_SIZE],
            results: vec![0; MAX_ENTRIES],
            entries: Vec::with_capacity(MAX_SIZE * CHAIN),
            floor_entries: Vec::with_capacity(MAX_SIZE),
            ring,
            verifying: false,
            cursor: 0,
        };
        Ok((fixture, io_uring))
    }

    /// Returns the tree index of item `item` of the current batch.
    fn file_index(&self, item: usize) -> usize {
        (self.cursor + item) % tree::FILES
    }

    fn advance(&mut self, n: usize) {
        self.cursor = (self.cursor + n) % tree::FILES;
    }

    /// Fills `entries` (and `floor_entries`) for `n` items of `workload`,
    /// with the paths of the current cursor.
    fn prepare(&mut self, workload: Workload, n: usize) {
        self.entries.clear();
        for item in 0..n {
            match workload {
                Workload::OpenReadClose => {
                    let first = (item % FILES_PER_CALL) * CHAIN;
                    let buffer = self.small[item * SMALL_BUFFER..].as_mut_ptr() as u64;
                    let stat = &mut self.stats[item] as *mut libc::stat as u64;
                    let path = self.tree.paths[self.file_index(item)].as_ptr() as u64;
                    let flags = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
                    self.entries.push(raw::entry(
                        libc::SYS_openat,
                        [self.tree.dir_fd() as u64, path, flags, 0, 0, 0],
                    ));
                    let chained = |nr, args| Entry {
                        flags: entry_arg_result(0),
                        ..raw::entry(nr, args)
                    };
                    let fstat = chained(libc::SYS_fstat, [first as u64, stat, 0, 0, 0, 0]);
                    let read = chained(
                        libc::SYS_read,
                        [first as u64, buffer, SMALL_BUFFER as u64, 0, 0, 0],
                    );
                    let close = chained(libc::SYS_close, [first as u64, 0, 0, 0, 0, 0]);
                    self.entries.extend([fstat, read, close]);
                }
                _ => {
                    let (nr, args) = self.single_entry(workload, item);
                    self.entries.push(raw::entry(nr, args));
                }
            }
        }

        self.floor_entries.clear();
        if workload != Workload::OpenReadClose {
            self.floor_entries
                .extend(self.entries.iter().map(|entry| FloorEntry {
                    nr: entry.nr,
                    flags: 0,
                    args: entry.args,
                }));
        }
    }

    /// Returns the system call number and arguments of item `item` of a
    /// one-call workload.
    fn single_entry(&mut self, workload: Workload, item: usize) -> (libc::c_long, [u64; 6]) {
        match workload {
            Workload::Null => (libc::SYS_getppid, [0; 6]),
            Workload::Write => {
                let fd = self.null.as_raw_fd() as u64;
                (libc::SYS_write, [fd, self.byte.as_ptr() as u64, 1, 0, 0, 0])
            }
            Workload::Pread => {
                let fd = self.data.as_raw_fd() as u64;
                let buffer = self.pages[item * PAGE..].as_mut_ptr() as u64;
                (
                    libc::SYS_pread64,
                    [fd, buffer, PAGE as u64, page_offset(item), 0, 0],
                )
            }
            Workload::Statx => {
                let dir = self.tree.dir_fd() as u64;
                let path = self.tree.paths[self.file_index(item)].as_ptr() as u64;
                let buffer = &mut self.statxes[item] as *mut libc::statx as u64;
                (
                    libc::SYS_statx,
                    [dir, path, 0, STATX_MASK as u64, buffer, 0],
                )
            }
            Workload::OpenReadClose => {
                unreachable!("open-fstat-read-close takes four entries per item")
            }
        }
    }

    /// Points the prepared entries at the paths of the current cursor.
    fn repoint_paths(&mut self, workload: Workload, n: usize) {
        for item in 0..n {
            let path = self.tree.paths[self.file_index(item)].as_ptr() as u64;
            match workload {
                Workload::Statx => {
                    self.entries[item].args[1] = path;
                    if let Some(entry) = self.floor_entries.get_mut(item) {
                        entry.args[1] = path;
                    }
                }
                Workload::OpenReadClose => self.entries[item * CHAIN].args[1] = path,
                _ => {}
            }
        }
    }

    /// Runs one batch of `n` items of `workload` with `method`, and checks
    /// every result.
    fn run(&mut self, workload: Workload, method: Method, n: usize) {
        match method {
            Method::Sequential => self.run_sequential(workload, n),
            Method::Crate => self.run_crate(workload, n),
            Method::Raw => self.run_raw(workload, n),
            Method::Floor => self.run_floor(workload, n),
            Method::IoUring => self.run_io_uring(workload, n),
        }
        if matches!(workload, Workload::Statx | Workload::OpenReadClose) {
            self.advance(n);
        }
    }

    /// Returns the result that item `item` of `workload` must have: for
    /// `open-fstat-read-close`, the result of its `read`.
    fn expected(&self, workload: Workload, item: usize) -> i64 {
        match workload {
            Workload::Null => self.parent,
            Workload::Write => 1,
            Workload::Pread => PAGE as i64,
            Workload::Statx => 0,
            Workload::OpenReadClose => tree::file_size(self.file_index(item)) as i64,
        }
    }

    /// Runs `n` plain calls, each checked, in a loop per workload so that
    /// the loop adds as few instructions as the call allows.
    fn run_sequential(&mut self, workload: Workload, n: usize) {
        let check = |item: usize, result: libc::c_long, expected: i64| {
            if result != expected {
                let error = std::io::Error::last_os_error();
                fail(format!(
                    "{} item {item}: sequential call returned {result}: {error}",
                    workload.name()
                ));
            }
        };

        match workload {
            Workload::Null => {
                for item in 0..n {
                    // SAFETY: getppid has no preconditions.
                    check(
                        item,
                        unsafe { libc::syscall(libc::SYS_getppid) },
                        self.parent,
                    );
                }
            }
            Workload::Write => {
                let (fd, byte) = (self.null.as_raw_fd(), self.byte.as_ptr());
                for item in 0..n {
                    // SAFETY: `byte` points at the fixture's one byte.
                    check(
                        item,
                        unsafe { libc::syscall(libc::SYS_write, fd, byte, 1) },
                        1,
                    );
                }
            }
            Workload::Pread => {
                let fd = self.data.as_raw_fd();
                for (item, page) in self.pages.chunks_mut(PAGE).take(n).enumerate() {
                    let offset = page_offset(item);
                    // SAFETY: `page` is writable for PAGE bytes.
                    let result = unsafe {
                        libc::syscall(libc::SYS_pread64, fd, page.as_mut_ptr(), PAGE, offset)
                    };
                    check(item, result, PAGE as i64);
                }
            }
            Workload::Statx => {
                let dir = self.tree.dir_fd();
                for (item, buffer) in self.statxes.iter_mut().take(n).enumerate() {
                    let path = self.tree.paths[(self.cursor + item) % tree::FILES].as_ptr();
                    // SAFETY: `path` is NUL-terminated and `buffer` is a
                    // writable `statx`.
                    let result = unsafe {
                        libc::syscall(
                            libc::SYS_statx,
                            dir,
                            path,
                            0,
                            STATX_MASK,
                            buffer as *mut libc::statx,
                        )
                    };
                    check(item, result, 0);
                }
            }
            Workload::OpenReadClose => self.open_read_close_sequential(n),
        }
    }

    fn open_read_close_sequential(&mut self, n: usize) {
        let dir = self.tree.dir_fd();
        for item in 0..n {
            let index = self.file_index(item);
            let path = self.tree.paths[index].as_ptr();
            let buffer = self.small[item * SMALL_BUFFER..].as_mut_ptr();
            let stat: *mut libc::stat = &mut self.stats[item];
            // SAFETY: `path` is a NUL-terminated string of the tree, `stat`
            // and `buffer` (SMALL_BUFFER bytes) are the fixture's, and the
            // descriptor is this loop's alone until the close.
            let (fd, fstat, read, close) = unsafe {
                let fd = libc::syscall(
                    libc::SYS_openat,
                    dir,
                    path,
                    libc::O_RDONLY | libc::O_CLOEXEC,
                    0,
                );
                let fstat = libc::syscall(libc::SYS_fstat, fd, stat);
                let read = libc::syscall(libc::SYS_read, fd, buffer, SMALL_BUFFER);
                let close = libc::syscall(libc::SYS_close, fd);
                (fd, fstat, read, close)
            };
            if fd < 0 || fstat != 0 || read != tree::file_size(index) as i64 || close != 0 {
                fail(format!(
                    "file {index}: openat {fd}, fstat {fstat}, read {read}, close {close}"
                ));
            }
        }
    }

    fn run_crate(&mut self, workload: Workload, n: usize) {
        let dir = self.tree.dir.as_fd();
        let paths = &self.tree.paths;
        let cursor = self.cursor;
        let path = |item: usize| paths[(cursor + item) % tree::FILES].as_c_str();

        match workload {
            Workload::OpenReadClose => {
                let items = self
                    .stats
                    .iter_mut()
                    .zip(self.small.chunks_mut(SMALL_BUFFER))
                    .take(n);
                let mut items = items.enumerate().peekable();
                while items.peek().is_some() {
                    let mut batch = Batch::with_capacity(n.min(FILES_PER_CALL) * CHAIN);
                    for (item, (stat, buffer)) in items.by_ref().take(FILES_PER_CALL) {
                        let fd = batch.openat(
                            DirFd::from(dir),
                            path(item),
                            libc::O_RDONLY | libc::O_CLOEXEC,
                            0,
                        );
                        batch.fstat(fd, stat);
                        batch.read(fd, buffer);
                        batch.close(fd);
                    }
                    submit_checked(batch, workload);
                }
            }
            _ => {
                let mut batch = Batch::with_capacity(n);
                match workload {
                    Workload::Null => (0..n).for_each(|_| {
                        batch.getppid();
                    }),
                    Workload::Write => (0..n).for_each(|_| {
                        batch.write(&self.null, &self.byte);
                    }),
                    Workload::Pread => {
                        for (item, page) in self.pages.chunks_mut(PAGE).take(n).enumerate() {
                            batch.pread64(&self.data, page, page_offset(item));
                        }
                    }
                    Workload::Statx => {
                        for (item, buffer) in self.statxes.iter_mut().take(n).enumerate() {
                            batch.statx(DirFd::from(dir), path(item), 0, STATX_MASK, buffer);
                        }
                    }
                    Workload::OpenReadClose => unreachable!("handled above"),
                }
                submit_checked(batch, workload);
            }
        }
    }

    fn run_raw(&mut self, workload: Workload, n: usize) {
        if matches!(workload, Workload::Statx | Workload::OpenReadClose) {
            self.repoint_paths(workload, n);
        }
        let per_item = if workload == Workload::OpenReadClose {
            CHAIN
        } else {
            1
        };

        for (call, entries) in self.entries.chunks(MAX_ENTRIES).enumerate() {
            // SAFETY: `prepare` pointed every pointer argument at a buffer of
            // the fixture, each entry at its own, and the chained entries
            // close the descriptors their `openat` creates.
            let returned = unsafe { raw::run(&mut self.results, entries, 0) };
            if returned != entries.len() as i64 {
                fail(format!(
                    "{}: supersyscall returned {returned} for {} entries: {}",
                    workload.name(),
                    entries.len(),
                    std::io::Error::last_os_error()
                ));
            }
            if self.verifying {
                let first_item = call * MAX_ENTRIES / per_item;
                self.check_results(workload, first_item, entries.len());
            }
        }
    }

    fn run_floor(&mut self, workload: Workload, n: usize) {
        if workload == Workload::Statx {
            self.repoint_paths(workload, n);
        }
        // SAFETY: as in `run_raw`; floor entries carry the same arguments.
        let returned = unsafe { floor::run(&mut self.results, &self.floor_entries[..n]) };
        if returned != n as i64 {
            fail(format!(
                "{}: the floor batch returned {returned} for {n} entries",
                workload.name()
            ));
        }
        if self.verifying {
            self.check_results(workload, 0, n);
        }
    }

    /// Checks the first `count` results of one raw or floor call whose
    /// items start at `first_item`.
    fn check_results(&self, workload: Workload, first_item: usize, count: usize) {
        for (slot, &result) in self.results[..count].iter().enumerate() {
            let expected = match workload {
                Workload::OpenReadClose => match slot % CHAIN {
                    0 if result >= 0 => result,
                    2 => self.expected(workload, first_item + slot / CHAIN),
                    _ => 0,
                },
                _ => self.expected(workload, first_item + slot),
            };
            if result != expected {
                fail(format!(
                    "{}: entry {slot} returned {result}, expected {expected}",
                    workload.name()
                ));
            }
        }
    }

    fn run_io_uring(&mut self, workload: Workload, n: usize) {
        let Some(ring) = self.ring.as_mut() else {
            fail("io_uring ran without a ring".into());
        };
        let dir = types::Fd(self.tree.dir_fd());
        let cursor = self.cursor;
        let per_item = if workload == Workload::OpenReadClose {
            CHAIN
        } else {
            1
        };

        {
            let mut queue = ring.submission();
            let mut push = |entry: squeue::Entry, tag: usize| {
                // SAFETY: every pointer in the entry points at a buffer of
                // the fixture or a path of the tree, which outlive the
                // completions that `submit_and_wait` below waits for, and
                // each entry of the batch has its own buffer.
                if unsafe { queue.push(&entry.user_data(tag as u64)) }.is_err() {
                    fail(format!("io_uring submission queue full at entry {tag}"));
                }
            };
            for item in 0..n {
                let tag = item * per_item;
                let path = self.tree.paths[(cursor + item) % tree::FILES].as_ptr();
                let statx = &mut self.statxes[item] as *mut libc::statx as *mut types::statx;
                match workload {
                    Workload::Null => push(opcode::Nop::new().build(), tag),
                    Workload::Write => {
                        let null = types::Fd(self.null.as_raw_fd());
                        push(opcode::Write::new(null, self.byte.as_ptr(), 1).build(), tag);
                    }
                    Workload::Pread => {
                        let buffer = self.pages[item * PAGE..].as_mut_ptr();
                        let read = opcode::Read::new(
                            types::Fd(self.data.as_raw_fd()),
                            buffer,
                            PAGE as u32,
                        );
                        push(read.offset(page_offset(item)).build(), tag);
                    }
                    Workload::Statx => push(
                        opcode::Statx::new(dir, path, statx)
                            .mask(STATX_MASK)
                            .build(),
                        tag,
                    ),
                    Workload::OpenReadClose => {
                        let slot = item as u32;
                        let destination = types::DestinationSlot::try_from_slot_target(slot)
                            .unwrap_or_else(|slot| {
                                fail(format!("io_uring rejected direct descriptor slot {slot}"))
                            });
                        let buffer = self.small[item * SMALL_BUFFER..].as_mut_ptr();
                        let link = squeue::Flags::IO_LINK;
                        // A direct descriptor is not in the file table, and
                        // io_uring rejects O_CLOEXEC for one with EINVAL.
                        let open = opcode::OpenAt::new(dir, path)
                            .flags(libc::O_RDONLY)
                            .file_index(Some(destination));
                        push(open.build().flags(link), tag);
                        push(
                            opcode::Statx::new(dir, path, statx)
                                .mask(STATX_MASK)
                                .build()
                                .flags(link),
                            tag + 1,
                        );
                        // A read shorter than the buffer, as every read of
                        // a small file is, breaks a plain link and cancels
                        // the close; a hard link runs the close anyway.
                        let read =
                            opcode::Read::new(types::Fixed(slot), buffer, SMALL_BUFFER as u32);
                        push(read.build().flags(squeue::Flags::IO_HARDLINK), tag + 2);
                        push(opcode::Close::new(types::Fixed(slot)).build(), tag + 3);
                    }
                }
            }
        }

        let count = n * per_item;
        match ring.submit_and_wait(count) {
            Ok(submitted) if submitted == count => {}
            Ok(submitted) => fail(format!(
                "io_uring_enter submitted {submitted} of {count} entries"
            )),
            Err(error) => fail(format!("io_uring_enter failed: {error}")),
        }
        let mut completed = 0;
        for completion in ring.completion() {
            let tag = completion.user_data() as usize;
            let expected = match workload {
                Workload::Null | Workload::Statx => 0,
                Workload::Write => 1,
                Workload::Pread => PAGE as i32,
                Workload::OpenReadClose if tag % CHAIN == 2 => {
                    tree::file_size((cursor + tag / CHAIN) % tree::FILES) as i32
                }
                Workload::OpenReadClose => 0,
            };
            if completion.result() != expected {
                fail(format!(
                    "{}: io_uring entry {tag} returned {}, expected {expected}",
                    workload.name(),
                    completion.result()
                ));
            }
            completed += 1;
        }
        if completed != count {
            fail(format!(
                "{}: {completed} io_uring completions for {count} entries",
                workload.name()
            ));
        }
    }
}

/// Returns the file offset that `pread` item `item` reads at: a different
/// page of the data file for each of the first 256 items.
fn page_offset(item: usize) -> u64 {
    ((item * PAGE) % tree::DATA_SIZE) as u64
}

/// Submits `batch` on the kernel backend and fails the run unless every
/// entry ran there and succeeded.
fn submit_checked(batch: Batch<'_>, workload: Workload) {
    let length = batch.len();
    let completion = match batch.submit_with(Backend::Kernel) {
        Ok(completion) => completion,
        Err(error) => fail(format!("{}: submit failed: {error}", workload.name())),
    };
    if completion.backend() != Backend::Kernel || completion.count() != length {
        fail(format!(
            "{}: {} of {length} entries ran on the {} backend",
            workload.name(),
            completion.count(),
            completion.backend()
        ));
    }
    if let Err(failure) = completion.check() {
        fail(format!("{}: {failure}", workload.name()));
    }
}

/// Sets up the ring, with sparse direct descriptor slots for
/// `open-fstat-read-close`, or returns why io_uring is skipped.
fn new_ring() -> Result<IoUring, String> {
    let ring = IoUring::new(RING_ENTRIES).map_err(|error| match error.raw_os_error() {
        Some(libc::ENOSYS) => {
            "io_uring_setup returned ENOSYS: the kernel has no io_uring (CONFIG_IO_URING)"
                .to_string()
        }
        _ => format!("io_uring_setup failed: {error}"),
    })?;
    ring.submitter()
        .register_files_sparse(MAX_SIZE as u32)
        .map_err(|error| {
            format!("registering {MAX_SIZE} direct descriptor slots failed: {error}")
        })?;
    Ok(ring)
}

/// Checks, once before measuring, what the return codes alone do not
/// show: the bytes read and the sizes `fstat` and `statx` stored.
fn verify_contents(fixture: &mut Fixture, workload: Workload, method: Method) {
    let n = 8;
    let first = fixture.cursor;
    fixture.pages[..n * PAGE].fill(0);
    fixture.small[..n * SMALL_BUFFER].fill(0);
    fixture.stats[..n].fill(zeroed());
    fixture.statxes[..n].fill(zeroed());
    fixture.prepare(workload, n);
    fixture.verifying = true;
    fixture.run(workload, method, n);
    fixture.verifying = false;

    let context = format!("{} with {}", workload.name(), method.name());
    for item in 0..n {
        let index = (first + item) % tree::FILES;
        let size = tree::file_size(index);
        match workload {
            Workload::Pread => {
                let page = &fixture.pages[item * PAGE..(item + 1) * PAGE];
                let offset = page_offset(item) as usize;
                if page
                    .iter()
                    .enumerate()
                    .any(|(at, &byte)| byte != ((offset + at) % 251) as u8)
                {
                    fail(format!("{context}: page {item} holds the wrong bytes"));
                }
            }
            Workload::Statx if fixture.statxes[item].stx_size != size as u64 => {
                fail(format!(
                    "{context}: statx of file {index} stored size {}",
                    fixture.statxes[item].stx_size
                ));
            }
            Workload::OpenReadClose => {
                let stored = if method == Method::IoUring {
                    fixture.statxes[item].stx_size as i64
                } else {
                    fixture.stats[item].st_size
                };
                if stored != size as i64 {
                    fail(format!(
                        "{context}: the size stored for file {index} is {stored}"
                    ));
                }
                let contents = &fixture.small[item * SMALL_BUFFER..item * SMALL_BUFFER + size];
                if contents
                    .iter()
                    .enumerate()
                    .any(|(at, &byte)| byte != tree::file_byte(index, at))
                {
                    fail(format!("{context}: file {index} was read wrongly"));
                }
            }
            _ => {}
        }
    }
}

/// Criterion settings per mode. Criterion's minimum of 10 samples, 1,000
/// bootstrap resamples instead of 100,000, and short warm-up and
/// measurement times, because TCG runs the guest many times slower than
/// hardware (and under icount, guest time counts instructions).
fn criterion_for(settings: &Settings) -> Criterion {
    let (warm_up, measurement) = match (settings.mode, settings.quick) {
        (Mode::Wall, false) => (100, 400),
        (Mode::Icount, false) => (40, 150),
        (_, true) => (20, 60),
    };
    Criterion::default()
        .sample_size(10)
        .nresamples(1_000)
        .warm_up_time(Duration::from_millis(warm_up))
        .measurement_time(Duration::from_millis(measurement))
        .without_plots()
        .configure_from_args()
}

/// One measured sample: iterations and their total time.
type Sample = (u64, Duration);

fn main() {
    let settings = Settings::from_env();
    let clocksource = guest::wait_for_tsc(Duration::from_secs(5));
    guest::emit_info(&settings, "syscalls", &clocksource);

    let tree = Tree::open_or_create()
        .unwrap_or_else(|error| fail(format!("creating the file tree failed: {error}")));
    let (mut fixture, io_uring) = Fixture::new(tree)
        .unwrap_or_else(|error| fail(format!("setting up the fixture failed: {error}")));
    let availability = Availability {
        supersyscall: raw::probe(),
        floor: floor::probe(),
        io_uring,
    };
    for method in METHODS {
        if let Err(reason) = availability.of(method) {
            println!("skipping {}: {reason}", method.name());
            report::emit(&[
                ("record", Value::from("skip")),
                ("config", Value::from(settings.config.as_str())),
                ("method", Value::from(method.name())),
                ("reason", Value::from(reason)),
            ]);
        }
    }

    let runnable = |workload: Workload, method: Method| {
        availability.of(method).is_ok() && not_applicable(workload, method).is_none()
    };
    for workload in WORKLOADS {
        for method in METHODS {
            if let (Ok(()), Some(reason)) =
                (availability.of(method), not_applicable(workload, method))
            {
                report::emit(&[
                    ("record", Value::from("skip")),
                    ("config", Value::from(settings.config.as_str())),
                    ("workload", Value::from(workload.name())),
                    ("method", Value::from(method.name())),
                    ("reason", Value::from(reason)),
                ]);
            }
            if runnable(workload, method) {
                verify_contents(&mut fixture, workload, method);
            }
        }
    }

    let mut criterion = criterion_for(&settings);
    let fixture = Rc::new(RefCell::new(fixture));
    for round in 0..settings.rounds {
        for workload in WORKLOADS {
            for n in SIZES {
                let mut group = criterion.benchmark_group(format!("{}/{n}", workload.name()));
                group.throughput(Throughput::Elements(n as u64));
                let methods: Vec<Method> = METHODS
                    .into_iter()
                    .filter(|&method| runnable(workload, method))
                    .collect();
                for position in 0..methods.len() {
                    let method = methods[(position + round) % methods.len()];
                    let samples: Rc<RefCell<Vec<Sample>>> = Rc::default();
                    let recorder = Rc::clone(&samples);
                    let shared = Rc::clone(&fixture);
                    group.bench_function(method.name(), move |bencher| {
                        let mut fixture = shared.borrow_mut();
                        fixture.prepare(workload, n);
                        bencher.iter_custom(|iterations| {
                            let start = Instant::now();
                            for _ in 0..iterations {
                                fixture.run(workload, method, n);
                            }
                            let elapsed = start.elapsed();
                            recorder.borrow_mut().push((iterations, elapsed));
                            elapsed
                        });
                    });
                    emit_result(&settings, round, workload, method, n, &samples.borrow());
                }
                group.finish();
            }
        }
    }
    criterion.final_summary();
}

/// Emits a `result` record from the measured samples: criterion runs
/// warm-up iterations first, then exactly `sample_size` samples, so the
/// last 10 are the measurement. Prints nothing when criterion skipped the
/// benchmark (a name filter on the command line).
fn emit_result(
    settings: &Settings,
    round: usize,
    workload: Workload,
    method: Method,
    n: usize,
    samples: &[Sample],
) {
    const SAMPLE_SIZE: usize = 10;
    if samples.len() < SAMPLE_SIZE {
        return;
    }
    let measured = &samples[samples.len() - SAMPLE_SIZE..];
    let per_item: Vec<f64> = measured
        .iter()
        .map(|&(iterations, elapsed)| elapsed.as_nanos() as f64 / iterations as f64 / n as f64)
        .collect();
    let iterations: u64 = measured.iter().map(|&(iterations, _)| iterations).sum();
    let minimum = per_item.iter().copied().fold(f64::INFINITY, f64::min);
    let note = match (workload, method) {
        (Workload::Null, Method::IoUring) => "IORING_OP_NOP: io_uring has no getppid",
        (Workload::OpenReadClose, Method::IoUring) => "linked openat into a direct descriptor, statx of the path (io_uring has no fstat), read, close",
        (Workload::OpenReadClose, Method::Crate | Method::Raw) if n > FILES_PER_CALL => "two supersyscall calls of 1,024 entries",
        _ => "",
    };

    report::emit(&[
        ("record", Value::from("result")),
        ("config", Value::from(settings.config.as_str())),
        ("mode", Value::from(settings.mode_name())),
        ("round", Value::from(round)),
        ("workload", Value::from(workload.name())),
        ("method", Value::from(method.name())),
        ("n", Value::from(n)),
        ("unit", Value::from(workload.unit())),
        ("median_ns", Value::from(median(&per_item))),
        ("min_ns", Value::from(minimum)),
        ("iterations", Value::from(iterations as usize)),
        ("samples_ns", Value::from(per_item)),
        ("note", Value::from(note)),
        ("clocksource", Value::from(guest::clocksource())),
    ]);
}
