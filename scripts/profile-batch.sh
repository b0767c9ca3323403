#!/usr/bin/env bash
# Counts the kernel instructions of a one-entry and a two-entry getppid batch,
# per kernel function, by stepping through them with gdb attached to QEMU's
# gdb stub. The difference between the two calls is the cost of one entry.
# Exact and repeatable, but slow: each instruction is one gdb step.
#
# Usage: scripts/profile-batch.sh [PROFILE]   (default bench)
set -euo pipefail
source "$(dirname "$0")/env.sh"

profile=${1:-bench}
command -v gdb >/dev/null || die "gdb not found: install Debian's gdb package"
bzimage=$("$SUPERSYSCALL_ROOT"/scripts/kernel-build.sh "$profile" | tail -n 1)
vmlinux=$(kernel_build_dir "$profile")/vmlinux
[[ -f $vmlinux ]] || die "no vmlinux next to $bzimage"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root"
gcc -O2 -static -o "$work/root/init" "$SUPERSYSCALL_ROOT/benches/profile/one-batch.c"
(cd "$work/root" && echo init | cpio -o -H newc --quiet >"$work/initramfs.cpio")

# -S stops the CPU until gdb continues it; nokaslr keeps the symbols of
# vmlinux at their link addresses.
qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m 512M -nodefaults -display none \
	-serial "file:$work/serial.log" -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-gdb "unix:$work/gdb.sock,server,nowait" -S -kernel "$bzimage" -initrd "$work/initramfs.cpio" \
	-append "console=ttyS0 nokaslr loglevel=5" </dev/null &
qemu_pid=$!
for _ in $(seq 50); do [[ -S $work/gdb.sock ]] && break; sleep 0.1; done
timeout 600 gdb -q -batch -ex "target remote $work/gdb.sock" \
	-x "$SUPERSYSCALL_ROOT/benches/profile/count.py" "$vmlinux" 2>&1 | sed -n 's/^profile: //p'
kill "$qemu_pid" 2>/dev/null || true
wait "$qemu_pid" 2>/dev/null || true
