#!/usr/bin/env bash
# Prepares the kernel git tree in the cache folder: unpacks Debian's
# linux-source-6.12 once, commits it as the base, and applies patches/ with
# git am. An unchanged tree is left alone, because rewriting files resets
# their times and forces a full kernel rebuild.
#
# Usage: scripts/kernel-tree.sh [--bench]
#   --bench  also prepares $KERNEL_BENCH_TREE, a worktree that carries the
#            series and then patches/bench/, for the benchmark kernels.
set -euo pipefail
source "$(dirname "$0")/env.sh"

bench=0
case ${1-} in
"") ;;
--bench) bench=1 ;;
*) die "usage: scripts/kernel-tree.sh [--bench]" ;;
esac

shopt -s nullglob
bench_series=("$SUPERSYSCALL_ROOT"/patches/bench/0*.patch)
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

# Brings the main tree to base + patches/.
update_tree() {
	# Kernel development happens in the tree itself: commit there, then regenerate
	# patches/ with git format-patch. Until then this leaves the tree alone.
	if [[ ${SUPERSYSCALL_KEEP_TREE-} == 1 ]]; then
		log "SUPERSYSCALL_KEEP_TREE=1: building $KERNEL_TREE as it is"
		return 0
	fi

	if [[ -n $(git_tree status --porcelain --untracked-files=no) ]]; then
		die "$KERNEL_TREE has uncommitted changes; commit them and regenerate patches/, or run 'git -C $KERNEL_TREE stash'"
	fi

	if [[ $(series_ids) == "$(tree_ids)" ]]; then
		log "kernel tree already carries the ${#series[@]} patches of patches/"
		return 0
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
}

# Brings the benchmark worktree to the main tree's HEAD + patches/bench/.
# The new commit is built in a scratch index and then checked out, so only
# the files that differ are rewritten and the benchmark build stays
# incremental.
update_bench_tree() {
	local head tree_ids_now wanted_ids patch commit tree scratch_index
	head=$(git_tree rev-parse HEAD)
	if [[ ! -e $KERNEL_BENCH_TREE/.git ]]; then
		log "adding the benchmark worktree $KERNEL_BENCH_TREE"
		git_tree worktree add -q --detach "$KERNEL_BENCH_TREE" "$head"
	fi
	bench_git() { git -C "$KERNEL_BENCH_TREE" -c user.name=supersyscall -c user.email=supersyscall@localhost "$@"; }
	[[ -z $(bench_git status --porcelain --untracked-files=no) ]] ||
		die "$KERNEL_BENCH_TREE has uncommitted changes; it is rebuilt from the main tree and patches/bench/, so edit those instead"

	wanted_ids=$(cat "${bench_series[@]}" | git patch-id --stable | cut -d' ' -f1 | sort)
	tree_ids_now=$(bench_git format-patch -q --stdout "$head..HEAD" 2>/dev/null | git patch-id --stable | cut -d' ' -f1 | sort)
	if bench_git merge-base --is-ancestor "$head" HEAD &&
		[[ $(bench_git rev-list --count "$head..HEAD") == "${#bench_series[@]}" && $tree_ids_now == "$wanted_ids" ]]; then
		log "benchmark tree already carries the main tree and the ${#bench_series[@]} patches of patches/bench/"
		return 0
	fi
	log "applying the ${#bench_series[@]} patches of patches/bench/ to the main tree in $KERNEL_BENCH_TREE"
	scratch_index=$(mktemp)
	commit=$head
	for patch in "${bench_series[@]}"; do
		GIT_INDEX_FILE=$scratch_index git_tree read-tree "$commit"
		if ! GIT_INDEX_FILE=$scratch_index git_tree apply --cached --whitespace=error-all "$patch"; then
			rm -f "$scratch_index"
			die "$(basename "$patch") does not apply to the main tree"
		fi
		tree=$(GIT_INDEX_FILE=$scratch_index git_tree write-tree)
		commit=$(git mailinfo /dev/null /dev/null <"$patch" | sed -n 's/^Subject: //p' |
			git_tree commit-tree "$tree" -p "$commit")
	done
	rm -f "$scratch_index"
	bench_git checkout -q --detach "$commit"
}

mkdir -p "$SUPERSYSCALL_CACHE"
[[ -e $KERNEL_TREE/.git ]] || unpack
update_tree
((bench == 0)) || update_bench_tree
