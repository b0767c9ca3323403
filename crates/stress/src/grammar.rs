//! Random batches from a grammar of real system calls on the objects that
//! the world (`world.rs`) creates at fixed descriptor numbers.

use supersyscall::abi::{entry_arg_result, Entry, CONTINUE, DENY_LIST, QUERY, RESUMABLE};

use crate::arena::{self, DATA_PAGE, DATA_PAGES, GUARD_PAGE, MAX_BATCH, NAMES, VOLATILE_PAGE};
use crate::arena::{TIMESPEC_OFFSET, WORLD_MAP_PAGE, WORLD_MAP_PAGES};
use crate::rng::Rng;
use crate::sys::PAGE;

/// The world's descriptors, in the order `world.rs` opens them.
pub const FILE_A: u64 = 3;
/// A second scratch file, opened with `O_APPEND`.
pub const FILE_B: u64 = 4;
/// The read end of a pipe.
pub const PIPE_READ: u64 = 5;
/// The write end of the same pipe.
pub const PIPE_WRITE: u64 = 6;
/// One end of a Unix stream socket pair.
pub const SOCKET_A: u64 = 7;
/// The other end.
pub const SOCKET_B: u64 = 8;
/// An eventfd.
pub const EVENT: u64 = 9;
/// The scratch folder, opened with `O_DIRECTORY`.
pub const SCRATCH_DIR: u64 = 10;
/// Descriptors that entries of a batch are likely to create.
const NEW_FDS: (u64, u64) = (11, 20);

/// The errno a random seccomp filter returns, chosen because no system call
/// returns it, so a result of `-DENIED_ERRNO` can only come from the filter.
pub const DENIED_ERRNO: i64 = 4000;

/// The comparison of an entry's result between two runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// The result must be equal.
    Exact,
    /// The result is the running process's own pid or tid.
    OwnPid,
}

/// The kind of an entry's result, for choosing chain sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Produces {
    /// A descriptor.
    Fd,
    /// The address of a new mapping of this many pages.
    Mapping(u64),
    /// A pid, which differs between runs and must not feed other entries.
    Pid,
    /// A count or another number.
    Number,
}

/// The verdict of a seccomp filter for the numbers it denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterAction {
    /// `SECCOMP_RET_ERRNO` with [`DENIED_ERRNO`].
    Errno,
    /// `SECCOMP_RET_TRAP`: SIGSYS, which ends the process.
    Trap,
    /// `SECCOMP_RET_KILL_PROCESS`.
    Kill,
}

/// A seccomp filter to install before the batch runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// The numbers the filter denies.
    pub denied: Vec<u32>,
    /// The verdict for them.
    pub action: FilterAction,
}

/// One batch with everything needed to run it again: the world's seed, the
/// entries, the count and flags passed to the call, and the filter.
#[derive(Clone, Debug)]
pub struct Case {
    /// Seeds the world's file contents, pipe data and memory.
    pub world_seed: u64,
    /// The entries, at most [`MAX_BATCH`].
    pub entries: Vec<Entry>,
    /// The comparison of each entry's result between runs.
    pub classes: Vec<Class>,
    /// The `count` argument, which may exceed `entries.len()` only above
    /// the kernel's cap.
    pub count: u32,
    /// The call flags.
    pub flags: u32,
    /// A seccomp filter for the process that runs the batch.
    pub filter: Option<Filter>,
}

/// The numbers of the grammar, for seccomp filters to choose from.
const FILTERABLE: [i64; 14] = [
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_lseek,
    libc::SYS_openat,
    libc::SYS_close,
    libc::SYS_dup,
    libc::SYS_fcntl,
    libc::SYS_ftruncate,
    libc::SYS_getppid,
    libc::SYS_mmap,
    libc::SYS_munmap,
    libc::SYS_pipe2,
    libc::SYS_sendto,
    libc::SYS_unlinkat,
];

