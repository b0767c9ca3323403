//! The batch builder: entries, their effects on descriptors, and submit.

use core::fmt;
use core::marker::PhantomData;
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::abi::{entry_arg_result, Entry, CONTINUE, MAX_ENTRIES};
use crate::backend::{self, Backend};
use crate::handle::{Arg, CloseFd, DirFd, Fd, FdArg, Handle};
use crate::raw::{FdSlot, UNTOUCHED};
use crate::{Completion, Error};

/// The source of batch ids. Ids start at 1 and are unique per process.
static NEXT_BATCH_ID: AtomicU64 = AtomicU64::new(1);

/// The action after a failed entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// Stop after the first failed entry; the later entries are not reached.
    #[default]
    StopAtFailure,
    /// Run every entry (`SUPERSYSCALL_CONTINUE`). Entries chained to a
    /// failed entry are still skipped with `ECANCELED`.
    Continue,
}

/// The effect of an entry on descriptors that the batch owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing the batch tracks.
    None,
    /// Returns a new descriptor that the batch owns after it runs.
    CreatesFd,
    /// Closes the descriptor that entry `source` creates.
    ClosesHandle { source: usize },
    /// Closes a descriptor the caller handed over, kept in `Batch::owned`.
    ClosesOwned,
}

/// A list of system calls to run in order with one `supersyscall(2)` call.
///
/// Each constructor appends one entry and returns a [`Handle`] to its
/// result. Buffers, paths and descriptors passed to a constructor stay
/// borrowed for `'a`, that is until the batch is submitted or dropped, so
/// the kernel never receives a dangling pointer. [`Batch::submit`] consumes the
/// batch and returns a [`Completion`] that borrows nothing, so the buffers
/// are readable again once it returns.
///
/// Errors that depend on how handles are used (a handle of another batch, a
/// descriptor used after an earlier entry closes it) are recorded when the
/// entry is added and returned by `submit` before anything runs.
///
/// # Examples
///
/// ```
/// use supersyscall::{Backend, Batch};
///
/// let mut batch = Batch::new();
/// let pid = batch.getpid();
/// let completion = batch.submit_with(Backend::Emulated)?;
/// assert_eq!(completion.result(pid), Ok(std::process::id() as libc::pid_t));
/// # Ok::<(), supersyscall::Error>(())
/// ```
///
/// A batch cannot outlive a buffer it borrows:
///
/// ```compile_fail,E0597
/// use supersyscall::Batch;
///
/// let stdin = std::io::stdin();
/// let batch = {
///     let mut buffer = [0u8; 16];
///     let mut batch = Batch::new();
///     batch.read(&stdin, &mut buffer);
///     batch
/// };
/// let _ = batch.submit();
/// ```
///
/// A buffer cannot be read while the batch holds it:
///
/// ```compile_fail,E0502
/// use supersyscall::Batch;
///
/// let stdin = std::io::stdin();
/// let mut buffer = [0u8; 16];
/// let mut batch = Batch::new();
/// batch.read(&stdin, &mut buffer);
/// println!("{}", buffer[0]);
/// let _ = batch.submit();
/// ```
///
/// A path cannot be dropped while the batch borrows it:
///
/// ```compile_fail,E0716
/// use supersyscall::{Batch, DirFd};
///
/// let mut batch = Batch::new();
/// batch.openat(DirFd::Cwd, &std::ffi::CString::new("/etc/hostname").unwrap(), 0, 0);
/// let _ = batch.submit();
/// ```
///
/// An out-parameter cannot be read before the batch ran and was dropped:
///
/// ```compile_fail,E0502
/// use supersyscall::{Batch, DirFd};
///
/// let mut stat: libc::statx = unsafe { std::mem::zeroed() };
/// let mut batch = Batch::new();
/// batch.statx(DirFd::Cwd, c"/", 0, libc::STATX_SIZE, &mut stat);
/// println!("{}", stat.stx_size);
/// let _ = batch.submit();
/// ```
///
/// A descriptor cannot be closed while the batch borrows it:
///
/// ```compile_fail,E0505
/// use supersyscall::Batch;
///
/// let file = std::fs::File::open("/").unwrap();
/// let mut batch = Batch::new();
/// batch.fsync(&file);
/// drop(file);
/// let _ = batch.submit();
/// ```
#[must_use = "a batch runs nothing until it is submitted"]
pub struct Batch<'a> {
    id: u64,
    policy: Policy,
    resume_after_signal: bool,
    pub(crate) entries: Vec<Entry>,
    pub(crate) effects: Vec<Effect>,
    /// Descriptors handed to `close`, with the index of their entry.
    owned: Vec<(usize, OwnedFd)>,
    /// For each entry that creates a descriptor, the entry that closes it.
    closed_by: Vec<Option<usize>>,
    /// One result slot per entry, grown as entries are added so that a
    /// submit allocates nothing.
    results: Vec<i64>,
    /// One descriptor slot per entry, grown as `results` is.
    fds: Vec<FdSlot>,
    /// The first error found while adding entries.
    error: Option<Error>,
    borrows: PhantomData<&'a mut [u8]>,
}

