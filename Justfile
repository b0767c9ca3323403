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

# The crate's tests run on the host (emulated backend) and in the guest
# (kernel backend), after the series checks and before the kselftest.

# Run every test: crate on host and guest, series checks, kselftest.
test: setup
    SUPERSYSCALL_TEST_BACKEND=emulated cargo test --workspace
    cargo clippy --workspace --all-targets -- -D warnings
    scripts/check-series.sh
    scripts/guest.sh test

# Regenerate patches/ from the commits in the kernel tree.
export-series:
    scripts/export-series.sh
