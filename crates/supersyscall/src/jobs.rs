//! Helpers for the jobs that programs batch most: reading many small files,
//! `statx` of many paths, and writing many buffers to many descriptors.
//!
//! Each helper splits its work into batches of at most
//! [`MAX_ENTRIES`] entries, runs them with
//! [`Batch::submit`], and returns one result per item, in order. A failed
//! item does not stop the others.

use core::ffi::CStr;
use std::os::fd::BorrowedFd;

use crate::abi::MAX_ENTRIES;
use crate::{Batch, DirFd, Errno, Error, Policy};

/// Reads up to `max_len` bytes of each file in `paths`, with one
/// `openat` → `read` → `close` chain per file, and returns each file's bytes
/// or the first error of its chain.
///
/// The files are opened read-only with `O_CLOEXEC` relative to `dirfd`. A
/// file longer than `max_len` is cut at `max_len` bytes, because each file
/// gets one `read`.
pub fn read_files(
    dirfd: BorrowedFd<'_>,
    paths: &[&CStr],
    max_len: usize,
) -> Result<Vec<Result<Vec<u8>, Errno>>, Error> {
    let mut contents = Vec::with_capacity(paths.len());

    for chunk in paths.chunks(MAX_ENTRIES / 3) {
        let mut buffers = vec![vec![0u8; max_len]; chunk.len()];
        let mut batch = Batch::new();
        batch.set_policy(Policy::Continue);
        let mut handles = Vec::with_capacity(chunk.len());
        for (&path, buffer) in chunk.iter().zip(buffers.iter_mut()) {
            let fd = batch.openat(DirFd::from(dirfd), path, libc::O_RDONLY | libc::O_CLOEXEC, 0);
            let read = batch.read(fd, buffer);
            let close = batch.close(fd);
            handles.push((fd, read, close));
        }
        let completion = batch.submit()?;

        for ((fd, read, close), mut buffer) in handles.into_iter().zip(buffers) {
            let outcome = completion.result(fd).and_then(|_| {
                let length = completion.result(read)?;
                completion.result(close)?;
                Ok(length)
            });
            contents.push(outcome.map(|length| {
                buffer.truncate(length);
                buffer
            }));
        }
    }
    Ok(contents)
}

/// Runs `statx(dirfd, path, flags, mask)` for each of `paths` and returns
/// each result.
pub fn statx_paths(
    dirfd: BorrowedFd<'_>,
    paths: &[&CStr],
    flags: libc::c_int,
    mask: libc::c_uint,
) -> Result<Vec<Result<libc::statx, Errno>>, Error> {
    let mut results = Vec::with_capacity(paths.len());

    for chunk in paths.chunks(MAX_ENTRIES) {
        let mut buffers = vec![crate::raw::zeroed_statx(); chunk.len()];
        let mut batch = Batch::new();
        batch.set_policy(Policy::Continue);
        let mut handles = Vec::with_capacity(chunk.len());
        for (&path, buffer) in chunk.iter().zip(buffers.iter_mut()) {
            handles.push(batch.statx(DirFd::from(dirfd), path, flags, mask, buffer));
        }
        let completion = batch.submit()?;

        for (handle, buffer) in handles.into_iter().zip(buffers) {
            results.push(completion.result(handle).map(|()| buffer));
        }
    }
    Ok(results)
}

/// Writes each buffer to its descriptor with one `write` each and returns
/// the number of bytes each write wrote, which may be short.
pub fn write_buffers(writes: &[(BorrowedFd<'_>, &[u8])]) -> Result<Vec<Result<usize, Errno>>, Error> {
    let mut results = Vec::with_capacity(writes.len());

    for chunk in writes.chunks(MAX_ENTRIES) {
        let mut batch = Batch::new();
        batch.set_policy(Policy::Continue);
        let handles: Vec<_> = chunk.iter().map(|&(fd, buffer)| batch.write(fd, buffer)).collect();
        let completion = batch.submit()?;
        results.extend(handles.into_iter().map(|handle| completion.result(handle)));
    }
    Ok(results)
}
