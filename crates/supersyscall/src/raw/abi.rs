//! The `supersyscall(2)` ABI, as `include/uapi/linux/supersyscall.h` defines it.
//!
//! These definitions mirror the C header field by field. The checks at the
//! bottom of this file stop the build if the layout of [`Entry`] drifts from
//! the kernel's `struct supersyscall_entry`.

use core::mem::{align_of, offset_of, size_of};

/// The x86_64 system call number of `supersyscall` (`__NR_supersyscall`).
///
/// On a kernel without supersyscall, 423 returns `-ENOSYS`, because the
/// x86_64 table leaves it unassigned.
pub const NR_SUPERSYSCALL: u32 = 423;

/// Call flag `SUPERSYSCALL_CONTINUE`: run on after a failed entry.
pub const CONTINUE: u32 = 1 << 0;

/// Call flag `SUPERSYSCALL_QUERY`: run nothing and return the ABI version.
pub const QUERY: u32 = 1 << 1;

/// Call flag `SUPERSYSCALL_RESUMABLE`: mark a batch that a signal stopped
/// with [`INTERRUPTED`] in the return value.
pub const RESUMABLE: u32 = 1 << 2;

/// All call flags the kernel accepts (`SUPERSYSCALL_CALL_FLAGS`).
pub const CALL_FLAGS: u32 = CONTINUE | QUERY | RESUMABLE;

/// Return bit `SUPERSYSCALL_INTERRUPTED`: under [`RESUMABLE`], a signal
/// stopped the batch, and the entry at `return & COUNT_MASK` did not complete
/// and is safe to run again.
pub const INTERRUPTED: u64 = 1 << 16;

/// The bits of a [`RESUMABLE`] call's return value that hold the count
/// (`SUPERSYSCALL_COUNT_MASK`).
pub const COUNT_MASK: u64 = 0xffff;

/// The value a [`QUERY`] call returns (`SUPERSYSCALL_VERSION`).
pub const VERSION: i64 = 1;

/// All per-entry flags the kernel accepts (`SUPERSYSCALL_ENTRY_FLAGS`).
pub const ENTRY_FLAGS: u32 = 0x3f;

/// The maximum `count` of one call (`SUPERSYSCALL_MAX_ENTRIES`).
pub const MAX_ENTRIES: usize = 1024;

/// The system calls an entry may not name (`SUPERSYSCALL_DENY_LIST`), by
/// name and number, in the header's order. Such an entry does not run, and
/// its result is `-EINVAL`. The uapi header gives the reason for each;
/// `scripts/check-deny-list.sh` checks this table against it.
pub const DENY_LIST: [(&str, u32); 12] = [
    ("execve", libc::SYS_execve as u32),
    ("execveat", libc::SYS_execveat as u32),
    ("fork", libc::SYS_fork as u32),
    ("vfork", libc::SYS_vfork as u32),
    ("clone", libc::SYS_clone as u32),
    ("clone3", libc::SYS_clone3 as u32),
    ("rt_sigreturn", libc::SYS_rt_sigreturn as u32),
    ("restart_syscall", libc::SYS_restart_syscall as u32),
    // libc does not define SYS_uretprobe (Linux 6.11).
    ("uretprobe", 335),
    ("exit", libc::SYS_exit as u32),
    ("exit_group", libc::SYS_exit_group as u32),
    ("supersyscall", NR_SUPERSYSCALL),
];

/// Returns the entry flag `SUPERSYSCALL_ENTRY_ARG_RESULT(k)`.
///
/// With this bit set, `args[k]` contains the index of an earlier entry, and the
/// kernel passes that entry's result in its place. `k` must be below 6.
pub const fn entry_arg_result(k: usize) -> u32 {
    assert!(k < 6, "a system call has 6 arguments");
    1 << k
}

/// One system call of a batch (`struct supersyscall_entry`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The system call number.
    pub nr: u32,
    /// `SUPERSYSCALL_ENTRY_*` flags.
    pub flags: u32,
    /// The arguments, in register order.
    pub args: [u64; 6],
    /// Must be zero.
    pub reserved: u64,
}

const _: () = assert!(size_of::<Entry>() == 64);
const _: () = assert!(align_of::<Entry>() == 8);
const _: () = assert!(offset_of!(Entry, nr) == 0);
const _: () = assert!(offset_of!(Entry, flags) == 4);
const _: () = assert!(offset_of!(Entry, args) == 8);
const _: () = assert!(offset_of!(Entry, reserved) == 56);
const _: () = assert!(entry_arg_result(5) == 0x20);
const _: () = assert!(ENTRY_FLAGS == (1 << 6) - 1);
