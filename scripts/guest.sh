#!/usr/bin/env bash
# Builds everything the guest needs and runs one guest plan in QEMU:
# the patched kernel, the kselftest, the static guest programs (init, demo and
# the crate's test binaries) and the initramfs.
#
# Usage: scripts/guest.sh [--profile normal|debug] PLAN
# The debug profile boots the sanitizer kernel on two CPUs.
set -euo pipefail
source "$(dirname "$0")/env.sh"

profile=normal
if [[ ${1-} == --profile ]]; then
	profile=${2:?--profile needs a value: normal or debug}
	shift 2
fi
if (($# != 1)); then
	die "usage: scripts/guest.sh [--profile normal|debug] PLAN, where PLAN is one of: $(ls "$SUPERSYSCALL_ROOT/qemu/plans")"
fi
plan=$1
[[ -f $SUPERSYSCALL_ROOT/qemu/plans/$plan ]] ||
	die "no plan named '$plan' in qemu/plans/; the plans are: $(ls "$SUPERSYSCALL_ROOT/qemu/plans")"
guest_target=x86_64-unknown-linux-gnu
guest_release=$SUPERSYSCALL_ROOT/target/$guest_target/release

bzimage=$("$SUPERSYSCALL_ROOT"/scripts/kernel-build.sh "$profile" | tail -n 1)
selftests=$("$SUPERSYSCALL_ROOT"/scripts/selftest-build.sh "$profile" | tail -n 1)
c_example=$("$SUPERSYSCALL_ROOT"/scripts/c-example.sh "$profile" | tail -n 1)

# Guest programs are static: the initramfs has no shared libraries.
log "building the static guest programs"
export RUSTFLAGS="-C target-feature=+crt-static"
cd "$SUPERSYSCALL_ROOT"
cargo build --quiet --release --target "$guest_target" -p guest-init --bin init
cargo build --quiet --release --target "$guest_target" -p supersyscall --example demo
mapfile -t test_binaries < <(
	cargo test --quiet --release --target "$guest_target" -p supersyscall --no-run --message-format=json |
		python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") and message["profile"]["test"]:
        print(message["executable"])
')
((${#test_binaries[@]})) || die "cargo built no test binary for the guest"

files=(
	"/bin/demo=$guest_release/examples/demo"
	"/bin/supersyscall_test=$selftests/supersyscall_test"
	"/bin/visibility_test=$selftests/visibility_test"
	"/bin/first-line=$c_example"
)
for binary in "${test_binaries[@]}"; do
	name=$(basename "$binary")
	files+=("/bin/tests/${name%-*}=$binary")
done

add_plan_host_programs "$plan"

initramfs=$("$SUPERSYSCALL_ROOT"/qemu/initramfs.sh --init "$guest_release/init" "${files[@]}" | tail -n 1)
cpus=1
[[ $profile != debug ]] || cpus=2
"$SUPERSYSCALL_ROOT"/qemu/boot.sh --kernel "$bzimage" --initramfs "$initramfs" --plan "$plan" \
	--cpus "$cpus" --log-name "$plan-$profile"
