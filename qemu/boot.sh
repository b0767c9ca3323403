#!/usr/bin/env bash
# Boots a kernel and initramfs in QEMU, runs one guest plan and exits with the
# plan's status. The guest's serial output goes to stdout and to
# $SUPERSYSCALL_CACHE/logs/PLAN.log. One guest runs at a time.
#
# Exit status: 0 when the guest's init reported status 0, and the guest's
# status when it reported a failure (capped at 127 by QEMU's isa-debug-exit).
# A boot that timed out exits with 124. Any other failure, such as a kernel
# panic or a QEMU error, exits with 1.
set -euo pipefail

# shellcheck source=../scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"

usage() {
	cat >&2 <<EOF
usage: $0 --kernel BZIMAGE --initramfs CPIO --plan NAME [--timeout SECONDS] [--append 'ARGS']
       [--cpus N] [--log-name NAME] [--cpu-model MODEL] [--icount] [--no-audit]
       $0 --print-accelerator

Boots BZIMAGE with CPIO in QEMU and runs the guest plan /etc/plans/NAME.

  --kernel BZIMAGE   kernel image (arch/x86/boot/bzImage)
  --initramfs CPIO   archive from qemu/initramfs.sh
  --plan NAME        plan for the guest init, passed after '--' on the kernel
                     command line
  --timeout SECONDS  wall-clock limit for the whole boot (default 600)
  --append 'ARGS'    extra kernel command line arguments, placed before '--'
  --cpus N           number of guest CPUs (default 1)
  --log-name NAME    guest log file name in the cache's logs/ (default: NAME of
                     the plan)
  --cpu-model MODEL  QEMU CPU model under TCG (default max), for example
                     Skylake-Client-v1, which the kernel treats as vulnerable
                     to Meltdown. KVM always runs -cpu host, the real CPU.
  --icount           run with -icount shift=0,sleep=off, so that guest time
                     advances 1 ns per guest instruction (TCG only; fails
                     under KVM)
  --no-audit         leave audit=1 off the command line, so that system calls
                     carry no audit work (for benchmarks)
  --print-accelerator
                     print the accelerator a boot would use (kvm or tcg) and
                     exit

The boot fails when the guest log holds a kernel report (BUG:, WARNING:,
UBSAN:, Oops, a general protection fault, a hung task, a panic), even if
every guest command passed.
EOF
	exit "${1:-2}"
}

kernel=
initramfs=
plan=
timeout_seconds=600
extra_append=
cpus=1
log_name=
cpu_model=
icount=false
audit=true
print_accelerator=false

while (($#)); do
	case $1 in
	--kernel | --initramfs | --plan | --timeout | --append | --cpus | --log-name | --cpu-model)
		(($# >= 2)) || { printf 'error: %s needs a value\n' "$1" >&2; usage; }
		case $1 in
		--kernel) kernel=$2 ;;
		--initramfs) initramfs=$2 ;;
		--plan) plan=$2 ;;
		--timeout) timeout_seconds=$2 ;;
		--append) extra_append=$2 ;;
		--cpus) cpus=$2 ;;
		--log-name) log_name=$2 ;;
		--cpu-model) cpu_model=$2 ;;
		esac
		shift 2
		;;
	--icount) icount=true && shift ;;
	--no-audit) audit=false && shift ;;
	--print-accelerator) print_accelerator=true && shift ;;
	-h | --help) usage 0 ;;
	*)
		printf 'error: unknown argument: %s\n' "$1" >&2
		usage
		;;
	esac
done

# Chooses KVM only when it can work: the CPU must have hardware
# virtualization and /dev/kvm must open for reading and writing. The CPU flag
# matters because a /dev/kvm that opens on a CPU without vmx or svm can still
# hang QEMU at boot with no output. Sets accel, cpu and accel_reason.
choose_accelerator() {
	accel=tcg
	cpu=max
	if ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		accel_reason="the CPU has no vmx or svm flag in /proc/cpuinfo"
	elif [[ ! -c /dev/kvm ]]; then
		accel_reason="/dev/kvm does not exist"
	elif ! { exec {kvm_fd}<>/dev/kvm; } 2>/dev/null; then
		accel_reason="/dev/kvm cannot be opened for reading and writing"
	else
		exec {kvm_fd}>&-
		accel=kvm
		cpu=host
		accel_reason="vmx or svm present and /dev/kvm opens read-write"
	fi
}

