#!/bin/bash
# vmtest/ci.sh — the test bed's CI entry point (called from .ci/run).
# Installs the Debian packages, builds kmod/ against the Debian kernel's headers, then runs
# the VM tests (pytest marker "vm"). With CI=true a missing tool fails the tests instead of
# skipping them. Measured on a 2-core machine: install ~66 s (first time), module build
# ~3 s, tests ~4-5 min (OVMF chain of 3 generations with 200 load/unload cycles, SeaBIOS
# chain of 2).
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=${CI:-true}
T0=$(date +%s)
bash vmtest/install-deps.sh
T1=$(date +%s)
REL=$(basename "$(ls -1 /boot/vmlinuz-*-amd64 | sort | tail -1)" | sed 's/^vmlinuz-//')
make -C kmod KVER="$REL" >/dev/null 2>&1 || make -C kmod KVER="$REL"
T2=$(date +%s)
echo "vmtest: install $((T1 - T0)) s, module build $((T2 - T1)) s (kernel $REL)"
# the installed package and pytest, in .venv (./bootstrap.sh --dev makes it when missing)
PY=.venv/bin/python
"$PY" -c 'import e820scope, pytest' 2>/dev/null || ./bootstrap.sh --dev
E820SCOPE_VM_OUT=${E820SCOPE_VM_OUT:-$PWD/vmtest/out} "$PY" -m pytest -m vm tests/vm -q -p no:cacheprovider "$@"
echo "vmtest: total $(( $(date +%s) - T0 )) s"
