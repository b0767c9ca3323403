//! Reads every regular file under PATH and prints the file count, the byte
//! count and an FNV-1a hash of all contents, in walk order. Each file takes
//! `openat` → `fstat` → `read` → `close`, chained in supersyscall batches of
//! up to 256 files. With `--sequential` they are four plain calls per file,
//! so the two modes differ only in how those calls reach the kernel.
//!
//! Usage: `read_files [--sequential] PATH`
//!
//! Each file's first read takes up to [`BUFFER`] bytes. A file that `fstat`
//! reports as larger is read again whole with `std::fs::read`. Folders are
//! read with `getdents64`; symbolic links are not followed.

use std::ffi::{CStr, OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use supersyscall::abi::MAX_ENTRIES;
use supersyscall::{Batch, DirFd};
use supersyscall_benches::dirs;

/// Bytes of a file's first read.
const BUFFER: usize = 4096;
/// Files per batch: four entries each.
const FILES_PER_BATCH: usize = MAX_ENTRIES / 4;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Batched,
    Sequential,
}

/// The totals, and the FNV-1a (64-bit) hash of every byte read.
struct Totals {
    files: u64,
    bytes: u64,
    hash: u64,
    failed: bool,
}

impl Totals {
    fn add(&mut self, contents: &[u8]) {
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        self.files += 1;
        self.bytes += contents.len() as u64;
        for &byte in contents {
            self.hash = (self.hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    }
}

/// One file's outcome: its bytes, or a mark that it is larger than the
/// first read and must be read whole.
enum Read<'b> {
    Done(&'b [u8]),
    Larger,
}

struct Reader {
    mode: Mode,
    totals: Totals,
    dir_buffer: Vec<u8>,
    /// One first-read buffer per file of a batch.
    buffers: Vec<u8>,
    stats: Vec<libc::stat>,
}

fn main() -> ExitCode {
    let mut mode = Mode::Batched;
    let mut path: Option<OsString> = None;
    for argument in std::env::args_os().skip(1) {
        match argument.to_str() {
            Some("--sequential") => mode = Mode::Sequential,
            Some(option) if option.starts_with('-') => {
                eprintln!(
                    "read_files: unknown option {option}; usage: read_files [--sequential] PATH"
                );
                return ExitCode::from(2);
            }
            _ if path.is_none() => path = Some(argument),
            _ => {
                eprintln!("read_files: one PATH only; usage: read_files [--sequential] PATH");
                return ExitCode::from(2);
            }
        }
    }
    let Some(path) = path else {
        eprintln!("read_files: missing PATH; usage: read_files [--sequential] PATH");
        return ExitCode::from(2);
    };

    let mut reader = Reader {
        mode,
        totals: Totals {
            files: 0,
            bytes: 0,
            hash: 0xcbf2_9ce4_8422_2325,
            failed: false,
        },
        dir_buffer: Vec::new(),
        buffers: vec![0; FILES_PER_BATCH * BUFFER],
        // SAFETY: all-zero bytes are a valid `stat`, a C struct of integers.
        stats: vec![unsafe { std::mem::zeroed() }; FILES_PER_BATCH],
    };
    let root = PathBuf::from(&path);
    match supersyscall_benches::tree::open_directory(&root) {
        Ok(folder) => reader.folder(folder.as_fd(), &root),
        Err(error) => {
            eprintln!(
                "read_files: cannot open folder '{}': {error}",
                root.display()
            );
            return ExitCode::FAILURE;
        }
    }

    let totals = &reader.totals;
    println!(
        "files {} bytes {} fnv1a {:016x}",
        totals.files, totals.bytes, totals.hash
    );
    if totals.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Opens folder `name` in `dir`, without following a link.
fn open_folder(dir: BorrowedFd<'_>, name: &CStr) -> io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: `name` is NUL-terminated; openat takes no other pointer.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a descriptor that openat just created and nothing
    // else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

impl Reader {
    /// Reads every regular file in the open folder `dir` (at `path`), then
    /// walks into its subfolders.
    fn folder(&mut self, dir: BorrowedFd<'_>, path: &Path) {
        let entries = match dirs::read_entries(dir, &mut self.dir_buffer) {
            Ok(entries) => entries,
            Err(error) => {
                eprintln!(
                    "read_files: cannot read folder '{}': {error}",
                    path.display()
                );
                self.totals.failed = true;
                return;
            }
        };
        let files: Vec<&CStr> = entries
            .iter()
            .filter(|&(_, kind)| kind == libc::DT_REG)
            .map(|(name, _)| name)
            .collect();

        for chunk in files.chunks(FILES_PER_BATCH) {
            match self.mode {
                Mode::Batched => self.read_batch(dir, path, chunk),
                Mode::Sequential => self.read_sequential(dir, path, chunk),
            }
        }

        // NOTE: entries of type DT_UNKNOWN are skipped. A file system that
        // does not report types would need an fstatat per entry here.
        for (name, _) in entries.iter().filter(|&(_, kind)| kind == libc::DT_DIR) {
            let child = path.join(OsStr::from_bytes(name.to_bytes()));
            match open_folder(dir, name) {
                Ok(folder) => self.folder(folder.as_fd(), &child),
                Err(error) => {
                    eprintln!(
                        "read_files: cannot open folder '{}': {error}",
                        child.display()
                    );
                    self.totals.failed = true;
                }
            }
        }
    }

    /// Reads `names` with one batch of `openat` → `fstat` → `read` →
    /// `close` chains.
    fn read_batch(&mut self, dir: BorrowedFd<'_>, path: &Path, names: &[&CStr]) {
        let mut batch = Batch::new();
        let mut handles = Vec::with_capacity(names.len());
        let slots = self.stats.iter_mut().zip(self.buffers.chunks_mut(BUFFER));
        for (&name, (stat, buffer)) in names.iter().zip(slots) {
            let fd = batch.openat(DirFd::from(dir), name, libc::O_RDONLY | libc::O_CLOEXEC, 0);
            let fstat = batch.fstat(fd, stat);
            let read = batch.read(fd, buffer);
            let close = batch.close(fd);
            handles.push((fd, fstat, read, close));
        }
        let completion = match batch.submit() {
            Ok(completion) => completion,
            Err(error) => {
                eprintln!("read_files: batch in '{}' failed: {error}", path.display());
                self.totals.failed = true;
                return;
            }
        };

        for (index, (fd, fstat, read, close)) in handles.into_iter().enumerate() {
            let outcome = completion.result(fd).and_then(|_| {
                completion.result(fstat)?;
                let length = completion.result(read)?;
                completion.result(close)?;
                Ok(length)
            });
            let buffer = &self.buffers[index * BUFFER..(index + 1) * BUFFER];
            let read = outcome.map(|length| finish(&self.stats[index], &buffer[..length]));
            let read = read.map_err(|errno| io::Error::from_raw_os_error(errno.raw()));
            record(&mut self.totals, path, names[index], read);
        }
    }

    /// Reads `names` with four plain calls per file.
    fn read_sequential(&mut self, dir: BorrowedFd<'_>, path: &Path, names: &[&CStr]) {
        for &name in names {
            let read = read_one(dir, name, &mut self.stats[0], &mut self.buffers[..BUFFER]);
            let read = read.map(|length| finish(&self.stats[0], &self.buffers[..length]));
            record(&mut self.totals, path, name, read);
        }
    }
}

/// Returns the file's bytes when the first read took all of them.
fn finish<'b>(stat: &libc::stat, first: &'b [u8]) -> Read<'b> {
    if stat.st_size as usize > first.len() {
        Read::Larger
    } else {
        Read::Done(first)
    }
}

/// Adds a file's contents to the totals, reading it whole when the first
/// read was too short, or reports its error.
fn record(totals: &mut Totals, path: &Path, name: &CStr, read: io::Result<Read<'_>>) {
    let file = || path.join(OsStr::from_bytes(name.to_bytes()));
    let error = match read {
        Ok(Read::Done(contents)) => return totals.add(contents),
        Ok(Read::Larger) => match std::fs::read(file()) {
            Ok(contents) => return totals.add(&contents),
            Err(error) => error,
        },
        Err(error) => error,
    };
    eprintln!("read_files: cannot read '{}': {error}", file().display());
    totals.failed = true;
}

/// Runs `openat` → `fstat` → `read` → `close` as four plain calls and
/// returns the length read.
fn read_one(
    dir: BorrowedFd<'_>,
    name: &CStr,
    stat: &mut libc::stat,
    buffer: &mut [u8],
) -> io::Result<usize> {
    let failed = |result: libc::c_long| result < 0;
    // SAFETY: `name` is NUL-terminated; openat takes no other pointer.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat,
            dir.as_raw_fd(),
            name.as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
            0,
        )
    };
    if failed(fd) {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is the descriptor just opened, which only this function
    // uses and closes, and `stat` is a writable `stat`.
    let fstat = unsafe { libc::syscall(libc::SYS_fstat, fd, stat as *mut libc::stat) };
    let fstat_error = io::Error::last_os_error();
    // SAFETY: as above; `buffer` is writable for `buffer.len()` bytes.
    let read = unsafe { libc::syscall(libc::SYS_read, fd, buffer.as_mut_ptr(), buffer.len()) };
    let read_error = io::Error::last_os_error();
    // SAFETY: `fd` is open and owned here; nothing uses it afterwards.
    let close = unsafe { libc::syscall(libc::SYS_close, fd) };
    if failed(fstat) {
        return Err(fstat_error);
    }
    if failed(read) {
        return Err(read_error);
    }
    if failed(close) {
        return Err(io::Error::last_os_error());
    }
    Ok(read as usize)
}
