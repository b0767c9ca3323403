//! Shared parts of the supersyscall benchmarks. They cover the guest's
//! clock and environment report, the file tree the workloads read, raw
//! calls of supersyscall and of the bare "floor" batch syscall, directory
//! reading with `getdents64`, and the JSON lines that carry results to the
//! host.
//!
//! The benchmarks run inside the QEMU guest that `scripts/bench.sh` boots,
//! and also on the host, where methods the kernel lacks are skipped with the
//! reason.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod dirs;
pub mod floor;
pub mod guest;
pub mod raw;
pub mod report;
pub mod tree;
