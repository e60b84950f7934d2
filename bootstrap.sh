#!/usr/bin/env bash
# Set up e820scope in ./.venv on a fresh Debian machine (or any machine with Python >= 3.10).
#   ./bootstrap.sh          the tool
#   ./bootstrap.sh --dev    the tool plus what the test suite and linters need
# The package is installed (not linked), so tests run against the installed package.
# The `e820scope` command is then linked where pip puts scripts: /usr/local/bin for root,
# ~/.local/bin otherwise (E820SCOPE_BIN_DIR picks another directory, E820SCOPE_BIN_DIR=
# none links nothing); .venv/bin/e820scope works either way.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "bootstrap: python3-venv is missing; installing it with apt-get" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
# The C accelerators (src/e820scope/_speedups, compiled by hatch_build.py) need the
# Python headers; without them the package is pure Python (same results, slower).
if ! "$PY" -c 'import os, sys, sysconfig
sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    && command -v apt-get >/dev/null; then
    echo "bootstrap: Python headers missing; installing python3-dev with apt-get" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq python3-dev >/dev/null || echo "bootstrap: no python3-dev; pure Python" >&2
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--dev" ]; then
    .venv/bin/python -m pip install -q ".[dev]"
else
    .venv/bin/python -m pip install -q .
fi

# Put `e820scope` on PATH the way `pip install` does (root: /usr/local/bin, a user:
# ~/.local/bin), as a link to this checkout's .venv/bin/e820scope. A file there that is
# not a link (another install) is left alone.
if [ "$(id -u)" = 0 ]; then BIN=${E820SCOPE_BIN_DIR:-/usr/local/bin}; else BIN=${E820SCOPE_BIN_DIR:-$HOME/.local/bin}; fi
EXE="$PWD/.venv/bin/e820scope"
if [ "$BIN" != none ]; then
    mkdir -p "$BIN"
    if [ -e "$BIN/e820scope" ] && [ ! -L "$BIN/e820scope" ]; then
        echo "bootstrap: $BIN/e820scope exists and is not a link; left alone (use $EXE)" >&2
    else
        ln -sfn "$EXE" "$BIN/e820scope"
        echo "bootstrap: linked $BIN/e820scope -> $EXE" >&2
        case ":$PATH:" in
            *":$BIN:"*) ;;
            *) echo "bootstrap: $BIN is not on your PATH; add it: export PATH=\"$BIN:\$PATH\"" >&2 ;;
        esac
    fi
fi
