#!/usr/bin/env bash
# Set up e820scope in ./.venv on a fresh Debian machine (or any machine with Python >= 3.10).
#   ./bootstrap.sh          the tool
#   ./bootstrap.sh --dev    the tool plus what the test suite and linters need
#   ./bootstrap.sh --link-only   only (re)link the e820scope command (see below)
# The package is installed (not linked), so tests run against the installed package.
# The `e820scope` command is then linked where pip puts scripts: /usr/local/bin for root,
# ~/.local/bin otherwise (E820SCOPE_BIN_DIR picks another directory, E820SCOPE_BIN_DIR=
# none links nothing); .venv/bin/e820scope works either way.
set -euo pipefail
cd "$(dirname "$0")"
# Put `e820scope` on PATH the way `pip install` does (root: /usr/local/bin, a user:
# ~/.local/bin), as a link to this checkout's .venv/bin/e820scope. A file there that is
# not a link (another install) is left alone.
link_command() {
    local bin exe
    if [ "$(id -u)" = 0 ]; then bin=${E820SCOPE_BIN_DIR:-/usr/local/bin}; else bin=${E820SCOPE_BIN_DIR:-$HOME/.local/bin}; fi
    exe="$PWD/.venv/bin/e820scope"
    [ "$bin" = none ] && return 0
    mkdir -p "$bin"
    if [ -e "$bin/e820scope" ] && [ ! -L "$bin/e820scope" ]; then
        echo "bootstrap: $bin/e820scope exists and is not a link; left alone (use $exe)" >&2
        return 0
    fi
    ln -sfn "$exe" "$bin/e820scope"
    echo "bootstrap: linked $bin/e820scope -> $exe" >&2
    case ":$PATH:" in
        *":$bin:"*) ;;
        *) echo "bootstrap: $bin is not on your PATH; add it: export PATH=\"$bin:\$PATH\"" >&2 ;;
    esac
}
if [ "${1:-}" = "--link-only" ]; then link_command; exit 0; fi
PY=${PYTHON:-python3}
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "bootstrap: python3-venv is missing; installing it with apt-get" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
# The native seam (src/e820scope/_native/_scan.c, compiled by hatch_build.py) needs the
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
link_command
