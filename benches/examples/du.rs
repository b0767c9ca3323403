//! A `du -sk`-like tool: the disk usage of each PATH in KiB, summed over
//! every file and folder under it, with hard-linked files counted once.
//! It reads each folder with `getdents64` and `statx`es all its entries in
//! supersyscall batches, or, with `--sequential`, with one `statx` call per
//! entry, so that the two modes differ only in how the `statx` calls reach
//! the kernel.
//!
//! Usage: `du [--sequential] PATH...`
//!
//! The output matches GNU `du -sk PATH...`: one line per PATH, the KiB
//! count (rounded up) and the path, separated by a tab. Symbolic links are
//! not followed, and the walk does not stay on one file system.

use std::collections::HashSet;
use std::ffi::{CStr, CString, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use supersyscall::jobs;
use supersyscall_benches::dirs;

/// The fields each entry's `statx` requests.
const MASK: u32 =
    libc::STATX_TYPE | libc::STATX_MODE | libc::STATX_NLINK | libc::STATX_INO | libc::STATX_BLOCKS;
/// `statx` flags: report on symbolic links themselves, as `du` does.
const FLAGS: libc::c_int = libc::AT_SYMLINK_NOFOLLOW;

/// The way the tool makes its `statx` calls.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Batched,
    Sequential,
}

/// The state of one walk.
struct Walk {
    mode: Mode,
    /// Bytes of disk in use: the sum of `stx_blocks` × 512.
    bytes: u64,
    /// Device and inode of each file with more than one link, so that
    /// each is counted once.
    linked: HashSet<(u32, u32, u64)>,
    /// The `getdents64` buffer, reused for every folder.
    buffer: Vec<u8>,
    /// Whether any entry could not be read.
    failed: bool,
}

fn main() -> ExitCode {
    let mut mode = Mode::Batched;
    let mut paths: Vec<OsString> = Vec::new();
    for argument in std::env::args_os().skip(1) {
        match argument.to_str() {
            Some("--sequential") => mode = Mode::Sequential,
            Some("-h" | "--help") => {
                println!("usage: du [--sequential] PATH...");
                return ExitCode::SUCCESS;
            }
            Some(option) if option.starts_with('-') => {
                eprintln!("du: unknown option {option}; usage: du [--sequential] PATH...");
                return ExitCode::from(2);
            }
            _ => paths.push(argument),
        }
    }
    if paths.is_empty() {
        paths.push(".".into());
    }

    let mut status = ExitCode::SUCCESS;
    for path in paths {
        let mut walk = Walk {
            mode,
            bytes: 0,
            linked: HashSet::new(),
            buffer: Vec::new(),
            failed: false,
        };
        if let Err(error) = walk.top(&path) {
            eprintln!("du: cannot access '{}': {error}", path.to_string_lossy());
            status = ExitCode::FAILURE;
            continue;
        }
        if walk.failed {
            status = ExitCode::FAILURE;
        }
        println!("{}\t{}", walk.bytes.div_ceil(1024), path.to_string_lossy());
    }
    status
}

/// Returns `statx(dirfd, path, FLAGS, MASK)` made as one plain call.
fn statx_one(dirfd: libc::c_int, path: &CStr) -> io::Result<libc::statx> {
    // SAFETY: all-zero bytes are a valid `statx`, a C struct of integers.
    let mut buffer: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `buffer` is a writable `statx`,
    // both live for the call.
    let result = unsafe {
        libc::syscall(
            libc::SYS_statx,
            dirfd,
            path.as_ptr(),
            FLAGS,
            MASK,
            &mut buffer,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(buffer)
}

/// Opens folder `name` in `dir` for reading, without following a link.
fn open_folder(dir: libc::c_int, name: &CStr) -> io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: `name` is NUL-terminated; openat takes no other pointer.
    let fd = unsafe { libc::openat(dir, name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a descriptor that openat just created and nothing
    // else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Returns a copy of `error` with the same OS error code.
fn clone_error(error: &io::Error) -> io::Error {
    match error.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(error.kind(), error.to_string()),
    }
}

fn is_folder(stat: &libc::statx) -> bool {
    u32::from(stat.stx_mode) & libc::S_IFMT == libc::S_IFDIR
}

impl Walk {
    /// Counts `path` itself and, if it is a folder, everything under it.
    fn top(&mut self, path: &OsString) -> io::Result<()> {
        let c_path = CString::new(path.as_bytes())?;
        let stat = statx_one(libc::AT_FDCWD, &c_path)?;
        self.count(&stat);
        if is_folder(&stat) {
            let folder = open_folder(libc::AT_FDCWD, &c_path)?;
            self.folder(folder.as_fd(), &path.to_string_lossy());
        }
        Ok(())
    }

    /// Adds the blocks of one file, unless a hard link to it was counted.
    /// Returns whether it counted.
    fn count(&mut self, stat: &libc::statx) -> bool {
        if stat.stx_nlink > 1 && !is_folder(stat) {
            let key = (stat.stx_dev_major, stat.stx_dev_minor, stat.stx_ino);
            if !self.linked.insert(key) {
                return false;
            }
        }
        self.bytes += stat.stx_blocks * 512;
        true
    }

    /// Counts every entry of the open folder `dir`, whose path is `path`,
    /// and walks into its subfolders.
    fn folder(&mut self, dir: BorrowedFd<'_>, path: &str) {
        let entries = match dirs::read_entries(dir, &mut self.buffer) {
            Ok(entries) => entries,
            Err(error) => {
                eprintln!("du: cannot read folder '{path}': {error}");
                self.failed = true;
                return;
            }
        };
        match self.mode {
            Mode::Sequential => {
                for (name, _) in entries.iter() {
                    let stat = statx_one(dir.as_raw_fd(), name);
                    self.entry(dir, path, name, stat.as_ref().map_err(clone_error));
                }
            }
            Mode::Batched => {
                let names: Vec<&CStr> = entries.iter().map(|(name, _)| name).collect();
                let results = match jobs::statx_paths(dir, &names, FLAGS, MASK) {
                    Ok(results) => results,
                    Err(error) => {
                        eprintln!("du: statx batch in '{path}' failed: {error}");
                        self.failed = true;
                        return;
                    }
                };
                for (name, result) in names.into_iter().zip(&results) {
                    let stat = result
                        .as_ref()
                        .map_err(|errno| io::Error::from_raw_os_error(errno.raw()));
                    self.entry(dir, path, name, stat);
                }
            }
        }
    }

    /// Counts entry `name` of folder `dir` (at `path`) from its `statx`
    /// result, and walks into it if it is a folder. Builds the entry's path
    /// only for a message or a subfolder.
    fn entry(
        &mut self,
        dir: BorrowedFd<'_>,
        path: &str,
        name: &CStr,
        stat: Result<&libc::statx, io::Error>,
    ) {
        let child = || format!("{path}/{}", name.to_string_lossy());
        let stat = match stat {
            Ok(stat) => stat,
            Err(error) => {
                eprintln!("du: cannot access '{}': {error}", child());
                self.failed = true;
                return;
            }
        };
        if !self.count(stat) || !is_folder(stat) {
            return;
        }
        match open_folder(dir.as_raw_fd(), name) {
            Ok(folder) => self.folder(folder.as_fd(), &child()),
            Err(error) => {
                eprintln!("du: cannot read folder '{}': {error}", child());
                self.failed = true;
            }
        }
    }
}
