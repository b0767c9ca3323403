//! One table of batches with their exact per-entry results and counts, run
//! on the emulated backend everywhere and also on the kernel backend where
//! the kernel has supersyscall (in the guest). Both backends must give the
//! expected results, and so the same results.
//!
//! Each case gets a fresh nonblocking pipe and scratch buffers, so the
//! cases are independent and deterministic.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use supersyscall::{Arg, Backend, Batch, Handle, Policy};

/// An argument in a case: a value, or the result of an earlier entry.
#[derive(Clone, Copy)]
enum A {
    V(u64),
    /// The result of entry `i` of the same case.
    C(usize),
}

/// What an entry's slot must hold.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Is(i64),
    Errno(i32),
    Canceled,
    Pid,
    Ppid,
    /// Any result that is not a failure.
    Ok,
    /// A result of at least this value.
    AtLeast(i64),
}

/// The pipe and buffers of one case, whose addresses the entries use.
struct Fixture {
    read_end: OwnedFd,
    write_end: OwnedFd,
    buffer: Vec<u8>,
    second: Vec<u8>,
    timespec: libc::timespec,
}

impl Fixture {
    fn new() -> Fixture {
        let mut fds = [-1; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 stores.
        let ret = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
        assert_eq!(ret, 0);
        Fixture {
            // SAFETY: pipe2 succeeded, so both are new descriptors with no other owner.
            read_end: unsafe { OwnedFd::from_raw_fd(fds[0]) },
            // SAFETY: as above.
            write_end: unsafe { OwnedFd::from_raw_fd(fds[1]) },
            buffer: vec![0; 64],
            second: vec![0; 64],
            timespec: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
        }
    }

    fn r(&self) -> A {
        A::V(self.read_end.as_raw_fd() as u64)
    }

    fn w(&self) -> A {
        A::V(self.write_end.as_raw_fd() as u64)
    }

    fn buf(&mut self) -> A {
        A::V(self.buffer.as_mut_ptr() as u64)
    }

    fn second(&mut self) -> A {
        A::V(self.second.as_mut_ptr() as u64)
    }

    fn ts(&mut self) -> A {
        A::V(std::ptr::from_mut(&mut self.timespec) as u64)
    }
}

/// One case: a name, the policy, the entries, and the expected count and slots.
struct Case {
    name: &'static str,
    policy: Policy,
    entries: Vec<(libc::c_long, Vec<A>)>,
    count: usize,
    expect: Vec<Expect>,
}

fn v(value: i64) -> A {
    A::V(value as u64)
}

fn text(bytes: &'static [u8]) -> A {
    A::V(bytes.as_ptr() as u64)
}

fn cstr(text: &'static core::ffi::CStr) -> A {
    A::V(text.as_ptr() as u64)
}

fn case(
    name: &'static str,
    policy: Policy,
    entries: Vec<(libc::c_long, Vec<A>)>,
    count: usize,
    expect: Vec<Expect>,
) -> Case {
    assert_eq!(entries.len(), expect.len(), "case {name}: one expectation per entry");
    Case {
        name,
        policy,
        entries,
        count,
        expect,
    }
}

/// Builds every case against the fixture `f`.
fn cases(f: &mut Fixture) -> Vec<Case> {
    use libc::*;
    use Expect::*;
    use Policy::{Continue as Go, StopAtFailure as Stop};

    let (r, w) = (f.r(), f.w());
    let (buf, second, ts) = (f.buf(), f.second(), f.ts());
    let bad = v(-1);
    let fault = v(8);
    let mut all = vec![
        case("getpid", Stop, vec![(SYS_getpid, vec![])], 1, vec![Pid]),
        case("getppid getpid", Stop, vec![(SYS_getppid, vec![]), (SYS_getpid, vec![])], 2, vec![Ppid, Pid]),
        case("sched_yield", Stop, vec![(SYS_sched_yield, vec![])], 1, vec![Is(0)]),
        case("getuid", Stop, vec![(SYS_getuid, vec![])], 1, vec![Ok]),
        case("eight getpid", Stop, vec![(SYS_getpid, vec![]); 8], 8, vec![Pid; 8]),
        case("close bad stops", Stop, vec![(SYS_close, vec![bad]), (SYS_getpid, vec![])], 1, vec![Errno(EBADF), Canceled]),
        case("close bad continues", Go, vec![(SYS_close, vec![bad]), (SYS_getpid, vec![])], 2, vec![Errno(EBADF), Pid]),
        case("failure in the middle stops", Stop,
            vec![(SYS_getpid, vec![]), (SYS_close, vec![bad]), (SYS_getpid, vec![])], 2,
            vec![Pid, Errno(EBADF), Canceled]),
        case("failure in the middle continues", Go,
            vec![(SYS_getpid, vec![]), (SYS_close, vec![bad]), (SYS_getpid, vec![])], 3,
            vec![Pid, Errno(EBADF), Pid]),
        case("three failures continue", Go, vec![(SYS_close, vec![bad]); 3], 3, vec![Errno(EBADF); 3]),
        case("three failures stop", Stop, vec![(SYS_close, vec![bad]); 3], 1, vec![Errno(EBADF), Canceled, Canceled]),
        case("write bad fd", Stop, vec![(SYS_write, vec![bad, text(b"x"), v(1)])], 1, vec![Errno(EBADF)]),
        case("read bad fd", Stop, vec![(SYS_read, vec![bad, buf, v(1)])], 1, vec![Errno(EBADF)]),
        case("lseek bad fd", Stop, vec![(SYS_lseek, vec![bad, v(0), v(0)])], 1, vec![Errno(EBADF)]),
        case("dup bad fd", Stop, vec![(SYS_dup, vec![bad])], 1, vec![Errno(EBADF)]),
        case("fcntl bad fd", Stop, vec![(SYS_fcntl, vec![bad, v(F_GETFD as i64)])], 1, vec![Errno(EBADF)]),
        case("lseek on a pipe", Stop, vec![(SYS_lseek, vec![r, v(0), v(SEEK_CUR as i64)])], 1, vec![Errno(ESPIPE)]),
        case("unassigned number", Stop, vec![(1000, vec![])], 1, vec![Errno(ENOSYS)]),
        case("number past the table", Stop, vec![(5000, vec![])], 1, vec![Errno(ENOSYS)]),
        case("x32 number", Stop, vec![(0x4000_0000 | SYS_getpid, vec![])], 1, vec![Errno(ENOSYS)]),
        case("unassigned number continues", Go,
            vec![(SYS_getpid, vec![]), (1000, vec![]), (SYS_getpid, vec![])], 3,
            vec![Pid, Errno(ENOSYS), Pid]),
        case("unassigned number stops", Stop,
            vec![(SYS_getpid, vec![]), (1000, vec![]), (SYS_getpid, vec![])], 2,
            vec![Pid, Errno(ENOSYS), Canceled]),
        case("write then read", Stop,
            vec![(SYS_write, vec![w, text(b"abc"), v(3)]), (SYS_read, vec![r, buf, v(8)])], 2,
            vec![Is(3), Is(3)]),
        case("read empty pipe", Stop, vec![(SYS_read, vec![r, buf, v(8)])], 1, vec![Errno(EAGAIN)]),
        case("read empty pipe stops", Stop,
            vec![(SYS_read, vec![r, buf, v(8)]), (SYS_write, vec![w, text(b"abc"), v(3)])], 1,
            vec![Errno(EAGAIN), Canceled]),
        case("read empty pipe continues", Go,
            vec![(SYS_read, vec![r, buf, v(8)]), (SYS_write, vec![w, text(b"abc"), v(3)])], 2,
            vec![Errno(EAGAIN), Is(3)]),
        case("short reads", Stop,
            vec![
                (SYS_write, vec![w, text(b"abcd"), v(4)]),
                (SYS_read, vec![r, buf, v(2)]),
                (SYS_read, vec![r, second, v(8)]),
            ], 3, vec![Is(4), Is(2), Is(2)]),
        case("short read feeds write", Stop,
            vec![
                (SYS_write, vec![w, text(b"xy"), v(2)]),
                (SYS_read, vec![r, buf, v(8)]),
                (SYS_write, vec![w, buf, A::C(1)]),
            ], 3, vec![Is(2), Is(2), Is(2)]),
        case("zero read writes nothing", Stop,
            vec![(SYS_read, vec![r, buf, v(0)]), (SYS_write, vec![w, buf, A::C(0)])], 2,
            vec![Is(0), Is(0)]),
        case("dup write close", Stop,
            vec![
                (SYS_dup, vec![w]),
                (SYS_write, vec![A::C(0), text(b"z"), v(1)]),
                (SYS_close, vec![A::C(0)]),
            ], 3, vec![AtLeast(0), Is(1), Is(0)]),
        case("failed dup skips dependents", Stop,
            vec![
                (SYS_dup, vec![bad]),
                (SYS_write, vec![A::C(0), text(b"z"), v(1)]),
                (SYS_close, vec![A::C(0)]),
            ], 1, vec![Errno(EBADF), Canceled, Canceled]),
        case("failed dup skips dependents, continue", Go,
            vec![
                (SYS_dup, vec![bad]),
                (SYS_write, vec![A::C(0), text(b"z"), v(1)]),
                (SYS_close, vec![A::C(0)]),
            ], 3, vec![Errno(EBADF), Canceled, Canceled]),
        case("descriptor resolved when the entry runs", Go,
            vec![
                (SYS_dup, vec![w]),
                (SYS_close, vec![A::C(0)]),
                (SYS_write, vec![A::C(0), text(b"q"), v(1)]),
            ], 3, vec![AtLeast(0), Is(0), Errno(EBADF)]),
        case("pid chained into kill", Stop,
            vec![(SYS_getpid, vec![]), (SYS_kill, vec![A::C(0), v(0)])], 2, vec![Pid, Is(0)]),
        case("ppid chained into kill", Stop,
            vec![(SYS_getppid, vec![]), (SYS_kill, vec![A::C(0), v(0)])], 2, vec![Ppid, Is(0)]),
        case("kill with an invalid signal", Stop,
            vec![(SYS_getpid, vec![]), (SYS_kill, vec![A::C(0), v(1000)])], 2, vec![Pid, Errno(EINVAL)]),
        case("dependent of an earlier failure, continue", Go,
            vec![(SYS_close, vec![bad]), (SYS_getpid, vec![]), (SYS_kill, vec![A::C(0), v(0)])], 3,
            vec![Errno(EBADF), Pid, Canceled]),
        case("two dups closed", Stop,
            vec![
                (SYS_dup, vec![w]),
                (SYS_dup, vec![r]),
                (SYS_close, vec![A::C(0)]),
                (SYS_close, vec![A::C(1)]),
            ], 4, vec![AtLeast(0), AtLeast(0), Is(0), Is(0)]),
        case("fcntl on a chained descriptor", Stop,
            vec![
                (SYS_dup, vec![w]),
                (SYS_fcntl, vec![A::C(0), v(F_GETFD as i64)]),
                (SYS_close, vec![A::C(0)]),
            ], 3, vec![AtLeast(0), Is(0), Is(0)]),
        case("dupfd_cloexec above 50", Stop,
            vec![
                (SYS_dup, vec![w]),
                (SYS_fcntl, vec![A::C(0), v(F_DUPFD_CLOEXEC as i64), v(50)]),
                (SYS_fcntl, vec![A::C(1), v(F_GETFD as i64)]),
                (SYS_close, vec![A::C(1)]),
                (SYS_close, vec![A::C(0)]),
            ], 5, vec![AtLeast(0), AtLeast(50), Is(FD_CLOEXEC as i64), Is(0), Is(0)]),
        case("status flags of the pipe ends", Stop,
            vec![(SYS_fcntl, vec![w, v(F_GETFL as i64)]), (SYS_fcntl, vec![r, v(F_GETFL as i64)])], 2,
            vec![Is((O_WRONLY | O_NONBLOCK) as i64), Is((O_RDONLY | O_NONBLOCK) as i64)]),
        case("write from a bad buffer", Stop, vec![(SYS_write, vec![w, fault, v(1)])], 1, vec![Errno(EFAULT)]),
        case("read into a bad buffer", Stop,
            vec![(SYS_write, vec![w, text(b"a"), v(1)]), (SYS_read, vec![r, fault, v(1)])], 2,
            vec![Is(1), Errno(EFAULT)]),
        case("bad buffer continues", Go,
            vec![(SYS_write, vec![w, fault, v(1)]), (SYS_getpid, vec![])], 2, vec![Errno(EFAULT), Pid]),
        case("openat bad path pointer", Stop,
            vec![(SYS_openat, vec![v(AT_FDCWD as i64), fault, v(O_RDONLY as i64)])], 1, vec![Errno(EFAULT)]),
        case("openat missing path", Stop,
            vec![(SYS_openat, vec![v(AT_FDCWD as i64), cstr(c"/nonexistent/supersyscall"), v(O_RDONLY as i64)])],
            1, vec![Errno(ENOENT)]),
        case("openat read close", Stop,
            vec![
                (SYS_openat, vec![v(AT_FDCWD as i64), cstr(c"/proc/self/stat"), v((O_RDONLY | O_CLOEXEC) as i64)]),
                (SYS_read, vec![A::C(0), buf, v(4)]),
                (SYS_close, vec![A::C(0)]),
            ], 3, vec![AtLeast(0), Is(4), Is(0)]),
        case("openat missing skips read and close", Stop,
            vec![
                (SYS_openat, vec![v(AT_FDCWD as i64), cstr(c"/nonexistent/supersyscall"), v(O_RDONLY as i64)]),
                (SYS_read, vec![A::C(0), buf, v(4)]),
                (SYS_close, vec![A::C(0)]),
            ], 1, vec![Errno(ENOENT), Canceled, Canceled]),
        case("openat missing skips read and close, continue", Go,
            vec![
                (SYS_openat, vec![v(AT_FDCWD as i64), cstr(c"/nonexistent/supersyscall"), v(O_RDONLY as i64)]),
                (SYS_read, vec![A::C(0), buf, v(4)]),
                (SYS_close, vec![A::C(0)]),
            ], 3, vec![Errno(ENOENT), Canceled, Canceled]),
        case("getrandom", Stop, vec![(SYS_getrandom, vec![buf, v(8), v(0)])], 1, vec![Is(8)]),
        case("clock_gettime", Stop, vec![(SYS_clock_gettime, vec![v(CLOCK_MONOTONIC as i64), ts])], 1, vec![Is(0)]),
        case("clock_gettime bad clock", Stop, vec![(SYS_clock_gettime, vec![v(1000), ts])], 1, vec![Errno(EINVAL)]),
        case("nanosleep zero", Stop, vec![(SYS_nanosleep, vec![ts, v(0)])], 1, vec![Is(0)]),
        case("nanosleep bad pointer", Stop, vec![(SYS_nanosleep, vec![fault, v(0)])], 1, vec![Errno(EFAULT)]),
        case("unlinkat missing", Stop,
            vec![(SYS_unlinkat, vec![v(AT_FDCWD as i64), cstr(c"/nonexistent/supersyscall"), v(0)])],
            1, vec![Errno(ENOENT)]),
        case("mkdirat under a missing folder", Stop,
            vec![(SYS_mkdirat, vec![v(AT_FDCWD as i64), cstr(c"/nonexistent/supersyscall/dir"), v(0o700)])],
            1, vec![Errno(ENOENT)]),
        case("faccessat2 of /proc", Stop,
            vec![(SYS_faccessat2, vec![v(AT_FDCWD as i64), cstr(c"/proc"), v(R_OK as i64), v(0)])],
            1, vec![Is(0)]),
        case("write to the read end", Stop, vec![(SYS_write, vec![r, text(b"x"), v(1)])], 1, vec![Errno(EBADF)]),
        case("ftruncate on a pipe", Stop, vec![(SYS_ftruncate, vec![w, v(0)])], 1, vec![Errno(EINVAL)]),
        case("fsync on a pipe", Stop, vec![(SYS_fsync, vec![w])], 1, vec![Errno(EINVAL)]),
    ];

    // Each denied call gets EINVAL and runs nothing; getpid after it shows the
    // batch went on. exit and exit_group would end the test with status 1.
    for &(name, nr) in supersyscall::abi::DENY_LIST.iter() {
        let args = if name.starts_with("exit") { vec![v(1)] } else { vec![] };
        all.push(case(name, Go, vec![(nr as libc::c_long, args), (SYS_getpid, vec![])], 2,
            vec![Errno(EINVAL), Pid]));
    }
    all
}

/// Runs `case` on `backend` and returns its count and slots.
fn run(case: &Case, backend: Backend) -> (usize, Vec<i64>) {
    let mut batch = Batch::new();
    batch.set_policy(case.policy);
    let mut handles: Vec<Handle<u64>> = Vec::new();
    for (nr, args) in &case.entries {
        let mut words = [Arg::Value(0); 6];
        for (word, arg) in words.iter_mut().zip(args) {
            *word = match *arg {
                A::V(value) => Arg::Value(value),
                A::C(index) => Arg::from(handles[index]),
            };
        }
        // SAFETY: every pointer in the table points at a static string or at
        // the case's fixture, which outlives the batch, or is the unmapped
        // address 8, which the calls report as EFAULT. No entry closes a
        // descriptor that anything else owns: the closes target dups that
        // the case itself created.
        let handle = unsafe { batch.raw_chained(*nr as u32, words) };
        handles.push(handle);
    }
    let completion = batch
        .submit_with(backend)
        .unwrap_or_else(|error| panic!("case {}: submit on {backend:?} failed: {error}", case.name));
    assert_eq!(completion.backend(), backend, "case {}: ran on another backend", case.name);
    (completion.count(), completion.raw_results().to_vec())
}

fn check(case: &Case, backend: Backend, count: usize, slots: &[i64]) {
    // SAFETY: getpid and getppid have no preconditions.
    let (pid, ppid) = unsafe { (i64::from(libc::getpid()), i64::from(libc::getppid())) };
    assert_eq!(count, case.count, "case {} on {backend:?}: count", case.name);
    for (index, (&slot, expect)) in slots.iter().zip(&case.expect).enumerate() {
        let matches = match *expect {
            Expect::Is(value) => slot == value,
            Expect::Errno(errno) => slot == -i64::from(errno),
            Expect::Canceled => slot == -i64::from(libc::ECANCELED),
            Expect::Pid => slot == pid,
            Expect::Ppid => slot == ppid,
            Expect::Ok => !(-4095..0).contains(&slot),
            Expect::AtLeast(value) => slot >= value,
        };
        assert!(
            matches,
            "case {} on {backend:?}: entry {index} returned {slot}, expected {expect:?}",
            case.name
        );
    }
}

#[test]
fn case_table_on_both_backends() {
    let mut backends = vec![Backend::Emulated];
    if Backend::detect() == Backend::Kernel {
        backends.push(Backend::Kernel);
    } else {
        assert_ne!(
            std::env::var("SUPERSYSCALL_TEST_BACKEND").as_deref(),
            Ok("kernel"),
            "SUPERSYSCALL_TEST_BACKEND=kernel, but this kernel has no supersyscall"
        );
    }

    // Each backend must meet the exact expectations, so the backends agree
    // on every slot but the descriptor numbers that `AtLeast` accepts.
    let total = cases(&mut Fixture::new()).len();
    assert!(total >= 60, "the table has {total} cases, fewer than 60");
    for index in 0..total {
        for &backend in &backends {
            let mut fixture = Fixture::new();
            let table = cases(&mut fixture);
            let case = &table[index];
            let (count, slots) = run(case, backend);
            check(case, backend, count, &slots);
        }
    }
    eprintln!("{total} cases passed on {backends:?}");
}
