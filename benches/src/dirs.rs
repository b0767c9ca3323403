//! Reading a folder with `getdents64(2)` directly, as `du` and similar
//! tools do, so that the examples control every system call they make.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// The buffer size for one `getdents64` call.
pub const BUFFER_SIZE: usize = 32 * 1024;

/// The entries of one folder, without `.` and `..`, in the order
/// `getdents64` returns them. The names share one buffer, so reading a
/// folder allocates per folder, not per entry.
#[derive(Clone, Debug, Default)]
pub struct DirEntries {
    /// Every name, each followed by its NUL.
    names: Vec<u8>,
    /// Each entry's name as a range of `names` that includes the NUL, and
    /// its `d_type`: `DT_REG`, `DT_DIR` and so on, or `DT_UNKNOWN` where the
    /// file system does not report the type.
    entries: Vec<(usize, usize, u8)>,
}

impl DirEntries {
    /// Returns the number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns whether the folder has no entries besides `.` and `..`.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Returns each entry's name and `d_type`.
    pub fn iter(&self) -> impl Iterator<Item = (&CStr, u8)> + '_ {
        self.entries.iter().map(|&(start, end, kind)| {
            let name = CStr::from_bytes_with_nul(&self.names[start..end]).unwrap_or(c"");
            (name, kind)
        })
    }

    fn push(&mut self, name: &[u8], kind: u8) {
        let start = self.names.len();
        self.names.extend_from_slice(name);
        self.names.push(0);
        self.entries.push((start, self.names.len(), kind));
    }
}

/// Returns every entry of the open folder `dir` except `.` and `..`, in the
/// order `getdents64` returns them. `buffer` is scratch space, reused
/// between calls to save allocations.
pub fn read_entries(dir: BorrowedFd<'_>, buffer: &mut Vec<u8>) -> io::Result<DirEntries> {
    buffer.resize(BUFFER_SIZE, 0);
    let mut entries = DirEntries::default();

    loop {
        // SAFETY: `buffer` is valid for writes of `buffer.len()` bytes for
        // the duration of the call.
        let length = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                dir.as_raw_fd(),
                buffer.as_mut_ptr(),
                buffer.len(),
            )
        };
        if length < 0 {
            return Err(io::Error::last_os_error());
        }
        if length == 0 {
            return Ok(entries);
        }
        parse(&buffer[..length as usize], &mut entries)?;
    }
}

/// Appends the records of one `getdents64` result to `entries`.
///
/// Each `struct linux_dirent64` record is `d_ino` (8 bytes), `d_off` (8),
/// `d_reclen` (2), `d_type` (1) and the NUL-terminated name, padded to
/// `d_reclen` bytes.
pub fn parse(records: &[u8], entries: &mut DirEntries) -> io::Result<()> {
    const NAME_OFFSET: usize = 19;
    let invalid = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("getdents64 returned {what}"),
        )
    };

    let mut offset = 0;
    while offset < records.len() {
        let record = &records[offset..];
        if record.len() < NAME_OFFSET + 1 {
            return Err(invalid("a truncated record"));
        }
        let record_length = u16::from_ne_bytes([record[16], record[17]]) as usize;
        if record_length <= NAME_OFFSET || record_length > record.len() {
            return Err(invalid("a record length out of range"));
        }
        let kind = record[18];
        let name_bytes = &record[NAME_OFFSET..record_length];
        let name_length = name_bytes
            .iter()
            .position(|&byte| byte == 0)
            .ok_or_else(|| invalid("a name without a NUL"))?;
        let name = &name_bytes[..name_length];
        if name != b"." && name != b".." {
            entries.push(name, kind);
        }
        offset += record_length;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &[u8], kind: u8) -> Vec<u8> {
        let length = (19 + name.len() + 1).next_multiple_of(8);
        let mut bytes = vec![0u8; length];
        bytes[0..8].copy_from_slice(&7u64.to_ne_bytes());
        bytes[16..18].copy_from_slice(&(length as u16).to_ne_bytes());
        bytes[18] = kind;
        bytes[19..19 + name.len()].copy_from_slice(name);
        bytes
    }

    #[test]
    fn parse_skips_dot_entries() {
        let mut records = record(b".", libc::DT_DIR);
        records.extend(record(b"..", libc::DT_DIR));
        records.extend(record(b"file", libc::DT_REG));
        records.extend(record(b"sub", libc::DT_DIR));
        let mut entries = DirEntries::default();

        parse(&records, &mut entries).unwrap();

        let listed: Vec<_> = entries.iter().collect();
        assert_eq!(listed, [(c"file", libc::DT_REG), (c"sub", libc::DT_DIR)]);
    }

    #[test]
    fn parse_rejects_bad_length() {
        let mut records = record(b"file", libc::DT_REG);
        records[16..18].copy_from_slice(&400u16.to_ne_bytes());

        let error = parse(&records, &mut DirEntries::default()).unwrap_err();

        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn read_entries_lists_folder() {
        let dir = std::env::temp_dir().join(format!("supersyscall-dirs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a"), b"x").unwrap();
        let fd = crate::tree::open_directory(&dir).unwrap();
        let mut buffer = Vec::new();

        let entries = read_entries(std::os::fd::AsFd::as_fd(&fd), &mut buffer).unwrap();
        let mut names: Vec<_> = entries
            .iter()
            .map(|(name, _)| name.to_str().unwrap().to_string())
            .collect();
        names.sort();
        std::fs::remove_dir_all(&dir).unwrap();

        assert_eq!(entries.len(), 2);
        assert_eq!(names, ["a", "sub"]);
    }
}