/// Writes the batch as strace would write its calls, one line per entry,
/// such as `1: read($0, 0x7ffd5e2c0a10, 64)`, where `$0` is the result of
/// entry 0.
impl fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Batch {{ id: {}, policy: {:?}, entries: {} }}",
            self.id,
            self.policy,
            self.entries.len()
        )?;
        for (index, entry) in self.entries.iter().enumerate() {
            write!(f, "  {index}: ")?;
            crate::describe::write_entry(f, entry, None)?;
            writeln!(f)?;
        }
        Ok(())
    }
}

impl Default for Batch<'_> {
    fn default() -> Self {
        Batch::new()
    }
}

impl<'a> Batch<'a> {
    /// Creates an empty batch with [`Policy::StopAtFailure`].
    pub fn new() -> Batch<'a> {
        Batch::with_capacity(0)
    }

    /// Creates an empty batch with [`Policy::StopAtFailure`] and room for
    /// `entries` entries, so that adding up to that many allocates nothing.
    ///
    /// A batch allocates only while entries are added. Submitting it
    /// allocates nothing, whatever its size, unless the kernel backend
    /// resumes it after a signal, which copies the rest of the batch once
    /// per resumption.
    pub fn with_capacity(entries: usize) -> Batch<'a> {
        Batch {
            id: NEXT_BATCH_ID.fetch_add(1, Ordering::Relaxed),
            policy: Policy::default(),
            resume_after_signal: true,
            entries: Vec::with_capacity(entries),
            effects: Vec::with_capacity(entries),
            owned: Vec::new(),
            closed_by: Vec::with_capacity(entries),
            results: Vec::with_capacity(entries),
            fds: Vec::with_capacity(entries),
            error: None,
            borrows: PhantomData,
        }
    }

    /// Sets what happens after a failed entry.
    pub fn set_policy(&mut self, policy: Policy) -> &mut Self {
        self.policy = policy;
        self
    }

    /// Sets whether an entry that a signal interrupted runs again, as
    /// `SA_RESTART` restarts a direct call (default: `true`).
    ///
    /// This matters on the kernel backend only. A signal stops a batch there
    /// between entries, or interrupts an entry blocked in the kernel. A
    /// batch stopped between entries always goes on with the next entry, as
    /// a program making the same calls directly would. An interrupted entry
    /// runs again with `true`. With `false` it fails with `EINTR` and ends
    /// the batch, as a direct call does for a handler without `SA_RESTART`.
    /// Note that a stop signal, the cgroup freezer or a ptrace attach also
    /// interrupts an entry, with no handler involved. No completed entry
    /// runs twice either way. The emulated backend makes direct calls, which
    /// the kernel itself restarts or fails according to the handler.
    pub fn set_resume_after_signal(&mut self, resume: bool) -> &mut Self {
        self.resume_after_signal = resume;
        self
    }

    /// Returns whether an entry that a signal interrupted runs again.
    pub fn resume_after_signal(&self) -> bool {
        self.resume_after_signal
    }

    /// Returns the policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Returns the number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns whether the batch has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Returns the id that marks the handles of this batch.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Runs the batch on the backend [`Backend::detect`] picks.
    ///
    /// Returns the [`Completion`], or an [`Error`] when the batch could not
    /// run at all. Failed entries are not errors here: they are results in
    /// the completion.
    pub fn submit(self) -> Result<Completion, Error> {
        self.submit_with(Backend::detect())
    }

    /// Runs the batch on `backend`.
    ///
    /// [`Backend::Emulated`] never issues system call 423. With
    /// [`Backend::Kernel`], if the kernel rejects the call itself with
    /// `ENOSYS`, `EPERM` or `EACCES` before running anything (no
    /// supersyscall, or a seccomp filter), the batch runs emulated, and
    /// [`Completion::backend`] reports that.
    pub fn submit_with(mut self, backend: Backend) -> Result<Completion, Error> {
        self.check()?;

        let flags = match self.policy {
            Policy::StopAtFailure => 0,
            Policy::Continue => CONTINUE,
        };
        // The slots move out for the run, which leaves an empty vector and
        // allocates nothing.
        let mut results = std::mem::take(&mut self.results);
        let run = match backend::run(&self, backend, flags, &mut results) {
            Ok(run) => run,
            Err(error) => {
                self.forget_owned(&error);
                return Err(error);
            }
        };
        self.results = results;

        Ok(Completion::new(self, run))
    }

    /// Gives up the descriptors handed to `close` entries without closing
    /// them when the kernel failed the whole call.
    ///
    /// Such a call may have run entries before it failed (`EFAULT` on a
    /// result store), and a descriptor that a `close` entry freed must not be
    /// closed twice, so leaking it is the safe choice. Every other error comes
    /// before anything runs, and dropping the batch closes the descriptors.
    fn forget_owned(&mut self, error: &Error) {
        if let Error::Kernel(_) = error {
            for (_, fd) in self.owned.drain(..) {
                let _ = fd.into_raw_fd();
            }
        }
    }

    /// Returns the first error found while adding entries, then the entry
    /// count check.
    fn check(&self) -> Result<(), Error> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }

        if self.entries.len() > MAX_ENTRIES {
            return Err(Error::TooManyEntries {
                count: self.entries.len(),
            });
        }

        Ok(())
    }

    /// Splits the batch into the parts a completion keeps, ending the
    /// borrows of `'a`.
    pub(crate) fn into_parts(self) -> Parts {
        Parts {
            id: self.id,
            entries: self.entries,
            effects: self.effects,
            owned: self.owned,
            results: self.results,
            fds: self.fds,
        }
    }

    /// Starts a new entry for system call `nr`.
    pub(crate) fn entry(&mut self, nr: libc::c_long) -> EntryBuilder<'_, 'a> {
        let index = self.entries.len();

        EntryBuilder {
            batch: self,
            index,
            entry: Entry {
                nr: nr as u32,
                ..Entry::default()
            },
            effect: Effect::None,
        }
    }

    /// Records `error` unless an earlier one is recorded.
    pub(crate) fn record(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// Checks that `entry` may use the result of entry `index` of batch
    /// `batch`, and records the error if not.
    fn check_source(&mut self, entry: usize, batch: u64, index: usize) -> bool {
        if batch != self.id || index >= entry {
            self.record(Error::ForeignHandle {
                entry,
                handle_entry: index,
                handle_batch: batch,
                batch: self.id,
            });
            return false;
        }

        if let Some(closed_by) = self.closed_by[index] {
            self.record(Error::UseAfterClose {
                entry,
                handle_entry: index,
                closed_by,
            });
            return false;
        }

        true
    }
}

