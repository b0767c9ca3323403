//! Worker processes: a round that runs threads, installs filters or leaks
//! descriptors runs in a forked child, so that the tool's own process stays
//! single-threaded and clean. A worker reports a finding through a shared
//! page, because its standard streams point at /dev/null.

use std::time::{Duration, Instant};

use crate::sys::{self, Ending, PAGE};

/// How long a worker may outlive its round's deadline before it counts as
/// hung. Blocked entries wake within milliseconds, so this is generous.
const GRACE: Duration = Duration::from_secs(120);

/// The bytes of the finding page available for the message.
const MESSAGE_CAPACITY: usize = 4 * PAGE - 8;

#[repr(C)]
struct FindingPage {
    length: u64,
    message: [u8; MESSAGE_CAPACITY],
}

/// The shared page that a worker writes its finding to.
#[derive(Clone, Copy)]
pub struct Finding {
    page: *mut FindingPage,
}

// SAFETY: the page is written only by the worker's thread that reports
// through `Finding::store`, under the lock in `store`, and read by the
// parent after the worker has exited.
unsafe impl Send for Finding {}
// SAFETY: as for Send: `store` serializes writers.
unsafe impl Sync for Finding {}

static STORE_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Finding {
    /// Records `message` unless an earlier finding is already recorded.
    pub fn store(&self, message: &str) {
        let _guard = STORE_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // SAFETY: the lock serializes the worker's writers, and the parent
        // reads only after the worker exits.
        let page = unsafe { &mut *self.page };
        if page.length != 0 {
            return;
        }
        let length = message.len().min(MESSAGE_CAPACITY);
        page.message[..length].copy_from_slice(&message.as_bytes()[..length]);
        page.length = length as u64;
    }
}

/// Runs `body` in a forked worker, calls `supervise` with the worker's pid
/// in this process meanwhile, and returns the worker's finding, if any.
///
/// The worker's standard streams point at /dev/null, and it may run until
/// `deadline` plus [`GRACE`] before it counts as hung. A worker that ends
/// with a signal, or with a status other than 0 and no message, is a
/// finding too, unless `allowed` accepts its ending.
pub fn run(
    deadline: Instant,
    allowed: impl Fn(Ending) -> bool,
    supervise: impl FnOnce(libc::pid_t),
    body: impl FnOnce(Finding) -> Result<(), String>,
) -> Result<(), String> {
    let page = sys::map_anonymous(
        core::mem::size_of::<FindingPage>(),
        libc::PROT_READ | libc::PROT_WRITE,
        true,
    );
    let finding = Finding { page: page.cast() };

    let pid = sys::fork_child(move || {
        sys::silence_standard_streams();
        match body(finding) {
            Ok(()) => 0,
            Err(message) => {
                finding.store(&message);
                1
            }
        }
    });
    supervise(pid);
    let limit = deadline.saturating_duration_since(Instant::now()) + GRACE;
    let ending = sys::wait_child(pid, limit);

    // SAFETY: the worker has exited, so nothing writes the page now.
    let stored = unsafe { &*finding.page };
    let length = (stored.length as usize).min(MESSAGE_CAPACITY);
    let message = String::from_utf8_lossy(&stored.message[..length]).into_owned();
    // SAFETY: the page was mapped above with this length, and no reference
    // to it outlives `message`, which is a copy.
    unsafe { libc::munmap(page.cast(), core::mem::size_of::<FindingPage>()) };

    if !message.is_empty() {
        return Err(message);
    }
    if ending == Ending::Exited(0) || allowed(ending) {
        return Ok(());
    }
    Err(format!(
        "the worker ended with {ending:?} and reported nothing"
    ))
}
