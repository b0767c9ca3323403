//! The results of a batch that ran.

use core::fmt;
use std::os::fd::{OwnedFd, RawFd};

use crate::abi::Entry;
use crate::backend::{Backend, Run};
use crate::describe;
use crate::emulate::chained_args;
use crate::errno::{decode, is_failure};
use crate::handle::{Fd, Handle, Value};
use crate::raw::{adopt_created_fds, FdSlot};
use crate::{Batch, Errno};

/// The outcome of one entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    /// The entry ran and returned this.
    Ran(Result<T, Errno>),
    /// The entry did not run because an entry it is chained to failed. Its
    /// slot contains `-ECANCELED`.
    Skipped,
    /// The batch stopped before this entry. Its slot contains `-ECANCELED`.
    NotReached,
}

impl<T> Outcome<T> {
    /// Returns the result, with `ECANCELED` for a skipped or unreached entry,
    /// as the kernel stores it.
    pub fn into_result(self) -> Result<T, Errno> {
        match self {
            Outcome::Ran(result) => result,
            Outcome::Skipped | Outcome::NotReached => Err(Errno::ECANCELED),
        }
    }
}

/// The reason [`Completion::take_fd`] returned no descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakeFdError {
    /// The entry ran and failed.
    Failed(Errno),
    /// The entry was skipped because an entry it is chained to failed.
    Skipped,
    /// The batch stopped before the entry.
    NotReached,
    /// A later entry of the batch closed the descriptor.
    ClosedBy {
        /// The index of the `close` entry.
        entry: usize,
    },
    /// An earlier `take_fd` took the descriptor.
    Taken,
    /// The entry succeeded with a value that is no descriptor number.
    NotADescriptor {
        /// The raw result.
        result: i64,
    },
}

impl fmt::Display for TakeFdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TakeFdError::Failed(errno) => write!(f, "the entry failed: {errno}"),
            TakeFdError::Skipped => f.write_str("the entry was skipped because its source failed"),
            TakeFdError::NotReached => f.write_str("the batch stopped before the entry"),
            TakeFdError::ClosedBy { entry } => {
                write!(f, "entry {entry} of the batch closed the descriptor")
            }
            TakeFdError::Taken => f.write_str("the descriptor was already taken"),
            TakeFdError::NotADescriptor { result } => {
                write!(f, "the entry returned {result}, which is no descriptor")
            }
        }
    }
}

impl std::error::Error for TakeFdError {}

/// The results of a submitted batch. It borrows nothing from the batch.
///
/// Read each entry's result through the [`Handle`] its constructor returned.
/// The completion owns every descriptor the batch created and did not close:
/// [`Completion::take_fd`] hands one over as an [`OwnedFd`], and dropping
/// the completion closes the rest. It never closes a descriptor that an
/// entry of the batch closed, because `close` frees a descriptor even when
/// it returns an error.
///
/// # Panics
///
/// The methods that take a handle panic if it comes from another batch.
#[must_use = "a completion holds the results and closes the descriptors the batch created when dropped"]
pub struct Completion {
    batch: u64,
    backend: Backend,
    resumptions: usize,
    count: usize,
    entries: Vec<Entry>,
    results: Vec<i64>,
    fds: Vec<FdSlot>,
}

impl Completion {
    /// Builds the completion of `batch` from its run, taking ownership of the
    /// descriptors the run created, and closing the descriptors handed to
    /// `close` entries that were not reached.
    pub(crate) fn new(batch: Batch<'_>, run: Run) -> Completion {
        let mut parts = batch.into_parts();
        adopt_created_fds(&parts.effects, &parts.results, run.count, &mut parts.fds);

        for (index, fd) in parts.owned {
            if index < run.count {
                // The entry ran `close`, which freed the descriptor.
                let _ = std::os::fd::IntoRawFd::into_raw_fd(fd);
            }
        }

        Completion {
            batch: parts.id,
            backend: run.backend,
            count: run.count,
            resumptions: run.resumptions,
            entries: parts.entries,
            results: parts.results,
            fds: parts.fds,
        }
    }

    /// Returns the number of entries processed, counted from the first.
    ///
    /// Entries below it hold final results; entries from it on were not
    /// reached. This is the value `supersyscall(2)` returns.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Returns the number of entries in the batch.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns whether the batch had no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Returns the backend that ran the batch.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns how many times the batch was submitted again after a signal
    /// stopped it (see [`Batch::set_resume_after_signal`](crate::Batch::set_resume_after_signal)).
    pub fn resumptions(&self) -> usize {
        self.resumptions
    }

    /// Returns the raw result slots, one per entry: `-errno` for a failure,
    /// and `-ECANCELED` for a skipped or unreached entry.
    pub fn raw_results(&self) -> &[i64] {
        &self.results
    }