/// The parts of a batch that remain after it ran: everything but its borrows.
pub(crate) struct Parts {
    pub(crate) id: u64,
    pub(crate) entries: Vec<Entry>,
    pub(crate) effects: Vec<Effect>,
    /// Descriptors handed to `close`, with the index of their entry.
    pub(crate) owned: Vec<(usize, OwnedFd)>,
    /// The result slots the run filled.
    pub(crate) results: Vec<i64>,
    /// One [`FdSlot::None`] per entry.
    pub(crate) fds: Vec<FdSlot>,
}

/// One entry under construction.
///
/// Each method lowers one typed argument into `args[k]`, setting the
/// chain flag when the argument is a handle.
pub(crate) struct EntryBuilder<'b, 'a> {
    batch: &'b mut Batch<'a>,
    index: usize,
    entry: Entry,
    effect: Effect,
}

impl EntryBuilder<'_, '_> {
    /// Sets `args[k]` to a plain value.
    pub(crate) fn value(mut self, k: usize, value: u64) -> Self {
        self.entry.args[k] = value;
        self
    }

    /// Sets `args[k]` to the result of an earlier entry.
    pub(crate) fn result_of<T>(self, k: usize, handle: Handle<T>) -> Self {
        self.chain(k, handle.batch, handle.index)
    }

