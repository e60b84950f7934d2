"""Build hook: compile the parse engine's native seam, src/e820scope/_native/_scan.c.

It becomes the extension module ``e820scope._native._scan``, built with the C compiler
and the headers of the Python that runs the build (on Debian: ``gcc`` and
``python3-dev``; ``bootstrap.sh`` installs the headers). It only makes the parse faster:
its pure-Python twin (``e820scope.ingest.scan``) gives the same results, so when it
cannot be built the wheel is pure Python and a warning says so. Set
``E820SCOPE_REQUIRE_SPEEDUPS=1`` to make a failed build an error (CI does),
``E820SCOPE_NO_SPEEDUPS=1`` to skip it, or ``E820SCOPE_SANITIZE=1`` to build it with
AddressSanitizer and UBSan (the process must then preload libasan).
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

NATIVE = Path("src") / "e820scope" / "_native"


def _compile(src: Path, out: Path) -> str | None:
    """Compile one extension module; the compiler's complaint on failure, else None."""
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").is_file():
        return f"no Python.h in {include} (on Debian: apt-get install python3-dev)"
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    sanitize = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g"]
    cmd = [
        *cc,
        *(sanitize if os.environ.get("E820SCOPE_SANITIZE") else []),
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
        out_dir = root / "build" / "native"
        out_dir.mkdir(parents=True, exist_ok=True)
        built = []
        for src in sorted((root / NATIVE).glob("*.c")):
            out = out_dir / f"{src.stem}{suffix}"
            problem = _compile(src, out)
            if problem is not None:
                msg = f"e820scope: native seam {src.name} not built, pure Python used: {problem}"
                if os.environ.get("E820SCOPE_REQUIRE_SPEEDUPS"):
                    raise RuntimeError(msg)
                print(f"WARNING: {msg}", file=sys.stderr)
                continue
            built.append(out)
            build_data["force_include"][str(out)] = f"e820scope/_native/{out.name}"
        if built:
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