/// Generates one random case.
///
/// `filters` allows a seccomp filter, `large` allows counts up to and past
/// the kernel's cap, and `invalid` allows invalid flags and chains.
pub fn generate(rng: &mut Rng, filters: bool, large: bool, invalid: bool) -> Case {
    let length = batch_length(rng, large);
    let mut builder = Builder {
        rng,
        entries: Vec::with_capacity(length),
        classes: Vec::with_capacity(length),
        produces: Vec::with_capacity(length),
    };
    for _ in 0..length.min(MAX_BATCH) {
        builder.push_random();
    }
    let Builder {
        rng,
        mut entries,
        classes,
        ..
    } = builder;

    // One batch in eight has one invalid entry, which makes the kernel
    // reject the whole call; more would leave few batches that run.
    if invalid && !entries.is_empty() && rng.chance(1, 8) {
        let index = rng.below(entries.len() as u64) as usize;
        invalidate(rng, &mut entries[index], index);
    }

    let count = if length > MAX_BATCH {
        u32::MAX
    } else {
        length as u32
    };
    let flags = call_flags(rng, invalid);
    let filter = if filters && rng.chance(1, 4) {
        Some(random_filter(rng))
    } else {
        None
    };

    Case {
        world_seed: rng.next_u64(),
        entries,
        classes,
        count,
        flags,
        filter,
    }
}

/// Makes `entry`, at position `index`, invalid: an unknown flag, a nonzero
/// reserved field, or a chain that names no earlier entry.
fn invalidate(rng: &mut Rng, entry: &mut Entry, index: usize) {
    match rng.below(3) {
        0 => entry.flags |= 1 << rng.range(6, 31),
        1 => entry.reserved = rng.range(1, u64::MAX - 1),
        _ => {
            let k = rng.below(6) as usize;
            entry.flags |= entry_arg_result(k);
            let index = index as u64;
            entry.args[k] = rng.pick(&[index, index + 1, 1024, u64::MAX, 1 << 32]);
        }
    }
}

fn batch_length(rng: &mut Rng, large: bool) -> usize {
    let roll = rng.below(100);
    match roll {
        0..=49 => rng.range(1, 8) as usize,
        50..=84 => rng.range(9, 64) as usize,
        _ if !large => rng.range(0, 8) as usize,
        85..=93 => rng.range(65, 1024) as usize,
        94..=96 => 1024,
        97..=98 => rng.range(1025, MAX_BATCH as u64) as usize,
        // A count far past the cap: the kernel must reject it before reading.
        _ => MAX_BATCH + 1,
    }
}

fn call_flags(rng: &mut Rng, invalid: bool) -> u32 {
    // CONTINUE is the most common, because random entries fail often and
    // a batch that stops at the first failure runs few of them.
    let mut flags = rng.pick(&[
        0,
        RESUMABLE,
        CONTINUE,
        CONTINUE,
        CONTINUE | RESUMABLE,
        CONTINUE | RESUMABLE,
    ]);
    if invalid && rng.chance(1, 40) {
        flags |= QUERY;
    }
    if invalid && rng.chance(1, 40) {
        flags |= 1 << rng.range(3, 31);
    }
    flags
}

fn random_filter(rng: &mut Rng) -> Filter {
    let mut denied = Vec::new();
    for _ in 0..rng.range(1, 3) {
        denied.push(rng.pick(&FILTERABLE) as u32);
    }
    let action = match rng.below(10) {
        0 => FilterAction::Trap,
        1 => FilterAction::Kill,
        _ => FilterAction::Errno,
    };
    Filter { denied, action }
}

struct Builder<'r> {
    rng: &'r mut Rng,
    entries: Vec<Entry>,
    classes: Vec<Class>,
    produces: Vec<Produces>,
}

