# supersyscall: a batching system call for Linux x86_64, its Rust crate, and
# the QEMU guest that runs both. Heavy outputs live in ~/.cache/supersyscall
# (override with SUPERSYSCALL_CACHE).

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# Install the Debian packages and cargo tools (idempotent).
setup:
    scripts/packages.sh

# Build the patched kernel incrementally and print the path of bzImage.
kernel: setup
    scripts/kernel-build.sh

# Boot the patched kernel and run the demo in the guest.
demo: setup
    scripts/guest.sh demo

# Run every test: the crate on the host (emulated backend), the series checks,
# and, in the guest, the crate tests (kernel backend) and the kselftest.
test: setup
    SUPERSYSCALL_TEST_BACKEND=emulated cargo test --workspace
    cargo clippy --workspace --all-targets -- -D warnings
    scripts/check-series.sh
    scripts/guest.sh test

# Regenerate patches/ from the commits in the kernel tree.
export-series:
    scripts/export-series.sh
