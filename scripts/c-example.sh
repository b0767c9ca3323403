#!/usr/bin/env bash
# Builds examples/first-line.c as a static guest program against the kernel
# build's uapi headers and prints its path. Also checks that the example
# refuses to build for ia32 and x32, which cannot reach supersyscall.
set -euo pipefail
source "$(dirname "$0")/env.sh"

# The uapi headers of the kernel build of PROFILE (default: normal).
BUILD=$(kernel_build_dir "${1:-normal}")
source_file=$SUPERSYSCALL_ROOT/examples/first-line.c
output=$SUPERSYSCALL_CACHE/examples/first-line

for abi in -m32 -mx32; do
	output_text=$(gcc "$abi" -E -isystem "$BUILD/usr/include" "$source_file" 2>&1 >/dev/null || true)
	[[ $output_text == *"exists only for the x86_64 64-bit ABI"* ]] ||
		die "examples/first-line.c does not refuse to build with gcc $abi"
done

mkdir -p "$(dirname "$output")"
log "building examples/first-line.c"
gcc -static -O2 -Wall -Wextra -Werror -isystem "$BUILD/usr/include" -o "$output" "$source_file"
echo "$output"