impl Builder<'_> {
    /// Appends one random entry.
    fn push_random(&mut self) {
        let mut entry = Entry::default();
        let mut class = Class::Exact;
        let mut produces = Produces::Number;
        let roll = self.rng.below(100);

        match roll {
            0..=9 => self.io(&mut entry, libc::SYS_read),
            10..=19 => self.io(&mut entry, libc::SYS_write),
            20..=23 => {
                self.io(&mut entry, libc::SYS_pread64);
                entry.args[3] = self.rng.below(8192);
            }
            24..=27 => {
                self.io(&mut entry, libc::SYS_pwrite64);
                entry.args[3] = self.rng.below(8192);
            }
            28..=32 => {
                entry.nr = libc::SYS_lseek as u32;
                self.fd(&mut entry, 0);
                entry.args[1] = self.rng.below(10_000);
                entry.args[2] = self.rng.below(6);
            }
            33..=38 => {
                entry.nr = libc::SYS_openat as u32;
                entry.args[0] = if self.rng.chance(1, 4) {
                    libc::AT_FDCWD as u64
                } else {
                    SCRATCH_DIR
                };
                entry.args[1] = self.name() as u64;
                entry.args[2] = self.rng.pick(&[
                    libc::O_RDONLY,
                    libc::O_RDWR | libc::O_CREAT,
                    libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
                    libc::O_RDWR | libc::O_APPEND,
                    libc::O_RDONLY | libc::O_DIRECTORY,
                    libc::O_RDWR | libc::O_CREAT | libc::O_EXCL,
                ]) as u64;
                entry.args[3] = 0o644;
                produces = Produces::Fd;
            }
            39..=44 => {
                entry.nr = libc::SYS_close as u32;
                self.fd(&mut entry, 0);
            }
            45..=47 => {
                entry.nr = libc::SYS_dup as u32;
                self.fd(&mut entry, 0);
                produces = Produces::Fd;
            }
            48..=51 => {
                entry.nr = libc::SYS_fcntl as u32;
                self.fd(&mut entry, 0);
                let (command, argument) = match self.rng.below(5) {
                    0 => (libc::F_GETFL, 0),
                    // Descriptors stay non-blocking, so that no entry blocks.
                    1 => (
                        libc::F_SETFL,
                        libc::O_NONBLOCK | self.rng.pick(&[0, libc::O_APPEND]),
                    ),
                    2 => (libc::F_GETFD, 0),
                    3 => (libc::F_SETFD, self.rng.pick(&[0, libc::FD_CLOEXEC])),
                    _ => {
                        produces = Produces::Fd;
                        (libc::F_DUPFD_CLOEXEC, self.rng.below(30) as i32)
                    }
                };
                entry.args[1] = command as u64;
                entry.args[2] = argument as u64;
            }
            52..=53 => {
                entry.nr = libc::SYS_ftruncate as u32;
                self.fd(&mut entry, 0);
                entry.args[1] = self.rng.below(8192);
            }
            54..=55 => {
                entry.nr = libc::SYS_fstat as u32;
                self.fd(&mut entry, 0);
                entry.args[1] = arena::page(VOLATILE_PAGE) as u64;
            }
            56..=57 => {
                entry.nr = self.rng.pick(&[libc::SYS_unlinkat, libc::SYS_mkdirat]) as u32;
                entry.args[0] = SCRATCH_DIR;
                entry.args[1] = self.name() as u64;
                entry.args[2] = if entry.nr == libc::SYS_mkdirat as u32 {
                    0o755
                } else {
                    self.rng.pick(&[0, libc::AT_REMOVEDIR]) as u64
                };
            }
            58..=59 => {
                entry.nr = libc::SYS_renameat as u32;
                entry.args[0] = SCRATCH_DIR;
                entry.args[1] = self.name() as u64;
                entry.args[2] = SCRATCH_DIR;
                entry.args[3] = self.name() as u64;
            }
            60..=61 => {
                entry.nr = libc::SYS_eventfd2 as u32;
                entry.args[0] = self.rng.below(4);
                entry.args[1] = (libc::EFD_NONBLOCK
                    | self.rng.pick(&[0, libc::EFD_SEMAPHORE, libc::EFD_CLOEXEC]))
                    as u64;
                produces = Produces::Fd;
            }
            62..=63 => {
                entry.nr = self.rng.pick(&[libc::SYS_pipe2, libc::SYS_socketpair]) as u32;
                let pair = self.buffer(8) & !3;
                if entry.nr == libc::SYS_pipe2 as u32 {
                    entry.args = [
                        pair,
                        (libc::O_NONBLOCK | self.rng.pick(&[0, libc::O_CLOEXEC])) as u64,
                        0,
                        0,
                        0,
                        0,
                    ];
                } else {
                    let kind = self.rng.pick(&[libc::SOCK_STREAM, libc::SOCK_DGRAM]);
                    entry.args = [
                        libc::AF_UNIX as u64,
                        (kind | libc::SOCK_NONBLOCK) as u64,
                        0,
                        pair,
                        0,
                        0,
                    ];
                }
            }
            64..=67 => {
                entry.nr = self.rng.pick(&[libc::SYS_sendto, libc::SYS_recvfrom]) as u32;
                self.fd(&mut entry, 0);
                let length = self.length();
                entry.args[1] = self.buffer(length);
                entry.args[2] = length;
                entry.args[3] = libc::MSG_DONTWAIT as u64;
            }
            68..=71 => produces = self.memory(&mut entry),
            72..=75 => {
                entry.nr = self.rng.pick(&[libc::SYS_getpid, libc::SYS_gettid]) as u32;
                class = Class::OwnPid;
                produces = Produces::Pid;
            }
            76..=82 => {
                entry.nr = self.rng.pick(&[
                    libc::SYS_getppid,
                    libc::SYS_getuid,
                    libc::SYS_sched_yield,
                    libc::SYS_getpgrp,
                ]) as u32;
            }
            83..=84 => {
                entry.nr = libc::SYS_nanosleep as u32;
                entry.args[0] = (arena::page(arena::NAMES_PAGE) + TIMESPEC_OFFSET) as u64;
            }
            85..=86 => {
                // The records hold inode numbers, which differ between
                // runs, so they go to the volatile page.
                entry.nr = libc::SYS_getdents64 as u32;
                self.fd(&mut entry, 0);
                entry.args[1] = arena::page(VOLATILE_PAGE) as u64;
                entry.args[2] = self.length().min(2 * PAGE as u64);
            }
            87..=88 => {
                entry.nr = libc::SYS_kill as u32;
                // Signal 0 only checks that init exists.
                entry.args = [1, 0, 0, 0, 0, 0];
            }
            89..=92 => {
                // A number on the deny list, with arguments that would do
                // harm if it ran: the kernel must reject it unrun.
                entry.nr = self.rng.pick(&DENY_LIST).1;
                entry.args = [self.rng.below(3), 0, 0, 0, 0, 0];
            }
            93..=95 => {
                entry.nr = match self.rng.below(3) {
                    0 => self.rng.range(470, 1023) as u32,
                    1 => self.rng.range(1024, 100_000) as u32,
                    _ => 0x4000_0000 | self.rng.below(400) as u32,
                };
            }
            _ => {
                entry.nr = libc::SYS_umask as u32;
                entry.args[0] = self.rng.pick(&[0o022, 0o077, 0]);
            }
        }

        self.maybe_chain_number(&mut entry);

        self.entries.push(entry);
        self.classes.push(class);
        self.produces.push(produces);
    }

    /// Fills `entry` as `nr(fd, buffer, length)`.
    fn io(&mut self, entry: &mut Entry, nr: i64) {
        entry.nr = nr as u32;
        self.fd(entry, 0);
        let length = self.length();
        entry.args[1] = self.buffer(length);
        entry.args[2] = length;
    }

    /// Sets `args[k]` to a descriptor: one of the world's, one a batch
    /// entry likely created, a bad one, or a chain to an earlier entry.
    fn fd(&mut self, entry: &mut Entry, k: usize) {
        let roll = self.rng.below(100);
        if roll < 15 && self.chain(entry, k, |produces| produces == Produces::Fd) {
            return;
        }
        entry.args[k] = match roll {
            0..=74 => self.rng.range(FILE_A, SCRATCH_DIR),
            75..=92 => self.rng.range(NEW_FDS.0, NEW_FDS.1),
            93..=95 => u64::MAX,
            96..=97 => 999,
            _ => self.rng.range(0, 2),
        };
    }

    /// Chains `args[k]` to a random earlier entry whose result `wanted`
    /// accepts, and returns whether one was found.
    fn chain(&mut self, entry: &mut Entry, k: usize, wanted: impl Fn(Produces) -> bool) -> bool {
        let candidates: Vec<usize> = (0..self.produces.len())
            .filter(|&index| wanted(self.produces[index]))
            .collect();
        if candidates.is_empty() {
            return false;
        }
        entry.flags |= entry_arg_result(k);
        entry.args[k] = self.rng.pick(&candidates) as u64;
        true
    }

    /// Sometimes chains a count argument to an earlier entry's number.
    fn maybe_chain_number(&mut self, entry: &mut Entry) {
        let is_io = [
            libc::SYS_read,
            libc::SYS_write,
            libc::SYS_sendto,
            libc::SYS_recvfrom,
        ]
        .contains(&i64::from(entry.nr));
        if is_io && self.rng.chance(1, 10) {
            self.chain(entry, 2, |produces| {
                produces == Produces::Number || produces == Produces::Fd
            });
        }
    }

    /// Returns a random length for a buffer.
    fn length(&mut self) -> u64 {
        match self.rng.below(10) {
            0 => 0,
            1..=3 => self.rng.range(1, 8),
            4..=7 => self.rng.range(9, 512),
            _ => self.rng.range(513, 4096),
        }
    }

    /// Returns the address of a buffer of `length` bytes in the data region,
    /// or rarely a bad address.
    fn buffer(&mut self, length: u64) -> u64 {
        match self.rng.below(100) {
            0 => 0,
            1 => arena::page(GUARD_PAGE) as u64,
            2 => 0xffff_8880_0000_0000,
            3 => 0x8000_0000_0000_0000,
            _ => {
                let size = (DATA_PAGES * PAGE) as u64;
                arena::page(DATA_PAGE) as u64 + self.rng.below(size - length.min(size) + 1)
            }
        }
    }

    /// Returns the address of a random name.
    fn name(&mut self) -> usize {
        arena::name(self.rng.below(NAMES.len() as u64) as usize)
    }

    /// Fills a memory entry: mmap, munmap, mprotect or madvise, on the world
    /// mapping's pages or on a mapping an earlier entry made.
    fn memory(&mut self, entry: &mut Entry) -> Produces {
        let first = self.rng.below(WORLD_MAP_PAGES as u64);
        let pages = self.rng.range(1, WORLD_MAP_PAGES as u64 - first);
        let address = (arena::page(WORLD_MAP_PAGE) as u64) + first * PAGE as u64;
        let prot = self.rng.pick(&[
            libc::PROT_NONE,
            libc::PROT_READ,
            libc::PROT_READ | libc::PROT_WRITE,
        ]) as u64;

        match self.rng.below(5) {
            0 => {
                entry.nr = libc::SYS_mmap as u32;
                let pages = self.rng.range(1, 4);
                let flags = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
                entry.args = [0, pages * PAGE as u64, prot, flags, u64::MAX, 0];
                Produces::Mapping(pages)
            }
            1 => {
                entry.nr = libc::SYS_mmap as u32;
                let flags = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED) as u64;
                entry.args = [address, pages * PAGE as u64, prot, flags, u64::MAX, 0];
                Produces::Number
            }
            roll => {
                entry.nr = match roll {
                    2 => libc::SYS_munmap,
                    3 => libc::SYS_mprotect,
                    _ => libc::SYS_madvise,
                } as u32;
                let third = if entry.nr == libc::SYS_madvise as u32 {
                    self.rng
                        .pick(&[libc::MADV_DONTNEED, libc::MADV_WILLNEED, libc::MADV_NORMAL])
                        as u64
                } else {
                    prot
                };
                entry.args = [address, pages * PAGE as u64, third, 0, 0, 0];

                // A chain to a new mapping uses that mapping's own length,
                // so the call never reaches a neighbouring mapping.
                let mappings: Vec<(usize, u64)> = (0..self.produces.len())
                    .filter_map(|index| match self.produces[index] {
                        Produces::Mapping(pages) => Some((index, pages)),
                        _ => None,
                    })
                    .collect();
                if !mappings.is_empty() && self.rng.chance(1, 2) {
                    let (source, pages) = self.rng.pick(&mappings);
                    entry.flags |= entry_arg_result(0);
                    entry.args[0] = source as u64;
                    entry.args[1] = pages * PAGE as u64;
                }
                Produces::Number
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_never_name_pid_entries() {
        crate::arena::reserve();
        let mut rng = Rng::new(3);

        for _ in 0..300 {
            let case = generate(&mut rng, true, false, false);
            for entry in &case.entries {
                for k in 0..6 {
                    if entry.flags & (1 << k) == 0 {
                        continue;
                    }
                    let source = &case.entries[entry.args[k] as usize];
                    let is_pid =
                        [libc::SYS_getpid, libc::SYS_gettid].contains(&i64::from(source.nr));
                    assert!(!is_pid, "a chain names a pid entry: {entry:?}");
                }
            }
        }
    }

    #[test]
    fn valid_cases_pass_the_entry_checks() {
        crate::arena::reserve();
        let mut rng = Rng::new(4);

        for _ in 0..300 {
            let case = generate(&mut rng, false, false, false);
            let rejection =
                crate::oracle::expected_rejection(&case.entries, case.count, case.flags);
            assert_eq!(rejection, None, "{case:?}");
        }
    }
}
