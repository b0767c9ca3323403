//! The objects a batch works on, built the same way from a seed in every
//! process that runs the batch, and the digest of their state afterwards.

use std::fmt::Write as _;
use std::path::Path;

use crate::arena::{self, DATA_PAGE, DATA_PAGES, GUARD_PAGE, WORLD_MAP_PAGE, WORLD_MAP_PAGES};
use crate::grammar::{
    EVENT, FILE_A, FILE_B, PIPE_READ, PIPE_WRITE, SCRATCH_DIR, SOCKET_A, SOCKET_B,
};
use crate::rng::Rng;
use crate::sys::PAGE;

/// Builds the world in the calling process, which must have closed every
/// descriptor from 3 on and must have `scratch` as an empty folder.
///
/// Returns a description of the first step that failed.
pub fn build(seed: u64, scratch: &Path) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    std::env::set_current_dir(scratch)
        .map_err(|error| format!("chdir {}: {error}", scratch.display()))?;

    let file_a = open_file(c"a", libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC, &mut rng)?;
    let file_b = open_file(
        c"b",
        libc::O_RDWR | libc::O_CREAT | libc::O_APPEND,
        &mut rng,
    )?;

    let mut pipe = [0; 2];
    // SAFETY: pipe2 writes two descriptors into `pipe`.
    let created = unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_NONBLOCK) };
    check(created, "pipe2")?;
    fill(pipe[1], &mut rng, 2000);

    let mut sockets = [0; 2];
    let kind = libc::SOCK_STREAM | libc::SOCK_NONBLOCK;
    // SAFETY: socketpair writes two descriptors into `sockets`.
    let created = unsafe { libc::socketpair(libc::AF_UNIX, kind, 0, sockets.as_mut_ptr()) };
    check(created, "socketpair")?;
    fill(sockets[0], &mut rng, 500);
    fill(sockets[1], &mut rng, 500);

    // SAFETY: eventfd takes no pointers.
    let event = check(
        unsafe { libc::eventfd(rng.below(4) as u32, libc::EFD_NONBLOCK) },
        "eventfd",
    )?;
    // SAFETY: the path is a valid C string.
    let dir = check(
        unsafe { libc::open(c".".as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) },
        "open .",
    )?;

    let opened = [
        file_a, file_b, pipe[0], pipe[1], sockets[0], sockets[1], event, dir,
    ]
    .map(|fd| fd as u64);
    let expected = [
        FILE_A,
        FILE_B,
        PIPE_READ,
        PIPE_WRITE,
        SOCKET_A,
        SOCKET_B,
        EVENT,
        SCRATCH_DIR,
    ];
    if opened != expected {
        return Err(format!(
            "the world's descriptors are {opened:?}, expected {expected:?}"
        ));
    }

    build_memory(&mut rng)
}

/// Maps the world mapping over its arena pages and fills it and the data
/// region from `rng`.
fn build_memory(rng: &mut Rng) -> Result<(), String> {
    let world = arena::page(WORLD_MAP_PAGE);
    let length = WORLD_MAP_PAGES * PAGE;
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED;
    let prot = libc::PROT_READ | libc::PROT_WRITE;
    // SAFETY: the world mapping's pages belong to the arena, which no Rust
    // value references, so replacing them breaks nothing.
    let mapped = unsafe { libc::mmap(world as *mut libc::c_void, length, prot, flags, -1, 0) };
    if mapped == libc::MAP_FAILED {
        return Err("mmap of the world mapping failed".to_string());
    }

    fill_memory(world, length, rng);
    fill_memory(arena::page(DATA_PAGE), DATA_PAGES * PAGE, rng);
    arena::write_names();

    // Some pages start read-only or inaccessible.
    for _ in 0..rng.below(3) {
        let page = rng.below(WORLD_MAP_PAGES as u64) as usize;
        let prot = rng.pick(&[libc::PROT_NONE, libc::PROT_READ]);
        // SAFETY: the page lies in the world mapping, which no Rust value
        // references.
        unsafe { libc::mprotect((world + page * PAGE) as *mut libc::c_void, PAGE, prot) };
    }
    Ok(())
}

fn fill_memory(address: usize, length: usize, rng: &mut Rng) {
    for offset in (0..length).step_by(8) {
        // SAFETY: the range lies in the arena, is 8-byte aligned and no
        // Rust value references it.
        unsafe { ((address + offset) as *mut u64).write_volatile(rng.next_u64()) };
    }
}

fn open_file(path: &std::ffi::CStr, flags: i32, rng: &mut Rng) -> Result<i32, String> {
    // SAFETY: the path is a valid C string.
    let fd = check(unsafe { libc::open(path.as_ptr(), flags, 0o644) }, "open")?;
    fill(fd, rng, 4096);
    Ok(fd)
}