    /// Returns the first entry that ran and failed, with its index, system
    /// call and error, or `Ok(())` if every entry that ran succeeded.
    ///
    /// Skipped entries do not count: their failed source comes first.
    pub fn check(&self) -> Result<(), EntryFailure> {
        for (index, &result) in self.results[..self.count].iter().enumerate() {
            if is_failure(result) && !self.skipped(index) {
                return Err(EntryFailure {
                    index,
                    name: describe::name_of(self.entries[index].nr),
                    errno: Errno::from_raw(-result as i32),
                });
            }
        }
        Ok(())
    }

    /// Returns what happened to the entry of `handle`.
    pub fn outcome<T: Value>(&self, handle: Handle<T>) -> Outcome<T::Output> {
        let index = self.index_of(&handle);

        if index >= self.count {
            return Outcome::NotReached;
        }
        if self.skipped(index) {
            return Outcome::Skipped;
        }

        Outcome::Ran(decode(self.results[index]).map(T::decode))
    }

    /// Returns the result of the entry of `handle`, with `ECANCELED` for a
    /// skipped or unreached entry. [`Completion::outcome`] distinguishes them.
    ///
    /// For an `openat` entry this is the descriptor's number; the completion
    /// keeps owning it.
    pub fn result<T: Value>(&self, handle: Handle<T>) -> Result<T::Output, Errno> {
        self.outcome(handle).into_result()
    }

    /// Takes the descriptor an `openat` entry created.
    ///
    /// The caller owns the returned descriptor, and the completion no longer
    /// closes it.
    pub fn take_fd(&mut self, handle: Handle<Fd>) -> Result<OwnedFd, TakeFdError> {
        let index = self.index_of(&handle);

        match core::mem::replace(&mut self.fds[index], FdSlot::Taken) {
            FdSlot::Open(fd) => Ok(fd),
            other => {
                self.fds[index] = other;
                Err(self.missing_fd(handle))
            }
        }
    }

    /// Returns why the entry of `handle` has no descriptor to take.
    fn missing_fd(&self, handle: Handle<Fd>) -> TakeFdError {
        match self.fds[handle.index] {
            FdSlot::Taken => return TakeFdError::Taken,
            FdSlot::ClosedBy(entry) => return TakeFdError::ClosedBy { entry },
            FdSlot::Open(_) | FdSlot::None => {}
        }

        match self.outcome(handle) {
            Outcome::Ran(Ok(_)) => TakeFdError::NotADescriptor {
                result: self.results[handle.index],
            },
            Outcome::Ran(Err(errno)) => TakeFdError::Failed(errno),
            Outcome::Skipped => TakeFdError::Skipped,
            Outcome::NotReached => TakeFdError::NotReached,
        }
    }

    /// Returns the number of a descriptor the completion still owns.
    pub fn open_fd(&self, handle: Handle<Fd>) -> Option<RawFd> {
        match &self.fds[self.index_of(&handle)] {
            FdSlot::Open(fd) => Some(std::os::fd::AsRawFd::as_raw_fd(fd)),
            _ => None,
        }
    }

    /// Returns whether entry `index` was skipped: it has a chained argument
    /// whose source failed. Such an entry did not run, whatever its slot.
    fn skipped(&self, index: usize) -> bool {
        let entry = &self.entries[index];

        chained_args(entry).any(|k| is_failure(self.results[entry.args[k] as usize]))
    }

    /// Returns the entry index of `handle`, which must belong to this batch.
    fn index_of<T>(&self, handle: &Handle<T>) -> usize {
        assert!(
            handle.batch == self.batch && handle.index < self.entries.len(),
            "the handle to entry {} belongs to batch {}, not to batch {}",
            handle.index,
            handle.batch,
            self.batch
        );
        handle.index
    }
}

/// Writes the completion as strace would: one line per entry, such as
/// `1: read($0=3, 0x7ffd5e2c0a10, 64) = 10`, where `$0` is the result of
/// entry 0, or `= -1 ENOENT` for a failure.
impl fmt::Debug for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Completion {{ batch: {}, backend: {:?}, count: {}, resumptions: {} }}",
            self.batch, self.backend, self.count, self.resumptions
        )?;
        for (index, entry) in self.entries.iter().enumerate() {
            write!(f, "  {index}: ")?;
            describe::write_entry(f, entry, Some(&self.results))?;
            describe::write_outcome(
                f,
                index,
                self.count,
                self.skipped(index),
                self.results[index],
            )?;
            writeln!(f)?;
        }
        Ok(())
    }
}

/// A failed entry, as [`Completion::check`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryFailure {
    /// The entry's index in its batch.
    pub index: usize,
    /// The system call's name, such as `"openat"`, or `"syscall_N"` for a
    /// number the crate has no constructor for.
    pub name: String,
    /// The error the entry returned.
    pub errno: Errno,
}

impl fmt::Display for EntryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {} ({}) failed: {}", self.index, self.name, self.errno)
    }
}

impl std::error::Error for EntryFailure {}

impl From<EntryFailure> for std::io::Error {
    fn from(failure: EntryFailure) -> std::io::Error {
        let message = failure.to_string();
        std::io::Error::new(std::io::Error::from(failure.errno).kind(), message)
    }
}
