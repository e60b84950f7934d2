#!/bin/bash
# vmtest/install-deps.sh [--lab] — install the test bed's Debian packages (root, bookworm).
# Package names and versions checked on bookworm (2026-12): qemu-system-x86 1:7.2+dfsg-7+deb12u18,
# ovmf 2022.11-6+deb12u2, kexec-tools 1:2.0.25-3+deb12u3, busybox-static 1:1.35.0-4+deb12u1,
# cpio 2.13+dfsg-7.1, debootstrap 1.0.128+nmu2+deb12u2 (chroots of trixie/forky to build the
# module with their compilers). The kernels of the matrix are not installed on the host:
# vmtest/kernels.py fetches them with a private apt configuration.
# --lab adds what building the lab kernel needs (linux-source-6.1 and its build tools).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(qemu-system-x86 ovmf kexec-tools busybox-static cpio make gcc debootstrap xz-utils)
if [ "${1:-}" = --lab ]; then
  PKGS+=(linux-source-6.1 flex bison libelf-dev bc build-essential xz-utils)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "vmtest: all packages present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "vmtest: need root to install: ${missing[*]}" >&2; exit 4; fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
