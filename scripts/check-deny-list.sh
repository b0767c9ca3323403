#!/usr/bin/env bash
# Checks that every copy of the deny list matches the uapi header's. The header's
# SUPERSYSCALL_DENY_LIST, as patches/ adds it, is the table: the kernel and
# the kselftest use it directly. The crate's DENY_LIST and the man page's
# list of calls that cannot run must name the same calls in the same order.
set -euo pipefail
source "$(dirname "$0")/env.sh"

header_patch=$(grep -l '^+++ b/include/uapi/linux/supersyscall.h' "$SUPERSYSCALL_ROOT"/patches/0*.patch) ||
	die "no patch in patches/ adds include/uapi/linux/supersyscall.h"
crate_abi=$SUPERSYSCALL_ROOT/crates/supersyscall/src/raw/abi.rs
man_page=$SUPERSYSCALL_ROOT/man/supersyscall.2

# The header: the __NR_name numbers in the macro, as the patch adds them.
header=$(sed -n '/^+#define SUPERSYSCALL_DENY_LIST/,/^+}/p' "$header_patch" |
	grep -o '__NR_[a-z0-9_]*' | sed 's/^__NR_//')

# The crate: the ("name", number) lines of DENY_LIST.
crate=$(sed -n '/^pub const DENY_LIST/,/^];/s/^ *("\([a-z0-9_]*\)",.*/\1/p' "$crate_abi")

# The man page: the heading line after each .TP in the "Numbers that do not
# run" section, with the font macros, quotes, commas and section numbers
# removed.
man=$(awk '
	/^\.SS Numbers that do not run/ { section = 1; next }
	/^\.S[HS] / { section = 0 }
	section && heading { print; heading = 0; next }
	section && /^\.TP/ { heading = 1 }
' "$man_page" |
	sed -e 's/^\.[A-Z]* //' -e 's/"//g' -e 's/([0-9]*)//g' -e 's/,/ /g' |
	tr -s ' ' '\n' | sed '/^$/d')

[[ -n $header ]] || die "found no __NR_ number in SUPERSYSCALL_DENY_LIST in $header_patch"

status=0
for copy in crate man; do
	if [[ ${!copy} != "$header" ]]; then
		echo "deny list mismatch: the header (<) and the $copy (>) differ:" >&2
		diff <(echo "$header") <(echo "${!copy}") >&2 || true
		status=1
	fi
done
((status == 0)) || die "update $crate_abi or $man_page to match the uapi header"

log "deny list: header, crate and man page all name $(echo "$header" | wc -l) calls: $(echo $header)"
