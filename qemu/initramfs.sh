#!/usr/bin/env bash
# Builds the guest's initramfs, an uncompressed newc cpio archive. Its inputs
# are the static guest init, the plans in qemu/plans/ (or --plans), the
# host's /etc/os-release and any GUEST_PATH=HOST_PATH files given as
# arguments. Prints the archive's path on stdout. Rebuilds only when an input
# or this script changed.
set -euo pipefail

# shellcheck source=../scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"

usage() {
	cat >&2 <<EOF
usage: $0 [--init PATH] [--plans DIR] [--output PATH] [GUEST_PATH=HOST_PATH ...]

Builds an initramfs for qemu/boot.sh and prints its path.

  --init PATH     static guest init, placed at /init
                  (default: target/x86_64-unknown-linux-gnu/release/init)
  --plans DIR     folder of plans, placed at /etc/plans (default: qemu/plans)
  --output PATH   archive to write (default: \$SUPERSYSCALL_CACHE/initramfs/initramfs.cpio)
  GUEST_PATH=HOST_PATH
                  copies the host file HOST_PATH to the absolute GUEST_PATH,
                  keeping its permission bits; for example
                  /bin/tests/supersyscall=target/.../deps/supersyscall-1a2b3c

The archive also holds the plans as /etc/plans/*, the host's
/etc/os-release, empty /proc, /sys, /tmp and /dev, and the nodes /dev/console
and /dev/null. ELF programs must be statically linked, unless their loader
and shared libraries are given as files too.
EOF
	exit "${1:-2}"
}

init_path=$SUPERSYSCALL_ROOT/target/x86_64-unknown-linux-gnu/release/init
output=$SUPERSYSCALL_CACHE/initramfs/initramfs.cpio
plans_dir=$SUPERSYSCALL_ROOT/qemu/plans
guest_paths=()
host_paths=()

while (($#)); do
	case $1 in
	--init)
		(($# >= 2)) || usage
		init_path=$2
		shift 2
		;;
	--plans)
		(($# >= 2)) || usage
		plans_dir=$2
		shift 2
		;;
	--output)
		(($# >= 2)) || usage
		output=$2
		shift 2
		;;
	-h | --help) usage 0 ;;
	-*)
		printf 'error: unknown option: %s\n' "$1" >&2
		usage
		;;
	*=*)
		guest_paths+=("${1%%=*}")
		host_paths+=("${1#*=}")
		shift
		;;
	*)
		printf 'error: expected GUEST_PATH=HOST_PATH, got: %s\n' "$1" >&2
		usage
		;;
	esac
done

# Checks that a guest path is absolute, has no empty, '.' or '..'
# component and does not replace a file this script provides.
check_guest_path() {
	local path=$1 component components
	[[ $path == /?* ]] || die "guest path must be absolute: '$path'"
	[[ $path != */ ]] || die "guest path must name a file, not end in '/': '$path'"
	IFS=/ read -ra components <<<"${path#/}"
	for component in "${components[@]}"; do
		[[ -n $component && $component != . && $component != .. ]] ||
			die "guest path must not contain empty, '.' or '..' components: '$path'"
	done
	case $path in
	/init | /etc/os-release | /etc/plans | /etc/plans/* | /dev | /dev/* | /proc | /proc/* | /sys | /sys/* | /tmp | /tmp/*)
		die "guest path $path is reserved: init, plans, os-release and mount points come from this script"
		;;
	esac
}

# Fails when an ELF file requests a program interpreter (is dynamically
# linked) that the archive does not hold, because it would fail in the guest
# with "No such file or directory". Callers that add a dynamic program also
# add its loader and libraries at their host paths.
check_static() {
	local path=$1 interpreter
	readelf -h "$path" >/dev/null 2>&1 || return 0
	interpreter=$(readelf -l "$path" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[[ -n $interpreter ]] || return 0
	[[ -n ${seen[$interpreter]-} ]] && return 0
	die "$path is dynamically linked, and its loader $interpreter is not in the archive; build it with RUSTFLAGS='-C target-feature=+crt-static' (or -static for C), or add the loader and libraries"
}

command -v cpio >/dev/null || die "cpio not found: install Debian's cpio package"
have_readelf=true
command -v readelf >/dev/null || {
	have_readelf=false
	log "readelf not found: skipping the check that programs are statically linked"
}

[[ -f $init_path ]] || die "guest init not found: $init_path (build it with: RUSTFLAGS='-C target-feature=+crt-static' cargo build --release -p guest-init --target x86_64-unknown-linux-gnu)"
[[ -d $plans_dir ]] || die "plans folder not found: $plans_dir"
[[ -f /etc/os-release ]] || die "/etc/os-release not found on the host"

declare -A seen=()
for i in "${!guest_paths[@]}"; do
	guest=${guest_paths[i]}
	host=${host_paths[i]}
	check_guest_path "$guest"
	[[ -z ${seen[$guest]-} ]] || die "guest path given twice: $guest"
	seen[$guest]=1
	[[ -f $host ]] || die "host file not found (or not a regular file) for $guest: '$host'"
done

if $have_readelf; then
	check_static "$init_path"
	for host in "${host_paths[@]}"; do
		check_static "$host"
	done
fi

# Every input, as "SHA256 MODE GUEST_PATH" lines, so that a change of content,
# permission bits or placement triggers a rebuild.
fingerprint() {
	local guest host
	printf '%s script\n' "$(sha256sum <"${BASH_SOURCE[0]}")"
	printf '%s %s /init\n' "$(sha256sum <"$init_path")" "$(stat -L -c %a "$init_path")"
	printf '%s /etc/os-release\n' "$(sha256sum </etc/os-release)"
	for host in "$plans_dir"/*; do
		[[ -f $host ]] || continue
		printf '%s /etc/plans/%s\n' "$(sha256sum <"$host")" "${host##*/}"
	done
	for i in "${!guest_paths[@]}"; do
		guest=${guest_paths[i]}
		host=${host_paths[i]}
		printf '%s %s %s\n' "$(sha256sum <"$host")" "$(stat -L -c %a "$host")" "$guest"
	done
}

