"""``parse -j N``: each worker renders the boots it owns; the caller numbers them.

A boot's rendered form starts with the only part that depends on its number (its
:func:`_head`: the label of the text form, the ``input``/``index``/``label`` keys of
the JSON form), so a worker renders each boot it owns, drops that head and hands back
the rest as plain text through a temporary file (``marshal``); the caller writes each
boot's own head before it. What crosses between processes is the output itself, not
Boot records to rebuild (bench/README.md). The text is byte for byte the serial run's
(``tests/parse/test_parallel.py``).
"""

from __future__ import annotations

import json
import marshal
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from ..model.records import Boot, Severity
from ..parse.api import BootStream
from ..parse.parallel import run_parts
from ..parse.parallel_spool import Spool, discard, read_back
from ..render.json_out import boot_text
from ..render.names import boot_label
from ..render.text_tables import render_boot


def render(form: str, boot: Boot, spec: str) -> str:
    """Boot ``boot`` of input ``spec`` in ``form``, ``json`` (:func:`boot_text`) or
    ``text`` (``render_boot``): what the serial ``parse`` writes."""
    if form == "json":
        return boot_text(boot, spec)
    return "\n".join(render_boot(boot, spec)) + "\n"


def _head(form: str, spec: str, index: int) -> str:
    """The start of :func:`render` that depends on the boot's number (and nothing else)."""
    if form == "json":
        return json.dumps({"input": spec, "index": index, "label": boot_label(spec, index)})[:-1]
    return boot_label(spec, index)


def shown_warnings(boot: Boot) -> list[str]:
    """The lines ``parse`` prints on stderr for a boot's warnings (INFO ones are not)."""
    return [f"e820scope: {w}" for w in boot.warnings if w.severity is not Severity.INFO]


class RenderedBoots:
    """A :mod:`~e820scope.parse.parallel` task: each owned boot rendered without its
    head, with its shown warnings."""

    def __init__(self, form: str, spec: str) -> None:
        self.form, self.spec = form, spec
        self.spool = Spool(marshal.dump)

    def add(self, boot: Boot, prev: Boot | None) -> None:
        text = render(self.form, boot, self.spec)
        head = _head(self.form, self.spec, boot.index)
        if not text.startswith(head):  # a renderer changed its first field: say so
            raise AssertionError(f"rendered {self.form} boot does not start with {head!r}")
        self.spool.put((text[len(head) :], shown_warnings(boot)))

    def result(self) -> tuple[str, int]:
        return self.spool.done()


def rendered_parts(
    stream: BootStream,
    form: str,
    progress: Callable[[int], None] | None = None,
    **how: Any,
) -> Iterator[tuple[str, list[str]]] | None:
    """Every boot of ``stream``'s input rendered in ``form`` by ``stream.jobs`` workers,
    numbered 1..n, with its shown warnings; None when the input is not cut (read it
    serially). ``stream`` notes the parts once they are all read. ``how``:
    :func:`~e820scope.parse.parallel.run_parts`'s ``targets`` and ``inline``."""
    got = run_parts(
        stream.source,
        stream.jobs,
        partial(RenderedBoots, form, stream.source),
        progress=(lambda done, _total: progress(done)) if progress else None,
        **how,
    )
    if got is None:
        return None
    outs = got[1]

    def boots() -> Iterator[tuple[str, list[str]]]:
        try:
            n = 1
            for o in outs:
                for tail, warnings in read_back(o.result, marshal.load):
                    yield _head(form, stream.source, n) + tail, warnings
                    n += 1
        finally:
            discard(outs)
        stream.took_parts(outs)

    return boots()
