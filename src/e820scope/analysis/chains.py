"""``predict`` over a capture of several chains, one chain at a time.

A cold (firmware) boot clears the carried type-128 entries and starts a new chain, and
so do another machine and a cut between files (:func:`.stream.chain_start`, which also
says why: each outcome keeps it): each chain is predicted on its own, with generations
numbered from 1 at its first boot. Boots stream by (:func:`.stream.stream_boots`); a
chain's generations are kept while it lasts, then reduced to a :class:`ChainOutcome`
(a few numbers), and only the last chain that could be predicted keeps its whole
:class:`~.predict.Prediction` (what the detailed report shows, the one whose future is
still ahead). Memory is bounded by the longest chain, not by the capture.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..errors import InputError
from ..model.records import Boot, E820Entry
from .generation import Generation, GenerationMaker, parts_of
from .growth import Assumptions, infer_mechanism
from .predict import DEFAULT_MIN_RAM, Prediction, predict
from .stream import BootInfo, ChainBreak, chain_start


@dataclass(frozen=True, slots=True)
class ChainOutcome:
    """One chain's prediction in a few numbers (generations are 1-based in the chain).

    ``verdict``: ``loss`` (usable RAM is or will be lost), ``never`` or ``not
    predicted`` (then ``reason`` says why: e.g. a chain of one cold boot).
    """

    number: int
    first: str
    last: str
    generations: int
    last_seen: int
    verdict: str
    reason: str | None = None
    entries_per_generation: float | None = None
    first_overflow: int | None = None
    first_truncated: int | None = None
    first_loss: int | None = None
    first_loss_bytes: int | None = None
    death: int | None = None
    #: why the chain starts (:class:`.stream.ChainStart` value: ``first``, ``cold_boot``,
    #: ``other_machine``, ``cut``) and the same in words
    start_kind: str | None = None
    start_why: str | None = None

    def seen(self, generation: int | None) -> bool:
        """Whether ``generation`` is one the log shows (not a forecast)."""
        return generation is not None and generation <= self.last_seen


@dataclass(frozen=True)
class ChainReport:
    """Every chain's outcome, and the detailed prediction of ``main``."""

    chains: tuple[ChainOutcome, ...]
    main: ChainOutcome
    prediction: Prediction


def outcome(
    number: int,
    gens: list[Generation],
    pred: Prediction | None,
    error: InputError | None = None,
    start: ChainBreak | None = None,
) -> ChainOutcome:
    """What is kept of a chain once predicted (or not: ``error``); ``start``: why it
    starts."""
    first, last = gens[0].info.label, gens[-1].info.label
    seen = gens[-1].number
    kind = start.kind.value if start is not None else None
    start_why = start.why if start is not None else None
    if pred is None:
        why = str(error) if error is not None else "no prediction"
        return ChainOutcome(
            number,
            first,
            last,
            len(gens),
            seen,
            "not predicted",
            why,
            start_kind=kind,
            start_why=start_why,
        )
    loss = pred.first_loss
    return ChainOutcome(
        number,
        first,
        last,
        len(gens),
        pred.last_seen,
        "loss" if loss is not None else "never",
        pred.never_reason if loss is None else None,
        pred.mechanism.entries_per_generation,
        pred.first_overflow,
        pred.first_truncated,
        loss.generation if loss is not None else None,
        loss.usable_lost if loss is not None else None,
        pred.death,
        kind,
        start_why,
    )


class ChainPredictor:
    """Feed it the boots with a firmware map, in order; :meth:`finish` gives the report."""

    def __init__(self, assume: Assumptions, min_ram: int = DEFAULT_MIN_RAM) -> None:
        self.assume = assume
        self.min_ram = min_ram
        self.outcomes: list[ChainOutcome] = []
        self._main: tuple[ChainOutcome, Prediction] | None = None
        self._error: InputError | None = None
        self._gens: list[Generation] = []
        self._maker = GenerationMaker()
        self._prev: BootInfo | None = None  # the last boot
        self._start: ChainBreak | None = None  # why the current chain starts

    def add(self, boot: Boot) -> None:
        self.add_parts(BootInfo.of(boot), *parts_of(boot))

    def add_parts(
        self,
        info: BootInfo,
        firmware: Sequence[E820Entry] | None,
        setup_data: Sequence[E820Entry] | None,
    ) -> None:
        """:meth:`add` from what a generation reads of a boot
        (:func:`.generation.parts_of`)."""
        start = chain_start(self._prev, info)
        if start is not None:
            self._close()
            self._start = start
        gen = self._maker.add_parts(info, firmware, setup_data)
        if gen is not None:
            self._gens.append(gen)
        self._prev = info

    def _close(self) -> None:
        gens, self._gens = self._gens, []
        self._maker = GenerationMaker()
        if not gens:
            return
        number = len(self.outcomes) + 1
        gens, notes = _whole(gens)
        try:
            pred = predict(gens, infer_mechanism(gens, self.assume), min_ram=self.min_ram)
        except InputError as exc:
            self._error = exc
            self.outcomes.append(outcome(number, gens, None, exc, self._start))
            return
        if notes:
            pred = replace(pred, notes=(*pred.notes, *notes))
        out = outcome(number, gens, pred, start=self._start)
        self.outcomes.append(out)
        self._main = (out, pred)

    @property
    def pending(self) -> int:
        """Generations of the chain not closed yet."""
        return len(self._gens)

    def finish(self) -> ChainReport:
        """The report; raises the last chain's error when no chain could be predicted."""
        self._close()
        if self._main is None:
            raise self._error or InputError("no generation with a map", hint="")
        main, pred = self._main
        return ChainReport(tuple(self.outcomes), main, pred)


def _whole(gens: list[Generation]) -> tuple[list[Generation], tuple[str, ...]]:
    """The generations a prediction may read, and why some are not: the last ones whose
    firmware map is cut off in the log (a paste or a capture that stops inside it) are
    left out, since their entry counts and usable bytes are only what the log kept. When
    every generation is cut, they are read all the same, and the note says that the real
    map may hold more entries (so reach the cap sooner)."""
    keep = len(gens)
    while keep and gens[keep - 1].info.map_cut is not None:
        keep -= 1
    if not keep:
        return gens, tuple(
            f"gen {g.number} ({g.info.label}): its map is cut off in the log "
            f"({g.info.map_cut}); the prediction reads the entries shown, and a map with "
            "more entries reaches the 128-entry cap sooner"
            for g in gens
        )
    notes = tuple(
        f"gen {g.number} ({g.info.label}) is left out: its map is cut off in the log "
        f"({g.info.map_cut}); its entry count and usable RAM are only what the log kept"
        for g in gens[keep:]
    )
    return gens[:keep], notes


def predict_chains(
    boots: Iterable[Boot], assume: Assumptions, min_ram: int = DEFAULT_MIN_RAM
) -> ChainReport:
    """:class:`ChainPredictor` over ``boots``."""
    pred = ChainPredictor(assume, min_ram)
    for b in boots:
        pred.add(b)
    return pred.finish()
