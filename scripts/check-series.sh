#!/usr/bin/env bash
# Applies patches/ with git am to a freshly unpacked linux-source-6.12 tree and
# fails if any patch does not apply. Then runs scripts/checkpatch.pl --strict
# on every patch and fails on any complaint.
set -euo pipefail
source "$(dirname "$0")/env.sh"

# The check depends only on the patches and the kernel source package, so a
# stamp of both skips it when neither changed since it last passed.
stamp_file=$SUPERSYSCALL_CACHE/check-series.stamp
stamp=$( (cat "$SUPERSYSCALL_ROOT"/patches/0*.patch; dpkg-query -W -f='${Version}' linux-source-6.12) | sha256sum | cut -d' ' -f1)
if [[ -f $stamp_file && $(<"$stamp_file") == "$stamp" ]]; then
	log "patches/ unchanged since it last applied and passed checkpatch --strict"
	exit 0
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

log "unpacking $KERNEL_SOURCE_TARBALL into $scratch"
tar -xf "$KERNEL_SOURCE_TARBALL" -C "$scratch"
tree=$scratch/linux-source-6.12
git -C "$tree" init -q
git -C "$tree" add -A -f
git -C "$tree" -c user.name=check -c user.email=check@localhost commit -q -m base

series=()
for patch in "$SUPERSYSCALL_ROOT"/patches/0*.patch; do
	[[ $patch == */0000-cover-letter.patch ]] || series+=("$patch")
done
((${#series[@]})) || die "no patches found in patches/"

for patch in "${series[@]}"; do
	git -C "$tree" -c user.name=check -c user.email=check@localhost am -q "$patch" ||
		die "$(basename "$patch") does not apply"
	log "applied $(basename "$patch")"
done

# checkpatch.pl checks SPDX tags with Debian's python3 and its ply and git
# modules, so Debian's python3 must come first in PATH.
failed=0
for patch in "${series[@]}"; do
	if ! output=$(cd "$tree" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict -q "$patch" 2>&1) || [[ -n $output ]]; then
		printf '%s\n' "$output" >&2
		log "checkpatch --strict complains about $(basename "$patch")"
		failed=1
	fi
done
((failed == 0)) || die "checkpatch --strict is not clean"
log "all ${#series[@]} patches apply to a fresh tree and are checkpatch --strict clean"
mkdir -p "$SUPERSYSCALL_CACHE"
echo "$stamp" >"$stamp_file"
