#!/usr/bin/env bash
# Installs the Debian packages and cargo tools the project needs, by name and
# without pinned versions (Debian's archive serves only current ones), and
# prints the versions in use. Fast when everything is already installed.
set -euo pipefail

DEBIAN_PACKAGES=(
	# Kernel source and the kernel's build dependencies.
	linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
	cpio xz-utils kmod perl python3 git rsync
	# scripts/checkpatch.pl checks SPDX tags with these (Debian's python3).
	python3-ply python3-git
	# Rust for the kernel: Debian's toolchain ships rust-src, rustup's does not.
	rustc-web rust-web-src libstd-rust-web-dev rust-web-clippy rustfmt-web
	# LLVM=1 builds: clang, lld and llvm 14, and libclang for bindgen.
	clang lld llvm libclang-dev
	# The guest, and strace for the plan qemu/plans/strace.
	qemu-system-x86 strace
)
BINDGEN_VERSION=0.73.2

log() { printf '==> %s\n' "$*" >&2; }

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)
	[[ $status == ii* ]] || missing+=("$package")
done
if ((${#missing[@]})); then
	log "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! bindgen --version 2>/dev/null | grep -qx "bindgen $BINDGEN_VERSION"; then
	log "installing bindgen-cli $BINDGEN_VERSION with cargo (about 2 minutes)"
	cargo install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION"
fi

if [[ ${1-} != --quiet ]]; then
	log "versions in use:"
	dpkg-query -W -f='    ${Package} ${Version}\n' linux-source-6.12 rustc-web \
		rust-web-src rust-web-clippy rustfmt-web clang lld llvm qemu-system-x86 strace >&2
	printf '    %s\n' "$(bindgen --version)" "$(/usr/bin/rustc --version)" >&2
fi
