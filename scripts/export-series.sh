#!/usr/bin/env bash
# Regenerates patches/ from the commits on top of the base in the kernel tree.
# The cover letter comes from docs/cover-letter.txt, whose first paragraph is
# the subject and the rest the body, followed by the man page.
set -euo pipefail
source "$(dirname "$0")/env.sh"

# The man page follows the letter, rendered as plain text at 72 columns.
man_page=$(MANWIDTH=72 man -l "$SUPERSYSCALL_ROOT/man/supersyscall.2" | col -b)
description="$(cat "$SUPERSYSCALL_ROOT/docs/cover-letter.txt")

---
$man_page"
git -C "$KERNEL_TREE" config branch.supersyscall.description "$description"
rm -f "$SUPERSYSCALL_ROOT"/patches/*.patch
git -C "$KERNEL_TREE" format-patch -q --cover-letter --cover-from-description=subject \
	--base=base -o "$SUPERSYSCALL_ROOT/patches" base..supersyscall
ls "$SUPERSYSCALL_ROOT"/patches
