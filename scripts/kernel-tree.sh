#!/usr/bin/env bash
# Prepares the kernel git tree in the cache folder: unpacks Debian's
# linux-source-6.12 once, commits it as the base, and applies patches/ with
# git am. An unchanged tree is left alone, because rewriting files resets
# their times and forces a full kernel rebuild.
set -euo pipefail
source "$(dirname "$0")/env.sh"

shopt -s nullglob
series=("$SUPERSYSCALL_ROOT"/patches/0*.patch)
series=("${series[@]/*0000-cover-letter.patch/}")
series=(${series[@]})

git_tree() { git -C "$KERNEL_TREE" -c user.name=supersyscall -c user.email=supersyscall@localhost "$@"; }

unpack() {
	local staging=$SUPERSYSCALL_CACHE/unpack.tmp
	log "unpacking $KERNEL_SOURCE_TARBALL into $KERNEL_TREE"
	rm -rf "$staging"
	mkdir -p "$staging"
	tar -xf "$KERNEL_SOURCE_TARBALL" -C "$staging"
	mv "$staging"/linux-source-6.12 "$KERNEL_TREE"
	rmdir "$staging"

	log "committing the unpacked tree as the base"
	git_tree init -q -b supersyscall
	# Debian's top-level .gitignore ignores every top-level entry.
	git_tree add -A -f
	git_tree commit -q -m "Linux $(make -s -C "$KERNEL_TREE" kernelversion) from Debian linux-source-6.12"
	git_tree tag base
}

# Prints the stable patch ids of the series in patches/, one a line, sorted.
series_ids() {
	((${#series[@]})) || return 0
	cat "${series[@]}" | git patch-id --stable | cut -d' ' -f1 | sort
}

# Prints the stable patch ids of the commits on top of the base, sorted.
tree_ids() {
	git_tree format-patch -q --stdout base..HEAD | git patch-id --stable | cut -d' ' -f1 | sort
}

mkdir -p "$SUPERSYSCALL_CACHE"
[[ -d $KERNEL_TREE/.git ]] || unpack

# Kernel development happens in the tree itself: commit there, then regenerate
# patches/ with git format-patch. Until then this leaves the tree alone.
if [[ ${SUPERSYSCALL_KEEP_TREE-} == 1 ]]; then
	log "SUPERSYSCALL_KEEP_TREE=1: building $KERNEL_TREE as it is"
	exit 0
fi

if [[ -n $(git_tree status --porcelain --untracked-files=no) ]]; then
	die "$KERNEL_TREE has uncommitted changes; commit them and regenerate patches/, or run 'git -C $KERNEL_TREE stash'"
fi

if [[ $(series_ids) == "$(tree_ids)" ]]; then
	log "kernel tree already carries the ${#series[@]} patches of patches/"
	exit 0
fi

log "applying the ${#series[@]} patches of patches/ to the base"
git_tree checkout -q -B supersyscall base
for patch in "${series[@]}"; do
	if ! git_tree am -q --whitespace=error-all "$patch"; then
		git_tree am --abort
		git_tree checkout -q -B supersyscall base
		die "$(basename "$patch") does not apply to $(git_tree log -1 --format=%s base); the tree is back at the base"
	fi
done