if $print_accelerator; then
	choose_accelerator
	echo "$accel"
	exit 0
fi
[[ -n $kernel && -n $initramfs && -n $plan ]] || usage
[[ -f $kernel ]] || die "kernel image not found: $kernel"
[[ -f $initramfs ]] || die "initramfs not found: $initramfs (build it with qemu/initramfs.sh)"
[[ $plan =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid plan name '$plan': use letters, digits, '.', '_' and '-'"
[[ $cpus =~ ^[1-9][0-9]?$ ]] || die "invalid --cpus '$cpus': expected 1 to 99"
log_name=${log_name:-$plan}
[[ $log_name =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid --log-name '$log_name': use letters, digits, '.', '_' and '-'"
[[ $timeout_seconds =~ ^[1-9][0-9]*$ ]] || die "invalid --timeout '$timeout_seconds': expected a positive number of seconds"
read -ra append_words <<<"$extra_append"
for word in "${append_words[@]}"; do
	[[ $word != -- ]] || die "invalid --append '$extra_append': it must not contain '--', which boot.sh adds before the plan name"
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: install Debian's qemu-system-x86 package"

choose_accelerator
log "accelerator: $accel ($accel_reason)"
if [[ -n $cpu_model ]]; then
	[[ $cpu_model =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid --cpu-model '$cpu_model': use letters, digits, '.', '_' and '-'"
	if [[ $accel == tcg ]]; then
		cpu=$cpu_model
	else
		log "ignoring --cpu-model $cpu_model: KVM runs the host's CPU"
	fi
fi
if $icount && [[ $accel != tcg ]]; then
	die "--icount needs TCG, but this boot would use $accel; leave --icount off under KVM"
fi

mkdir -p "$SUPERSYSCALL_CACHE/logs"
lock_path=$SUPERSYSCALL_CACHE/qemu.lock
exec {lock_fd}>>"$lock_path"
if ! flock -n "$lock_fd"; then
	log "another guest is running (lock $lock_path is held); waiting for it to finish"
	flock "$lock_fd"
fi

# panic=-1 reboots at once on a panic, and -no-reboot turns the reboot into a
# QEMU exit with status 0, which is read below as "no status reported". The
# watchdog and RCU stall limits are raised because TCG runs the guest many
# times slower than hardware. loglevel=5 keeps the informational boot messages
# off the console, so the guest's own output is easy to find, while warnings,
# errors and panics still show. audit=1 gives every task an audit context
# where the kernel has audit, so that every batch runs with one; --no-audit
# leaves it off.
cmdline="console=ttyS0 loglevel=5 panic=-1 watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120"
if $audit; then
	cmdline+=" audit=1"
fi
if [[ -n $extra_append ]]; then
	cmdline+=" $extra_append"
fi
cmdline+=" -- $plan"

qemu=(
	qemu-system-x86_64
	-accel "$accel"
	-cpu "$cpu"
	# Without ACPI, QEMU brings up extra CPUs only as extra sockets.
	-smp "$cpus,sockets=$cpus,cores=1"
	-m 512M
	-nodefaults
	-display none
	-serial stdio
	-no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-kernel "$kernel"
	-initrd "$initramfs"
	-append "$cmdline"
)
if $icount; then
	# shift=0: one guest instruction per nanosecond of guest time.
	# sleep=off: an idle guest does not wait for real time to pass.
	qemu+=(-icount shift=0,sleep=off)
fi

guest_log=$SUPERSYSCALL_CACHE/logs/$log_name.log
# Joins words into a line that a shell reads back as the same words, quoting
# only the words that need it.
shell_words() {
	local word words=()
	for word in "$@"; do
		if [[ $word =~ ^[A-Za-z0-9_./,=:@%+-]+$ ]]; then
			words+=("$word")
		else
			words+=("'${word//\'/\'\\\'\'}'")
		fi
	done
	printf '%s\n' "${words[*]}"
}

command_line=$(shell_words "${qemu[@]}")
log "running (timeout $timeout_seconds s): $command_line"
printf 'qemu command: %s\n' "$command_line" >"$guest_log"

start=$(date +%s.%N)
# QEMU's standard input is /dev/null, because nothing is typed into the guest
# and a terminal there would be left in raw mode if QEMU were killed. The
# serial console ends lines with CRLF, and sed drops the CR.
set +e
timeout --foreground --kill-after=10 "$timeout_seconds" "${qemu[@]}" </dev/null 2>&1 |
	sed -u 's/\r$//' | tee -a "$guest_log"
statuses=("${PIPESTATUS[@]}")
set -e
elapsed=$(awk -v start="$start" -v end="$(date +%s.%N)" 'BEGIN { printf "%.1f", end - start }')
qemu_status=${statuses[0]}

# Prints MESSAGE, the end of the guest log and its path, and exits with
# STATUS.
fail() {
	local message=$1 status=$2
	printf '\n==> last 60 lines of the guest log:\n' >&2
	tail -n 60 "$guest_log" >&2
	printf '==> guest log: %s\n' "$guest_log" >&2
	printf 'error: %s\n' "$message" >&2
	exit "$status"
}

# Whether QEMU was killed with SIGKILL (status 137) because it outlived the
# timeout's grace period. QEMU's own odd statuses come from the guest, and
# 137 would also be a guest status of 68.
killed_after_timeout() {
	((qemu_status == 137)) &&
		awk -v elapsed="$elapsed" -v limit="$timeout_seconds" 'BEGIN { exit !(elapsed >= limit) }'
}

# Fails the boot if the kernel reported a bug: KASAN and the "sleeping
# function" check print BUG:, lockdep and WARN() print WARNING:, BUG_ON()
# prints "kernel BUG at", the soft-lockup and hung-task detectors print
# "BUG: soft lockup" and "INFO: task ... blocked for more than", and the RCU
# stall detector prints "rcu: INFO: ... detected stalls".
# The one line left out is a boot notice, not a bug: a kernel with
# retpolines on a CPU model with RETBleed (Skylake-Client-v1) prints
# "RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable to
# RETBleed attacks, data leaks possible!".
check_kernel_reports() {
	local reports
	reports=$(grep -E '(^|[] ])(BUG:|WARNING:|UBSAN:|Oops|general protection fault|Kernel panic|kernel BUG at)|INFO: task .* blocked for more than|rcu: INFO: .*detected stall' "$guest_log" |
		grep -v 'RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable to RETBleed attacks' | head -n 20 || true)
	[[ -z $reports ]] || fail "the guest kernel reported problems (plan $plan):
$reports" 1
}

finished_line="guest: plan $plan finished with status"
if ((qemu_status == 124)) || killed_after_timeout; then
	fail "guest timed out after $timeout_seconds s (plan $plan, $accel)" 124
elif ((qemu_status == 1)); then
	# QEMU also exits with 1 when it fails to start, so a pass counts only
	# when init printed its final line.
	if grep -qxF "$finished_line 0" "$guest_log"; then
		check_kernel_reports
		log "guest plan $plan passed in $elapsed s ($accel)"
		exit 0
	fi
	fail "QEMU exited with status 1 but the guest never printed '$finished_line 0', so QEMU probably failed to start" 1
elif ((qemu_status % 2 == 1)); then
	guest_status=$((qemu_status >> 1))
	fail "guest plan $plan failed with status $guest_status after $elapsed s ($accel)" "$guest_status"
elif ((qemu_status == 0)); then
	if grep -q 'Kernel panic' "$guest_log"; then
		fail "the guest kernel panicked (QEMU exited after $elapsed s with no status from init)" 1
	fi
	fail "QEMU exited after $elapsed s with no status from the guest's init (the guest rebooted, or QEMU was stopped)" 1
else
	fail "QEMU failed with status $qemu_status after $elapsed s" 1
fi
