"""Record a matrix run as evidence: ``python -m vmtest.record <matrix out dir>``.

For each console of ``summary.json`` (vmtest/matrix.py):

* ``samples/lab/matrix/<kernel>-<scenario>.log.xz`` — the kernel console only (what a
  serial console shows: every generation's boot messages, no test-bed dumps), for
  ``e820scope parse/timeline/predict`` and their goldens;
* ``tests/vm/data/matrix/<kernel>-<scenario>.console.log.xz`` — the whole console with
  the dumped module files, sysfs and dmesg, on which tests/vm/test_recorded.py re-runs
  every oracle without a VM;
* a row in ``samples/lab/matrix/MANIFEST.tsv`` (kernel, release, firmware, generations,
  BIOS-e820 entries per generation, how it was made).
"""

from __future__ import annotations

import json
import lzma
import sys
from pathlib import Path

from .console import parse_console
from .matrix import scenarios

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples/lab/matrix"
DATA = REPO / "tests/vm/data/matrix"
HEADER = (
    "filename\tkernel\trelease\tfirmware\thandoffs\tgenerations\tbios_e820_per_generation\thow\n"
)


def kernel_console(text: str) -> str:
    """The console as a serial console shows it without the test bed: firmware output,
    kernel messages and the guest's own userspace lines, minus the dumped files
    (``@@E820SCOPE-FILE`` ... ``@@E820SCOPE-END``) and the ``@@E820SCOPE-RESULT`` lines."""
    out: list[str] = []
    in_dump = False
    for ln in text.split("\n"):
        if "@@E820SCOPE-FILE " in ln:
            in_dump = True
            head = ln[: ln.index("@@E820SCOPE-FILE ")]
            if head.strip():
                out.append(head)
        elif in_dump:
            if "@@E820SCOPE-END" in ln:
                in_dump = False
        elif "@@E820SCOPE-RESULT " not in ln:
            out.append(ln)
    return "\n".join(out).rstrip("\n") + "\n"


def record(out: Path) -> list[str]:
    rows = json.loads((out / "summary.json").read_text())
    SAMPLES.mkdir(parents=True, exist_ok=True)
    DATA.mkdir(parents=True, exist_ok=True)
    manifest = SAMPLES / "MANIFEST.tsv"
    lines = manifest.read_text().splitlines(keepends=True)[1:] if manifest.exists() else []
    kept = {ln.split("\t", 1)[0]: ln for ln in lines}
    for r in rows:
        name = f"{r['kernel']}-{r['scenario']}"
        text = Path(r["console"]).read_text(encoding="utf-8", errors="replace")
        gens = parse_console(text)
        sc = next(s for s in scenarios(r["kernel"]) if s.name == r["scenario"])
        sample = SAMPLES / f"{name}.log.xz"
        sample.write_bytes(lzma.compress(kernel_console(text).encode(), preset=9))
        (DATA / f"{name}.console.log.xz").write_bytes(lzma.compress(text.encode(), preset=9))
        counts = ",".join(str(sum("BIOS-e820: [mem" in ln for ln in g.console)) for g in gens)
        hops = ", ".join(
            sorted({(g.result("kexec") or {}).get("syscall", "") for g in gens[:-1]} - {""})
            + [f"kdump-{k['syscall']}" for g in gens if (k := g.result("kdump-loaded"))]
        )
        how = (
            f"python -m vmtest.matrix run {r['kernel']} --only {r['scenario']}; "
            "QEMU 7.2 TCG -m 4G, nokaslr, "
            + ("kmod/ loaded in every generation" if sc.module_loads else "kmod/ load refused")
            + (f", kernels {' -> '.join(sc.kseq)}" if sc.kseq else "")
            + (f", command line + {sc.append}" if sc.append else "")
            + f"; {r['wall_s']} s of QEMU"
        )
        kept[sample.name] = (
            f"{sample.name}\t{r['kernel']}\t{r['release']}\t{sc.firmware}\t{hops}\t"
            f"{len(gens)}\t{counts}\t{how}\n"
        )
    manifest.write_text(HEADER + "".join(kept[k] for k in sorted(kept)))
    return sorted(kept)


def main(argv: list[str]) -> int:
    usage = "usage: python -m vmtest.record <matrix out dir with summary.json>"
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(usage, file=sys.stderr)
        return 0 if argv in (["-h"], ["--help"]) else 2
    if not (Path(argv[0]) / "summary.json").is_file():
        print(
            f"vmtest.record: no summary.json in {argv[0]} (python -m vmtest.matrix run "
            f"--out DIR writes one)\n{usage}",
            file=sys.stderr,
        )
        return 2
    for name in record(Path(argv[0])):
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
