# Shared settings for the project's scripts; sourced, not run.
# shellcheck shell=bash

SUPERSYSCALL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Heavy outputs (kernel tree, kernel builds, initramfs) live outside the
# repository, so that a fresh clone on the same machine reuses them.
SUPERSYSCALL_CACHE=${SUPERSYSCALL_CACHE:-$HOME/.cache/supersyscall}
KERNEL_TREE=$SUPERSYSCALL_CACHE/linux
# The benchmark kernels build from a worktree that adds patches/bench/.
KERNEL_BENCH_TREE=$SUPERSYSCALL_CACHE/linux-bench
KERNEL_SOURCE_TARBALL=/usr/src/linux-source-6.12.tar.xz

# The kernel's Rust must be built by Debian's rustc-web, because it ships
# rust-src, and checked by its matching clippy and rustfmt. rustup's tools come
# first in PATH and are another version.
KERNEL_MAKE_FLAGS=(
	LLVM=1
	RUSTC=/usr/bin/rustc
	HOSTRUSTC=/usr/bin/rustc
	BINDGEN="$HOME/.cargo/bin/bindgen"
	CLIPPY=1
	CLIPPY_DRIVER=/usr/bin/clippy-driver
	RUSTFMT=/usr/bin/rustfmt
)

# Prints the build folder of a kernel profile (normal, debug, bench or
# bench-mitigations).
kernel_build_dir() { echo "$SUPERSYSCALL_CACHE/build/$1"; }

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Appends to the array `files` (GUEST=HOST pairs for qemu/initramfs.sh) the
# dynamically linked host programs that plan PLAN names in lines of the form
# "# host-program: PATH". Each goes to the same path in the guest, with the
# shared libraries and the loader that ldd lists for it.
add_plan_host_programs() {
	local plan=$1 program library
	local -a programs
	mapfile -t programs < <(sed -n 's/^# host-program: *//p' "$SUPERSYSCALL_ROOT/qemu/plans/$plan")
	for program in "${programs[@]}"; do
		[[ -x $program ]] || die "plan $plan runs $program, which is not installed here; install it (scripts/packages.sh lists the packages)"
		files+=("$program=$program")
		while read -r library; do
			files+=("$library=$library")
		done < <(ldd "$program" | grep -o '/[^ ]*' | sort -u)
	done
}
