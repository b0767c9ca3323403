#!/usr/bin/env bash
# Runs the benchmarks in the guest on each kernel configuration, brings the
# results back through the serial console, and writes the tables and the
# plot.
#
# Usage: scripts/bench.sh [--configs LIST] [--quick] [--no-kernel-build]
#                         [--output DIR] [--profile-off NAME]
#                         [--profile-mitigations NAME]
#
# Configurations (--configs takes a comma-separated subset, default all):
#   off     the bench kernel (mitigations off)
#   pti     the bench-mitigations kernel on -cpu Skylake-Client-v1, with
#           page-table isolation
#   nopti   the same, booted with nopti
#   icount  the bench kernel under -icount shift=0,sleep=off, where guest
#           time counts instructions (TCG only; skipped under KVM)
#
# --quick measures for a fraction of the time, for trying the scripts.
# --no-kernel-build boots the kernels as they are built in the cache,
# without running scripts/kernel-build.sh (while another build runs, say).
# --output DIR is where the tables and plot go (default docs/bench, or the
# run's folder in the cache with --quick).
# --profile-off and --profile-mitigations name other kernel profiles for
# the two kernels (defaults bench and bench-mitigations).
#
# Each boot's raw results, the "bench-json:" lines of its log, go to
# $SUPERSYSCALL_CACHE/bench/RUN/CONFIG.jsonl.
set -euo pipefail
source "$(dirname "$0")/env.sh"

configs=off,pti,nopti,icount
quick=false
build_kernels=true
output=
profile_off=bench
profile_mitigations=bench-mitigations

while (($#)); do
	case $1 in
	--configs | --output | --profile-off | --profile-mitigations)
		(($# >= 2)) || die "$1 needs a value"
		case $1 in
		--configs) configs=$2 ;;
		--output) output=$2 ;;
		--profile-off) profile_off=$2 ;;
		--profile-mitigations) profile_mitigations=$2 ;;
		esac
		shift 2
		;;
	--quick) quick=true && shift ;;
	--no-kernel-build) build_kernels=false && shift ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument '$1'; see scripts/bench.sh --help" ;;
	esac
done

IFS=, read -ra selected <<<"$configs"
for config in "${selected[@]}"; do
	case $config in
	off | pti | nopti | icount) ;;
	*) die "unknown configuration '$config' in --configs; the configurations are: off, pti, nopti, icount" ;;
	esac
done

accelerator=$("$SUPERSYSCALL_ROOT"/qemu/boot.sh --print-accelerator)
run_id=$(date -u +%Y%m%dT%H%M%SZ)
results=$SUPERSYSCALL_CACHE/bench/$run_id
mkdir -p "$results"
if [[ -z $output ]]; then
	output=$SUPERSYSCALL_ROOT/docs/bench
	! $quick || output=$results
fi

# Prints the bzImage of a kernel profile, building it unless
# --no-kernel-build.
kernel_image() {
	local profile=$1 image
	if $build_kernels; then
		"$SUPERSYSCALL_ROOT"/scripts/kernel-build.sh "$profile" | tail -n 1
		return
	fi
	image=$(kernel_build_dir "$profile")/arch/x86/boot/bzImage
	[[ -f $image ]] || die "no built $profile kernel at $image; run without --no-kernel-build"
	echo "$image"
}

