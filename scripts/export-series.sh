#!/usr/bin/env bash
# Regenerates patches/ from the commits on top of the base in the kernel tree.
# The cover letter comes from docs/cover-letter.txt, whose first paragraph is
# the subject and the rest the body.
set -euo pipefail
source "$(dirname "$0")/env.sh"

git -C "$KERNEL_TREE" config branch.supersyscall.description "$(cat "$SUPERSYSCALL_ROOT/docs/cover-letter.txt")"
rm -f "$SUPERSYSCALL_ROOT"/patches/*.patch
git -C "$KERNEL_TREE" format-patch -q --cover-letter --cover-from-description=subject \
	--base=base -o "$SUPERSYSCALL_ROOT/patches" base..supersyscall
ls "$SUPERSYSCALL_ROOT"/patches
