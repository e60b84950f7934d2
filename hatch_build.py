"""Build hook: compile the optional C accelerators in src/e820scope/_speedups/.

Each ``src/e820scope/_speedups/<name>.c`` becomes the extension module
``e820scope._speedups.<name>``, built with the C compiler and the headers of the Python
that runs the build (on Debian: ``gcc`` and ``python3-dev``; ``bootstrap.sh`` installs
the headers). They only make the hot loops faster: every one has a pure-Python twin that
gives the same results, so when they cannot be built the wheel is pure Python and a
warning says so. Set ``E820SCOPE_REQUIRE_SPEEDUPS=1`` to make a failed build an error
(CI does), or ``E820SCOPE_NO_SPEEDUPS=1`` to skip them.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SPEEDUPS = Path("src") / "e820scope" / "_speedups"


def _compile(src: Path, out: Path) -> str | None:
    """Compile one extension module; the compiler's complaint on failure, else None."""
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").is_file():
        return f"no Python.h in {include} (on Debian: apt-get install python3-dev)"
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    cmd = [
        *cc,
        "-O2",
        "-fPIC",
        "-shared",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        f"-I{include}",
        str(src),
        "-o",
        str(out),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        return f"{cmd[0]}: {exc}"
    if proc.returncode != 0:
        return f"{' '.join(cmd)}\n{proc.stderr.strip()}"
    return None


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("E820SCOPE_NO_SPEEDUPS"):
            return
        root = Path(self.root)
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        out_dir = root / "build" / "speedups"
        out_dir.mkdir(parents=True, exist_ok=True)
        built = []
        for src in sorted((root / SPEEDUPS).glob("*.c")):
            out = out_dir / f"{src.stem}{suffix}"
            problem = _compile(src, out)
            if problem is not None:
                msg = f"e820scope: C accelerator {src.name} not built, pure Python used: {problem}"
                if os.environ.get("E820SCOPE_REQUIRE_SPEEDUPS"):
                    raise RuntimeError(msg)
                print(f"WARNING: {msg}", file=sys.stderr)
                continue
            built.append(out)
            build_data["force_include"][str(out)] = f"e820scope/_speedups/{out.name}"
        if built:
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
