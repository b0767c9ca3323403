//! The file tree the workloads read: [`DIRECTORIES`] folders of
//! [`FILES_PER_DIRECTORY`] small files each, and one larger file for
//! `pread`. Every program of a boot uses the same tree, which the first one
//! creates.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Folders in the tree.
pub const DIRECTORIES: usize = 100;
/// Files in each folder.
pub const FILES_PER_DIRECTORY: usize = 100;
/// Files in the tree.
pub const FILES: usize = DIRECTORIES * FILES_PER_DIRECTORY;
/// The largest small file, in bytes. Sizes run from 100 bytes up to this.
pub const MAX_FILE_SIZE: usize = 999;
/// The size of the `pread` file: 256 pages of 4 KiB.
pub const DATA_SIZE: usize = 256 * 4096;

/// Returns the size of small file number `index`: between 100 and
/// [`MAX_FILE_SIZE`] bytes, varied so that reads differ in length.
pub fn file_size(index: usize) -> usize {
    100 + (index * 37) % (MAX_FILE_SIZE - 99)
}

/// Returns the byte at `offset` of small file number `index`.
pub fn file_byte(index: usize, offset: usize) -> u8 {
    b'a' + ((index + offset) % 26) as u8
}

/// The benchmark tree, created if missing.
pub struct Tree {
    /// The folder that contains the tree (`tree/`) and the `pread` file.
    pub root: PathBuf,
    /// The tree's top folder, open for `openat` and `statx`.
    pub dir: OwnedFd,
    /// Every small file's path relative to [`Tree::dir`], in creation
    /// order.
    pub paths: Vec<CString>,
}

impl Tree {
    /// Opens the tree under `$SUPERSYSCALL_BENCH_DIR`, or under the system's
    /// temporary folder (`/tmp`, a tmpfs in the guest), creating it when it
    /// is missing or incomplete.
    pub fn open_or_create() -> io::Result<Tree> {
        let base = std::env::var_os("SUPERSYSCALL_BENCH_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let root = base.join("supersyscall-bench");
        let top = root.join("tree");
        let marker = root.join("complete");

        if !marker.exists() {
            create(&root, &top)?;
            fs::write(&marker, format!("{FILES}\n"))?;
        }

        let dir = open_directory(&top)?;
        let paths = (0..FILES).map(relative_path).collect();
        Ok(Tree { root, dir, paths })
    }

    /// Returns the path of the tree's top folder.
    pub fn top(&self) -> PathBuf {
        self.root.join("tree")
    }

    /// Returns the path of the `pread` file, [`DATA_SIZE`] bytes.
    pub fn data_path(&self) -> PathBuf {
        self.root.join("data")
    }

    /// Returns the raw descriptor of [`Tree::dir`].
    pub fn dir_fd(&self) -> libc::c_int {
        self.dir.as_raw_fd()
    }
}

/// Returns `dNN/fNNNN`, the path of small file number `index` relative to
/// the tree's top.
fn relative_path(index: usize) -> CString {
    let text = format!("d{:02}/f{:04}", index / FILES_PER_DIRECTORY, index);
    CString::new(text).unwrap_or_default()
}

fn create(root: &Path, top: &Path) -> io::Result<()> {
    if top.exists() {
        fs::remove_dir_all(top)?;
    }
    fs::create_dir_all(top)?;

    for directory in 0..DIRECTORIES {
        fs::create_dir(top.join(format!("d{directory:02}")))?;
    }
    for index in 0..FILES {
        let contents: Vec<u8> = (0..file_size(index))
            .map(|offset| file_byte(index, offset))
            .collect();
        let path = top.join(std::ffi::OsStr::from_bytes(relative_path(index).as_bytes()));
        fs::write(path, contents)?;
    }

    let data: Vec<u8> = (0..DATA_SIZE).map(|offset| (offset % 251) as u8).collect();
    fs::write(root.join("data"), data)
}

/// Opens `path` as a folder for `*at` calls.
pub fn open_directory(path: &Path) -> io::Result<OwnedFd> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(path)?;
    Ok(file.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_stay_in_range() {
        for index in 0..FILES {
            let size = file_size(index);
            assert!(
                (100..=MAX_FILE_SIZE).contains(&size),
                "file {index}: {size} bytes"
            );
        }
    }

    #[test]
    fn relative_paths_name_folder_and_file() {
        assert_eq!(relative_path(0).to_str(), Ok("d00/f0000"));
        assert_eq!(relative_path(9_999).to_str(), Ok("d99/f9999"));
    }
}
