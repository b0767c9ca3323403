#!/usr/bin/env bash
# Runs the randomized stress tool (crates/stress) in the debug kernel guest:
# KASAN, UBSAN, lockdep and the lockup detectors, on two preemptible CPUs.
# Fails when the tool reports a finding or the guest's kernel log contains a
# report.
#
# Usage: scripts/stress.sh [--minutes N] [--seed S] [--round R] [--workload W]
#   --minutes N    how long the tool runs in the guest (default 2; fractions
#                  such as 0.5 are allowed)
#   --seed S       the run's seed, decimal or 0x-hexadecimal (default: from
#                  the guest's clock; the tool prints it)
#   --round R      replay only round R of the seed, as a failure prints it
#   --workload W   run only workload W (differential, shared, rewrite,
#                  signals, stop-kill or memory)
set -euo pipefail
source "$(dirname "$0")/env.sh"

minutes=2
seed=
round=
workload=
while (($#)); do
	case $1 in
	--minutes | --seed | --round | --workload)
		(($# >= 2)) || die "$1 needs a value"
		case $1 in
		--minutes) minutes=$2 ;;
		--seed) seed=$2 ;;
		--round) round=$2 ;;
		--workload) workload=$2 ;;
		esac
		shift 2
		;;
	-h | --help)
		sed -n '2,14s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*) die "unknown argument '$1'; usage: scripts/stress.sh [--minutes N] [--seed S] [--round R] [--workload W]" ;;
	esac
done
[[ $minutes =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] && awk -v m="$minutes" 'BEGIN { exit !(m > 0) }' ||
	die "invalid --minutes '$minutes': expected a positive number of minutes"
[[ -z $seed || $seed =~ ^([0-9]+|0x[0-9a-fA-F]+)$ ]] ||
	die "invalid --seed '$seed': expected a decimal or 0x-hexadecimal number"
[[ -z $round || $round =~ ^[0-9]+$ ]] || die "invalid --round '$round': expected a decimal number"
[[ -z $workload || $workload =~ ^(differential|shared|rewrite|signals|stop-kill|memory)$ ]] ||
	die "invalid --workload '$workload': expected differential, shared, rewrite, signals, stop-kill or memory"

guest_target=x86_64-unknown-linux-gnu
guest_release=$SUPERSYSCALL_ROOT/target/$guest_target/release
bzimage=$("$SUPERSYSCALL_ROOT"/scripts/kernel-build.sh debug | tail -n 1)

log "building the static guest programs"
export RUSTFLAGS="-C target-feature=+crt-static"
cd "$SUPERSYSCALL_ROOT"
cargo build --quiet --release --target "$guest_target" -p guest-init --bin init
cargo build --quiet --release --target "$guest_target" -p stress --bin stress

# The plan carries the options, so it is written for each run.
plans=$(mktemp -d)
trap 'rm -rf "$plans"' EXIT
arguments="--minutes $minutes --require-kernel --scratch /tmp/stress"
[[ -z $seed ]] || arguments+=" --seed $seed"
[[ -z $round ]] || arguments+=" --round $round"
[[ -z $workload ]] || arguments+=" --workload $workload"
cat >"$plans/stress" <<PLAN
# The randomized stress tool, written by scripts/stress.sh.
/bin/stress $arguments
PLAN

initramfs=$("$SUPERSYSCALL_ROOT"/qemu/initramfs.sh --init "$guest_release/init" --plans "$plans" \
	--output "$SUPERSYSCALL_CACHE/initramfs/stress.cpio" "/bin/stress=$guest_release/stress" | tail -n 1)

# The boot takes about a minute under TCG, and a worker may outlive the
# last round by its grace period, so the limit adds 7 minutes to the run.
timeout_seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 + 420 }')
"$SUPERSYSCALL_ROOT"/qemu/boot.sh --kernel "$bzimage" --initramfs "$initramfs" --plan stress \
	--cpus 2 --timeout "$timeout_seconds" --log-name stress-debug
