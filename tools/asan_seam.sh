#!/usr/bin/env bash
# Build the native seam (src/e820scope/_native/_scan.c) with AddressSanitizer and UBSan
# and run its property test against the pure twin with it (it reads untrusted input).
#   bash tools/asan_seam.sh [PYTHON]      (default: .venv/bin/python)
# Any sanitizer report fails the run (halt_on_error, UBSan errors are fatal).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
INC=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
SUFFIX=$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
CC=${CC:-gcc}
"$CC" -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
    -g -O1 -fPIC -shared -Wall -Wextra -Wno-unused-parameter -Werror -I"$INC" \
    src/e820scope/_native/_scan.c -o "$OUT/_scan$SUFFIX"
LIBASAN=$("$CC" -print-file-name=libasan.so)
LIBUBSAN=$("$CC" -print-file-name=libubsan.so)
# CPython's own allocations are not instrumented; leak checking would only report them
LD_PRELOAD="$LIBASAN $LIBUBSAN" \
ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
E820SCOPE_SCAN_MODULE="$OUT/_scan$SUFFIX" \
    "$PY" -m pytest -q -p no:cacheprovider tests/ingest/test_scan.py