    /// Sets `args[k]` to a descriptor.
    pub(crate) fn fd(self, k: usize, fd: FdArg<'_>) -> Self {
        match fd {
            FdArg::Borrowed(fd) => self.value(k, fd.as_raw_fd() as u64),
            FdArg::Handle(handle) => self.result_of(k, handle),
        }
    }

    /// Sets `args[k]` to a `dirfd`.
    pub(crate) fn dirfd(self, k: usize, dirfd: DirFd<'_>) -> Self {
        match dirfd {
            DirFd::Cwd => self.value(k, libc::AT_FDCWD as u64),
            DirFd::Borrowed(fd) => self.value(k, fd.as_raw_fd() as u64),
            DirFd::Handle(handle) => self.result_of(k, handle),
        }
    }

    /// Sets `args[k]` to a raw argument.
    pub(crate) fn arg(self, k: usize, arg: Arg) -> Self {
        match arg {
            Arg::Value(value) => self.value(k, value),
            Arg::ResultOf { batch, index } => self.chain(k, batch, index),
        }
    }

    /// Sets `args[k]` to the descriptor to close, and marks it closed.
    pub(crate) fn close_fd(mut self, k: usize, fd: CloseFd) -> Self {
        match fd {
            CloseFd::Owned(fd) => {
                self.entry.args[k] = fd.as_raw_fd() as u64;
                self.batch.owned.push((self.index, fd));
                self.effect = Effect::ClosesOwned;
                self
            }
            CloseFd::Handle(handle) => self.close_handle(k, handle),
        }
    }

    /// Marks the entry as creating a descriptor that the batch owns.
    pub(crate) fn creates_fd(mut self) -> Self {
        self.effect = Effect::CreatesFd;
        self
    }

    /// Appends the entry to the batch and returns its handle.
    pub(crate) fn push<T>(self) -> Handle<T> {
        let batch = self.batch;

        batch.entries.push(self.entry);
        batch.effects.push(self.effect);
        batch.closed_by.push(None);
        batch.results.push(UNTOUCHED);
        batch.fds.push(FdSlot::None);
        if let Effect::ClosesHandle { source } = self.effect {
            batch.closed_by[source] = Some(self.index);
        }

        Handle::new(batch.id, self.index)
    }

    fn chain(mut self, k: usize, batch: u64, index: usize) -> Self {
        if self.batch.check_source(self.index, batch, index) {
            self.link(k, index);
        }
        self
    }

    fn close_handle(mut self, k: usize, handle: Handle<Fd>) -> Self {
        if self
            .batch
            .check_source(self.index, handle.batch, handle.index)
        {
            self.link(k, handle.index);
            self.effect = Effect::ClosesHandle {
                source: handle.index,
            };
        }
        self
    }

    /// Makes `args[k]` the result of entry `source`.
    fn link(&mut self, k: usize, source: usize) {
        self.entry.flags |= entry_arg_result(k);
        self.entry.args[k] = source as u64;
    }
}
