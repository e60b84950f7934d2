#!/bin/bash
# vmtest/ci.sh [KERNEL ...] — the VM test bed alone (.ci/run runs the same tests inside the
# README's whole-suite command). Installs the Debian packages, fetches the kernel matrix
# (vmtest/kernels.py; all four kernels, or the ones named) and runs the VM tests (pytest
# marker "vm"), one QEMU at a time. With CI=true a missing tool fails the tests instead of
# skipping them. Times measured on the 2-core machines: docs/lab.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=${CI:-true}
if [ $# -gt 0 ]; then export E820SCOPE_VM_KERNELS="$(IFS=,; echo "$*")"; fi
T0=$(date +%s)
bash vmtest/install-deps.sh
T1=$(date +%s)
PY=python3; [ -x .venv/bin/python ] && PY=.venv/bin/python
K=${E820SCOPE_VM_KERNELS:-}
# shellcheck disable=SC2086
timeout 1500 "$PY" -m vmtest.kernels fetch ${K//,/ }
T2=$(date +%s)
# shellcheck disable=SC2086
timeout 1500 "$PY" -m vmtest.matrix build ${K//,/ }
T3=$(date +%s)
echo "vmtest: install $((T1 - T0)) s, kernels fetched $((T2 - T1)) s, chroots + modules $((T3 - T2)) s"
# the installed package and pytest, in .venv (./bootstrap.sh --dev makes it when missing)
PY=.venv/bin/python
"$PY" -c 'import e820scope, pytest' 2>/dev/null || ./bootstrap.sh --dev
E820SCOPE_VM_OUT=${E820SCOPE_VM_OUT:-$PWD/vmtest/out} "$PY" -m pytest -m vm tests/vm -q -p no:cacheprovider
echo "vmtest: total $(( $(date +%s) - T0 )) s"
