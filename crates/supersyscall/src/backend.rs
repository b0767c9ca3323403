//! The choice between the kernel's `supersyscall(2)` and the emulation.

use core::fmt;
use std::sync::OnceLock;

use crate::abi::VERSION;
use crate::errno::decode;
use crate::raw::{query_version, UNTOUCHED};
use crate::{emulate, Batch, Errno, Error};

/// The mechanism that runs a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// One `supersyscall(2)` call: one kernel entry for the whole batch.
    Kernel,
    /// One plain system call per entry, with the same results as the
    /// kernel. Works on any x86_64 Linux kernel.
    Emulated,
}

impl Backend {
    /// Returns [`Backend::Kernel`] if the running kernel has supersyscall,
    /// and [`Backend::Emulated`] otherwise.
    ///
    /// The first call issues `supersyscall(NULL, NULL, 0,
    /// SUPERSYSCALL_QUERY)` once and caches the result for the process: a
    /// result of `SUPERSYSCALL_VERSION` (1) means the kernel backend. Any
    /// other result, `-ENOSYS` from a kernel without it or an error from a
    /// seccomp filter, means the emulation.
    ///
    /// A seccomp filter whose default action kills the process on unknown
    /// system calls makes this probe fatal. Under such a filter, pass
    /// [`Backend::Emulated`] to [`Batch::submit_with`], which never probes.
    pub fn detect() -> Backend {
        static DETECTED: OnceLock<Backend> = OnceLock::new();

        *DETECTED.get_or_init(probe)
    }
}

impl fmt::Display for Backend {
    /// Formats as `kernel` or `emulated`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Kernel => "kernel",
            Backend::Emulated => "emulated",
        })
    }
}

fn probe() -> Backend {
    if query_version() == VERSION {
        Backend::Kernel
    } else {
        Backend::Emulated
    }
}

/// The outcome of running a batch.
#[derive(Debug)]
pub(crate) struct Run {
    /// The backend that ran the batch.
    pub(crate) backend: Backend,
    /// The number of entries processed.
    pub(crate) count: usize,
    /// One result slot per entry.
    pub(crate) results: Vec<i64>,
}

/// Runs `batch` with call flags `flags` on `backend`.
pub(crate) fn run(batch: &Batch<'_>, backend: Backend, flags: u32) -> Result<Run, Error> {
    match backend {
        Backend::Kernel => run_kernel(batch, flags),
        Backend::Emulated => run_emulated(batch, flags),
    }
}

fn run_kernel(batch: &Batch<'_>, flags: u32) -> Result<Run, Error> {
    let (ret, results) = batch.call_kernel(flags);

    match decode(ret) {
        Ok(count) => Ok(Run {
            backend: Backend::Kernel,
            count: (count as usize).min(results.len()),
            results,
        }),
        Err(errno) if refused(errno) && results.iter().all(|&slot| slot == UNTOUCHED) => {
            run_emulated(batch, flags)
        }
        Err(errno) => Err(Error::Kernel(errno)),
    }
}

/// Returns whether `errno` from a whole call means the kernel has no
/// supersyscall or a seccomp filter rejected it.
fn refused(errno: Errno) -> bool {
    [Errno::ENOSYS, Errno::EPERM, Errno::EACCES].contains(&errno)
}

fn run_emulated(batch: &Batch<'_>, flags: u32) -> Result<Run, Error> {
    let mut results = vec![UNTOUCHED; batch.entries.len()];

    let count = emulate::run(&batch.entries, &mut results, flags, |index, args| {
        batch.call_entry(index, args)
    })
    .map_err(Error::Emulation)?;

    Ok(Run {
        backend: Backend::Emulated,
        count,
        results,
    })
}

/// Returns the backend the tests run on, from `SUPERSYSCALL_TEST_BACKEND`:
/// `kernel`, `emulated`, or unset for [`Backend::detect`].
///
/// # Panics
///
/// Panics for any other value, and for `kernel` when the running kernel has
/// no supersyscall, so such a run fails instead of testing the emulation.
#[cfg(test)]
pub(crate) fn test_backend() -> Backend {
    match std::env::var("SUPERSYSCALL_TEST_BACKEND").as_deref() {
        Ok("kernel") => {
            assert_eq!(
                Backend::detect(),
                Backend::Kernel,
                "SUPERSYSCALL_TEST_BACKEND=kernel, but this kernel has no supersyscall"
            );
            Backend::Kernel
        }
        Ok("emulated") => Backend::Emulated,
        Err(std::env::VarError::NotPresent) => Backend::detect(),
        other => panic!("SUPERSYSCALL_TEST_BACKEND must be kernel or emulated, not {other:?}"),
    }
}
