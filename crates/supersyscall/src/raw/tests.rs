//! The `supersyscall(2)` contract at the ABI level, on the backend
//! `SUPERSYSCALL_TEST_BACKEND` selects: raw entries, including the invalid
//! ones the typed API cannot build.

use super::abi::{entry_arg_result, Entry, CONTINUE, MAX_ENTRIES, QUERY};
use super::syscall::{supersyscall, syscall6};
use super::UNTOUCHED;
use crate::backend::{test_backend, Backend};
use crate::{decode, emulate, Errno};

const EBADF: i64 = -(libc::EBADF as i64);
const ECANCELED: i64 = -(libc::ECANCELED as i64);
const EINVAL: i64 = -(libc::EINVAL as i64);
const ENOSYS: i64 = -(libc::ENOSYS as i64);

/// Runs `entries` with call flags `flags` on the backend under test, and
/// returns the call's result with the result slots.
fn call(entries: &[Entry], flags: u32) -> (Result<usize, Errno>, Vec<i64>) {
    let mut results = vec![UNTOUCHED; entries.len()];

    let count = match test_backend() {
        Backend::Kernel => {
            // SAFETY: both slices hold `entries.len()` elements, and every
            // entry these tests build takes no pointer and no descriptor
            // it could misuse: getpid, getppid, kill(pid, 0), close(-1),
            // and numbers that are rejected before they run.
            let ret = unsafe {
                supersyscall(
                    results.as_mut_ptr(),
                    entries.as_ptr(),
                    entries.len() as u32,
                    flags,
                )
            };
            decode(ret).map(|count| count as usize)
        }
        Backend::Emulated => emulate::run(entries, &mut results, flags, |index, args| {
            // SAFETY: as above, the entries take no pointer or descriptor.
            unsafe { syscall6(u64::from(entries[index].nr), args) }
        }),
    };

    (count, results)
}

fn entry(nr: libc::c_long, args: [u64; 6]) -> Entry {
    Entry {
        nr: nr as u32,
        args,
        ..Entry::default()
    }
}

fn getpid() -> Entry {
    entry(libc::SYS_getpid, [0; 6])
}

fn close_invalid() -> Entry {
    entry(libc::SYS_close, [-1_i64 as u64, 0, 0, 0, 0, 0])
}

fn pid() -> i64 {
    i64::from(std::process::id())
}

#[test]
fn query_returns_version_1() {
    assert_eq!(call(&[], QUERY).0, Ok(1));
}

#[test]
fn query_with_other_flags_or_entries() {
    assert_eq!(call(&[], QUERY | CONTINUE).0, Err(Errno::EINVAL));

    let (count, results) = call(&[getpid()], QUERY);
    assert_eq!(count, Err(Errno::EINVAL));
    assert_eq!(results, [UNTOUCHED]);
}

#[test]
fn unknown_call_flag_writes_nothing() {
    let (count, results) = call(&[getpid()], 0x8);

    assert_eq!(count, Err(Errno::EINVAL));
    assert_eq!(results, [UNTOUCHED]);
}

#[test]
fn zero_entries_returns_0() {
    assert_eq!(call(&[], 0), (Ok(0), vec![]));
    assert_eq!(call(&[], CONTINUE), (Ok(0), vec![]));
}

#[test]
fn count_1025_is_e2big() {
    let entries = vec![getpid(); MAX_ENTRIES + 1];

    let (count, results) = call(&entries, 0);

    assert_eq!(count, Err(Errno::E2BIG));
    assert!(results.iter().all(|&slot| slot == UNTOUCHED));
}

#[test]
fn count_1024_runs_all() {
    let entries = vec![getpid(); MAX_ENTRIES];

    let (count, results) = call(&entries, 0);

    assert_eq!(count, Ok(MAX_ENTRIES));
    assert!(results.iter().all(|&slot| slot == pid()));
}

#[test]
fn invalid_entry_writes_nothing() {
    let mut flags = getpid();
    flags.flags = 0x40;
    let mut reserved = getpid();
    reserved.reserved = 1;
    let mut self_chain = getpid();
    self_chain.flags = entry_arg_result(0);
    self_chain.args[0] = 1;
    let mut forward_chain = getpid();
    forward_chain.flags = entry_arg_result(3);
    forward_chain.args[3] = 5;

    for bad in [flags, reserved, self_chain, forward_chain] {
        let (count, results) = call(&[getpid(), bad], 0);

        assert_eq!(count, Err(Errno::EINVAL), "{bad:?}");
        assert_eq!(results, [UNTOUCHED, UNTOUCHED], "{bad:?}");
    }
}

