#!/usr/bin/env bash
# Builds a guest kernel incrementally: prepares the patched tree, merges the
# profile's fragments onto tinyconfig, checks that the resulting .config
# really contains every fragment line, and builds bzImage and the uapi
# headers. Prints the path of bzImage on stdout.
#
# Usage: scripts/kernel-build.sh [PROFILE]
#   normal (default)   kernel-config/*.config
#   debug              kernel-config/*.config, then kernel-config/debug/*.config
#   bench              kernel-config/*.config, then kernel-config/bench/*.config,
#                      built from the tree with patches/bench/ added
#   bench-mitigations  as bench, then kernel-config/bench-mitigations/*.config
set -euo pipefail
source "$(dirname "$0")/env.sh"

PROFILE=${1:-normal}
CONFIG_DIR=$SUPERSYSCALL_ROOT/kernel-config
TREE_FLAGS=()
case $PROFILE in
normal) FRAGMENTS=("$CONFIG_DIR"/*.config) ;;
debug) FRAGMENTS=("$CONFIG_DIR"/*.config "$CONFIG_DIR"/debug/*.config) ;;
bench) FRAGMENTS=("$CONFIG_DIR"/*.config "$CONFIG_DIR"/bench/*.config) ;;
bench-mitigations) FRAGMENTS=("$CONFIG_DIR"/*.config "$CONFIG_DIR"/bench/*.config "$CONFIG_DIR"/bench-mitigations/*.config) ;;
*) die "unknown kernel profile '$PROFILE'; the profiles are: normal, debug, bench, bench-mitigations" ;;
esac
if [[ $PROFILE == bench* ]]; then
	KERNEL_TREE=$KERNEL_BENCH_TREE
	TREE_FLAGS=(--bench)
fi
BUILD=$(kernel_build_dir "$PROFILE")
MIN_FREE_GIB=6

kmake() { make -C "$KERNEL_TREE" O="$BUILD" "${KERNEL_MAKE_FLAGS[@]}" "$@"; }

check_disk() {
	mkdir -p "$SUPERSYSCALL_CACHE"
	local free_kib
	free_kib=$(df --output=avail -k "$SUPERSYSCALL_CACHE" | tail -n 1)
	((free_kib >= MIN_FREE_GIB * 1024 * 1024)) ||
		die "only $((free_kib / 1024)) MiB free under $SUPERSYSCALL_CACHE; a kernel build needs $MIN_FREE_GIB GiB"
}

# Prints every fragment line that the built .config lacks. A line
# "# CONFIG_X is not set" also matches when CONFIG_X is absent.
missing_config_lines() {
	local fragment line symbol
	for fragment in "${FRAGMENTS[@]}"; do
		while IFS= read -r line; do
			if [[ $line =~ ^CONFIG_ ]]; then
				grep -qxF -- "$line" "$BUILD/.config" || echo "$(basename "$fragment"): $line"
			elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
				symbol=${BASH_REMATCH[1]}
				! grep -q "^$symbol=" "$BUILD/.config" || echo "$(basename "$fragment"): $line"
			fi
		done <"$fragment"
	done
}

configure() {
	local stamp_file=$BUILD/.supersyscall-config-stamp stamp
	stamp=$( (git -C "$KERNEL_TREE" rev-parse HEAD; cat "${FRAGMENTS[@]}") | sha256sum | cut -d' ' -f1)
	if [[ -f $BUILD/.config && -f $stamp_file && $(<"$stamp_file") == "$stamp" ]]; then
		return
	fi

	log "configuring the $PROFILE kernel: tinyconfig + ${FRAGMENTS[*]#"$SUPERSYSCALL_ROOT"/kernel-config/}"
	mkdir -p "$BUILD"
	rm -f "$stamp_file"
	kmake -s tinyconfig >/dev/null
	"$KERNEL_TREE"/scripts/kconfig/merge_config.sh -m -O "$BUILD" "$BUILD/.config" "${FRAGMENTS[@]}" >/dev/null
	kmake -s olddefconfig >/dev/null

	local missing
	missing=$(missing_config_lines)
	[[ -z $missing ]] || die "the built .config lacks these fragment lines (unknown options, or options whose dependencies are unmet):
$missing"
	echo "$stamp" >"$stamp_file"
}

# Runs a long make target with its output in a log file, printing a progress
# line every 30 seconds so that the build does not look hung.
build() {
	local what=$1 log_file=$BUILD/build.log
	shift
	# Cold build times on the 2-core development machine.
	local estimate="5 minutes"
	[[ $PROFILE != debug ]] || estimate="6 to 7 minutes"
	log "building $what (a cold build takes about $estimate on 2 cores; log: $log_file)"
	kmake -j"$(nproc)" "$@" >"$log_file" 2>&1 &
	local pid=$! started=$SECONDS next_report=30
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if ((SECONDS - started >= next_report)); then
			log "still building $what: $((SECONDS - started)) s, last step: $(tail -n 1 "$log_file" | cut -c1-100)"
			next_report=$((next_report + 30))
		fi
	done
	if ! wait "$pid"; then
		tail -n 40 "$log_file" >&2
		die "building $what failed; full log: $log_file"
	fi
	log "built $what in $((SECONDS - started)) s"
}

check_disk
"$SUPERSYSCALL_ROOT"/scripts/kernel-tree.sh "${TREE_FLAGS[@]}"
configure
build "the $PROFILE kernel (bzImage and uapi headers)" bzImage headers
echo "$BUILD/arch/x86/boot/bzImage"
