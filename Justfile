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

# Build a patched kernel (profile normal or debug) and print its bzImage path.
kernel profile="normal": setup
    scripts/kernel-build.sh {{profile}}

# Boot the patched kernel and run the demo in the guest.
demo: setup
    scripts/guest.sh demo

# The crate's tests run on the host (emulated backend) and in the guest
# (kernel backend), after the series checks and before the kselftest. The
# guest part runs on the normal kernel and on the debug (sanitizer) kernel,
# which then also runs two minutes of the stress tool and the replay of the
# round that found torn entry fields when the kernel copied entries byte by
# byte.

# Run every test: crate on host and guest, series and deny-list checks,
# kselftest.
test: setup
    SUPERSYSCALL_TEST_BACKEND=emulated cargo test --workspace
    cargo clippy --workspace --all-targets -- -D warnings
    cargo package -p supersyscall --no-verify --allow-dirty --offline --quiet
    scripts/check-series.sh
    scripts/check-deny-list.sh
    scripts/guest.sh test
    scripts/guest.sh --profile debug test
    scripts/stress.sh --minutes 2
    scripts/stress.sh --minutes 1.5 --seed 0x7e57 --round 34 --workload rewrite

# Run the randomized stress tool on the debug kernel: random batches,
# threads, signals and races, checked after every batch. Options:
# --minutes N (default 2), --seed S (default: from the clock, printed), and
# --round R and --workload W to replay one round.
stress *options: setup
    scripts/stress.sh {{options}}

# Regenerate patches/ from the commits in the kernel tree.
export-series:
    scripts/export-series.sh

# The benchmarks run in the guest on the bench kernels: mitigations off,
# with page-table isolation, with nopti, and under icount. The tables and
# plots go to docs/bench/. Arguments go to scripts/bench.sh, for example
# `just bench --quick --configs off`; `just bench --help` lists them.

# Run the guest benchmarks and write their tables and plots.
bench *args: setup
    scripts/bench.sh {{args}}