mkdir -p "$(dirname "$output")"
stamp=$output.inputs
current=$(fingerprint | LC_ALL=C sort)
if [[ -f $output && -f $stamp ]] && [[ $(<"$stamp") == "$current" ]]; then
	log "initramfs up to date: $output"
	printf '%s\n' "$output"
	exit 0
fi

log "building initramfs $output"
staging=$output.d
rm -rf "$staging"
mkdir -p "$staging"/{bin,dev,etc/plans,proc,sys,tmp}

install -m 0755 "$init_path" "$staging/init"
cp -L /etc/os-release "$staging/etc/os-release"
for plan in "$plans_dir"/*; do
	if [[ -f $plan ]]; then
		install -m 0644 "$plan" "$staging/etc/plans/"
	fi
done
for i in "${!guest_paths[@]}"; do
	install -D -m "$(stat -L -c %a "${host_paths[i]}")" "${host_paths[i]}" "$staging${guest_paths[i]}"
done

# Writes one newc header and name for an entry without data: a character
# device, or the trailer when MODE is 0. The format is in the kernel's
# Documentation/driver-api/early-userspace/buffer-format.rst.
newc_entry() {
	local name=$1 inode=$2 mode=$3 major=$4 minor=$5
	local name_size=$((${#name} + 1))
	# Fields: magic, then inode, mode, uid, gid, nlink, mtime, file size,
	# device major and minor, rdev major and minor, name size and checksum.
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$inode" "$mode" 0 0 1 0 0 0 0 "$major" "$minor" "$name_size" 0
	printf '%s\0' "$name"
	# The header (110 bytes) and name are padded to a multiple of 4 bytes.
	head -c $(((4 - (110 + name_size) % 4) % 4)) /dev/zero
}

# Device nodes go into a second archive written here, because cpio can only
# archive nodes that exist, and creating them needs root. The kernel unpacks
# concatenated archives in order.
device_archive() {
	local char_device=$((8#20000))
	newc_entry dev/console 1000001 $((char_device | 8#600)) 5 1
	newc_entry dev/null 1000002 $((char_device | 8#666)) 1 3
	newc_entry 'TRAILER!!!' 0 0 0 0
}

find "$staging" -exec touch -h -d @0 {} +
(
	cd "$staging"
	find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible
) >"$output.tmp"
device_archive >>"$output.tmp"
mv "$output.tmp" "$output"
printf '%s\n' "$current" >"$stamp"

log "initramfs $output: $(du -h "$output" | cut -f1)"
printf '%s\n' "$output"
