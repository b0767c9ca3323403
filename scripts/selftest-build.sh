#!/usr/bin/env bash
# Builds the supersyscall kselftest programs from the kernel tree as static
# binaries for the guest, against the uapi headers of the kernel build. Prints
# their directory.
set -euo pipefail
source "$(dirname "$0")/env.sh"

# The uapi headers of the kernel build of PROFILE (default: normal).
BUILD=$(kernel_build_dir "${1:-normal}")
OUTPUT=$SUPERSYSCALL_CACHE/selftests/supersyscall

[[ -d $BUILD/usr/include/linux ]] || die "no uapi headers in $BUILD/usr/include; build the kernel first"
mkdir -p "$OUTPUT"
log "building the supersyscall kselftests"
make -s -C "$KERNEL_TREE/tools/testing/selftests/supersyscall" \
	OUTPUT="$OUTPUT" CC=gcc KHDR_INCLUDES="-isystem $BUILD/usr/include" \
	LDFLAGS=-static >&2
echo "$OUTPUT"