/// Writes up to `max` random bytes to `fd`, ignoring a short write.
fn fill(fd: i32, rng: &mut Rng, max: u64) {
    let bytes: Vec<u8> = (0..rng.below(max)).map(|_| rng.next_u64() as u8).collect();
    // SAFETY: the buffer is valid for reads of its length.
    unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
}

fn check(result: i32, what: &str) -> Result<i32, String> {
    if result < 0 {
        return Err(format!(
            "{what} failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(result)
}

/// Returns FNV-1a of `bytes`.
pub fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |state, &byte| {
        (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Describes the calling process's descriptors 0 to 63, its mappings and
/// the contents of the arena's compared regions, one fact per line.
///
/// Inode numbers, times and addresses the kernel picks differ between two
/// processes, so the digest leaves them out.
pub fn digest() -> String {
    let mut text = String::new();

    for fd in 0..64 {
        describe_fd(fd, &mut text);
    }

    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(range), Some(perms)) = (fields.first(), fields.get(1)) else {
            continue;
        };
        let name = fields.get(5).copied().unwrap_or("");
        if [
            "[heap]",
            "[stack]",
            "[vvar]",
            "[vdso]",
            "[vsyscall]",
            "[vvar_vclock]",
        ]
        .contains(&name)
        {
            continue;
        }
        let _ = writeln!(text, "map {range} {perms} {name}");

        let Some((start, end)) = parse_range(range) else {
            continue;
        };
        // The compared memory runs from the data region to the guard page.
        let start = start.max(arena::page(DATA_PAGE));
        let end = end.min(arena::page(GUARD_PAGE));
        if perms.starts_with('r') && start < end {
            let _ = writeln!(text, "  contents {:016x}", hash_memory(start, end));
        }
    }

    text
}

fn parse_range(range: &str) -> Option<(usize, usize)> {
    let (start, end) = range.split_once('-')?;
    Some((
        usize::from_str_radix(start, 16).ok()?,
        usize::from_str_radix(end, 16).ok()?,
    ))
}

/// Hashes the readable memory `start..end`.
fn hash_memory(start: usize, end: usize) -> u64 {
    // SAFETY: /proc/self/maps lists `start..end` as readable, no other
    // thread runs in this process, and the arena is never referenced by a
    // Rust value, so a shared slice of it is valid while this call runs.
    let bytes = unsafe { core::slice::from_raw_parts(start as *const u8, end - start) };
    hash(bytes)
}

fn describe_fd(fd: i32, text: &mut String) {
    // SAFETY: F_GETFD takes no pointer.
    let fd_flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if fd_flags < 0 {
        return;
    }
    // SAFETY: F_GETFL takes no pointer.
    let status_flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: an all-zero stat is a valid value for fstat to fill.
    let mut stat: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: fstat writes one stat into `stat`.
    unsafe { libc::fstat(fd, &mut stat) };
    let kind = stat.st_mode & libc::S_IFMT;
    let _ = write!(
        text,
        "fd {fd} cloexec={fd_flags} flags={status_flags:o} type={kind:o}"
    );

    if kind == libc::S_IFREG {
        // SAFETY: lseek takes no pointer.
        let offset = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
        let mut contents = vec![0u8; stat.st_size.clamp(0, 1 << 20) as usize];
        // SAFETY: the buffer is valid for writes of its length.
        let read = unsafe { libc::pread(fd, contents.as_mut_ptr().cast(), contents.len(), 0) };
        contents.truncate(read.max(0) as usize);
        let _ = write!(
            text,
            " size={} offset={offset} contents={:016x}",
            stat.st_size,
            hash(&contents)
        );
    } else if kind == libc::S_IFIFO || kind == libc::S_IFSOCK {
        let mut queued: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int into `queued`.
        unsafe { libc::ioctl(fd, libc::FIONREAD, &mut queued) };
        let _ = write!(text, " queued={queued}");
    }
    text.push('\n');
}

/// Describes the files under `folder`, recursively and in name order: type,
/// permissions, size and a hash of the contents.
pub fn describe_folder(folder: &Path) -> String {
    let mut text = String::new();
    describe_folder_into(folder, folder, &mut text);
    text
}

fn describe_folder_into(root: &Path, folder: &Path, text: &mut String) {
    let Ok(listing) = std::fs::read_dir(folder) else {
        return;
    };
    let mut paths: Vec<_> = listing
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    paths.sort();

    for path in paths {
        let Ok(metadata) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode();
        if metadata.is_dir() {
            let _ = writeln!(text, "dir {name} {mode:o}");
            describe_folder_into(root, &path, text);
        } else {
            let contents = std::fs::read(&path).unwrap_or_default();
            let _ = writeln!(
                text,
                "file {name} {mode:o} {} {:016x}",
                metadata.len(),
                hash(&contents)
            );
        }
    }
}