#[test]
fn getppid_getpid_in_order() {
    let (count, results) = call(&[entry(libc::SYS_getppid, [0; 6]), getpid()], 0);

    assert_eq!(count, Ok(2));
    assert_eq!(
        results,
        [i64::from(std::os::unix::process::parent_id()), pid()]
    );
}

#[test]
fn stop_policy_stops_after_failure() {
    let (count, results) = call(&[close_invalid(), getpid()], 0);

    assert_eq!(count, Ok(1));
    assert_eq!(results, [EBADF, ECANCELED]);
}

#[test]
fn continue_policy_runs_on() {
    let (count, results) = call(&[close_invalid(), getpid()], CONTINUE);

    assert_eq!(count, Ok(2));
    assert_eq!(results, [EBADF, pid()]);
}

#[test]
fn chain_passes_result() {
    let mut kill = entry(libc::SYS_kill, [0; 6]);
    kill.flags = entry_arg_result(0);

    let (count, results) = call(&[getpid(), kill], 0);

    assert_eq!(count, Ok(2));
    assert_eq!(results, [pid(), 0]);
}

#[test]
fn chain_to_failure_is_skipped() {
    let mut kill = entry(libc::SYS_kill, [0; 6]);
    kill.flags = entry_arg_result(0);

    let (count, results) = call(&[close_invalid(), kill, getpid()], CONTINUE);

    assert_eq!(count, Ok(3));
    assert_eq!(results, [EBADF, ECANCELED, pid()]);
}

#[test]
fn chain_to_skipped_is_skipped() {
    let mut first = entry(libc::SYS_kill, [0; 6]);
    first.flags = entry_arg_result(0);
    let mut second = entry(libc::SYS_kill, [1, 0, 0, 0, 0, 0]);
    second.flags = entry_arg_result(0);

    let (count, results) = call(&[close_invalid(), first, second], CONTINUE);

    assert_eq!(count, Ok(3));
    assert_eq!(results, [EBADF, ECANCELED, ECANCELED]);
}

#[test]
fn denied_numbers_are_einval() {
    let null = [0; 6];
    let denied = [
        entry(423, null),
        entry(libc::SYS_execve, null),
        entry(libc::SYS_execveat, [-1_i64 as u64, 0, 0, 0, 0, 0]),
    ];

    let (count, results) = call(&denied, CONTINUE);

    assert_eq!(count, Ok(3));
    assert_eq!(results, [EINVAL, EINVAL, EINVAL]);
}

#[test]
fn unknown_numbers_are_enosys() {
    let null = [0; 6];
    let unknown = [entry(1000, null), entry(100_000, null), getpid()];

    let (count, results) = call(&unknown, CONTINUE);

    assert_eq!(count, Ok(3));
    assert_eq!(results, [ENOSYS, ENOSYS, pid()]);
}

/// The kernel copies user memory and faults on bad addresses. The emulation
/// takes Rust slices, which cannot be bad, so this case has no emulated
/// counterpart.
#[test]
fn kernel_bad_pointers_are_efault() {
    if test_backend() != Backend::Kernel {
        eprintln!("not run: the emulated backend takes slices, which hold no bad address");
        return;
    }

    let mut results = [UNTOUCHED];
    let unmapped = 8 as *const Entry;
    // SAFETY: the kernel checks the entries address and returns -EFAULT
    // without running anything.
    let ret = unsafe { supersyscall(results.as_mut_ptr(), unmapped, 1, 0) };
    assert_eq!(decode(ret), Err(Errno::EFAULT));
    assert_eq!(results, [UNTOUCHED]);

    static READ_ONLY: [i64; 1] = [UNTOUCHED];
    let entries = [getpid()];
    // SAFETY: `READ_ONLY` is an immutable static, which the linker places in
    // read-only memory, so the kernel's fill of the slots faults and it
    // returns -EFAULT before running the entry, which is getpid in any case.
    let ret = unsafe { supersyscall(READ_ONLY.as_ptr().cast_mut(), entries.as_ptr(), 1, 0) };
    assert_eq!(decode(ret), Err(Errno::EFAULT));
}