# Guest programs are static: the initramfs has no shared libraries.
guest_target=x86_64-unknown-linux-gnu
guest_release=$SUPERSYSCALL_ROOT/target/$guest_target/release
log "building the static guest programs"
export RUSTFLAGS="-C target-feature=+crt-static"
cd "$SUPERSYSCALL_ROOT"
cargo build --quiet --release --target "$guest_target" -p guest-init --bin init
cargo build --quiet --release --target "$guest_target" -p supersyscall-benches --examples
mapfile -t benches < <(
	cargo bench --quiet --no-run --target "$guest_target" -p supersyscall-benches --message-format=json |
		python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") and "bench" in message["target"]["kind"]:
        print(message["target"]["name"] + "=" + message["executable"])
')
((${#benches[@]} == 2)) || die "expected the syscalls and tools benchmarks, cargo built: ${benches[*]}"

files=(
	"/bin/bench/du=$guest_release/examples/du"
	"/bin/bench/read_files=$guest_release/examples/read_files"
)
for bench in "${benches[@]}"; do
	files+=("/bin/bench/${bench%%=*}=${bench#*=}")
done
# GNU du and its libraries, at the same paths as on the host.
add_plan_host_programs bench
initramfs=$("$SUPERSYSCALL_ROOT"/qemu/initramfs.sh --init "$guest_release/init" \
	--output "$SUPERSYSCALL_CACHE/initramfs/bench.cpio" "${files[@]}" | tail -n 1)

# Boots configuration CONFIG and keeps its result lines.
run_config() {
	local config=$1 profile mode=wall boot_options=(--no-audit) append
	case $config in
	off) profile=$profile_off ;;
	pti | nopti)
		profile=$profile_mitigations
		boot_options+=(--cpu-model Skylake-Client-v1)
		;;
	icount)
		profile=$profile_off
		mode=icount
		boot_options+=(--icount)
		;;
	esac
	if [[ $config == icount && $accelerator != tcg ]]; then
		log "skipping icount: -icount needs TCG, and this machine runs KVM"
		return
	fi

	# tsc=reliable turns off the clocksource watchdog. Under TCG, timer
	# interrupts arrive late while the guest is busy, so jiffies fall behind
	# the TSC. The watchdog then marks the TSC unstable in the middle of a
	# run and falls back to jiffies, whose 4 ms steps ruin every figure.
	append="tsc=reliable SUPERSYSCALL_BENCH_CONFIG=$config SUPERSYSCALL_BENCH_MODE=$mode"
	[[ $config != nopti ]] || append+=" nopti"
	! $quick || append+=" SUPERSYSCALL_BENCH_QUICK=1 SUPERSYSCALL_BENCH_ROUNDS=1 SUPERSYSCALL_BENCH_TOOL_ROUNDS=1"

	# This function runs on the left of ||, where bash ignores set -e, so
	# every failure returns explicitly.
	local kernel started=$SECONDS status=0 guest_log=$SUPERSYSCALL_CACHE/logs/bench-$config.log
	kernel=$(kernel_image "$profile") || {
		printf 'error: building the %s kernel failed, so configuration %s did not run\n' "$profile" "$config" >&2
		return 1
	}
	# A boot that fails before it writes its log must not leave an older
	# run's records to be collected as this run's.
	rm -f "$guest_log"
	log "benchmarking configuration $config: the $profile kernel, $accelerator, ${boot_options[*]} (guest log: $guest_log)"
	"$SUPERSYSCALL_ROOT"/qemu/boot.sh --kernel "$kernel" --initramfs "$initramfs" --plan bench \
		--timeout 1800 --log-name "bench-$config" --append "$append" "${boot_options[@]}" >/dev/null || status=$?
	touch "$guest_log"
	sed -n 's/^bench-json: //p' "$guest_log" >"$results/$config.jsonl"
	log "configuration $config done in $((SECONDS - started)) s: $(wc -l <"$results/$config.jsonl") records in $results/$config.jsonl"
	return "$status"
}

# A failed boot does not stop the other configurations: the tables show
# what the failed one measured before it stopped, and the script fails at
# the end.
failed=()
for config in "${selected[@]}"; do
	run_config "$config" || failed+=("$config")
done

mkdir -p "$output"
python3 "$SUPERSYSCALL_ROOT"/scripts/bench-report.py --output "$output" "$results"/*.jsonl
log "tables: $output/results.md; plots: $output/ns-per-entry-*.svg; raw results: $results"
((${#failed[@]} == 0)) || die "the guest failed in configuration(s): ${failed[*]}; see their logs in $SUPERSYSCALL_CACHE/logs/bench-CONFIG.log"
