"""A parse session: what the parser learnt about each distinct message, passed explicitly.

The container layer numbers every distinct message of a source (its ``Batch.ids``); the
session reads each number's text once through the grammar (:func:`classify`) and keeps
what the splitter needs to act on the number alone: its fact (:mod:`.facts`) and its
*role*. Facts of texts the container layer read in full (joined, decoded or stateful
lines) are cached by text. Everything is bounded and belongs to the session: nothing is
module-global.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..ingest.machine import Batch
from ..model.types import Era
from .builder import BLOCK_NEUTRAL_FACTS, BLOCK_OPENING_FACTS, may_cut_a_block
from .classify import classify
from .facts import NOTHING, UNPARSED, EntryFact, Fact, KexecCmdFact
from .finish import kexec_syscall_flag
from .line_records import RECORDS

#: Roles, by what a line of that message does to a boot. ``SKIP``: nothing (no line);
#: ``QUIET``: only the boot's last line and printk times (no anchor the grammar reads);
#: ``UNP``: as QUIET unless a table block is open (then it may cut the block);
#: ``ENTRY``: a plain entry of a table block; ``RECORD``: closes the open block and
#: adds one record (:data:`~.line_records.RECORDS`). The others are read line by line:
#: ``PASS`` leaves the open block as it is, ``OPEN`` may open or extend one, ``CLOSE``
#: closes any open block.
SKIP, QUIET, UNP, ENTRY, RECORD, PASS, OPEN, CLOSE = range(8)

#: distinct texts whose facts are kept, and the longest text kept
FACTS_MAX = 32768
FACT_TEXT_MAX = 512


class ParseSession:
    """The parser's caches for one run of the parser (one or more sources)."""

    def __init__(self) -> None:
        self.facts: dict[str, Fact] = {}
        #: the message texts the per-id tables below were learnt from (held, so that
        #: its identity stands for the source and its numbering)
        self._body: list[str | None] | None = None
        #: per message id of the current source: role, "who" number, fact
        self.role: npt.NDArray[np.uint8] = np.zeros(1024, np.uint8)
        self.who: npt.NDArray[np.int32] = np.zeros(1024, np.int32)
        self.mid_fact: list[Fact | None] = []
        #: per message id of a plain entry: (addr, size, type, raw_type), and its era
        self.proto: list[tuple[int, int, int, str] | None] = []
        self.era: list[Era | None] = []
        self._who_ids: dict[str, int] = {}

    def fact(self, text: str) -> Fact:
        """The splitter's reading of a line text (cached)."""
        fact = self.facts.get(text)
        if fact is None:
            fact = self._read(text)
        return fact

    def _read(self, text: str) -> Fact:
        if "\x00" in text:  # damaged (a zero-filled block after a crash): costs this line only
            return UNPARSED  # read as an unreadable line; not cached
        fact = classify(text)
        if fact is None or fact is UNPARSED:
            if "kexec" in text and kexec_syscall_flag(text) is not None:
                fact = KexecCmdFact(text.strip(), fact is UNPARSED)
            elif fact is None:
                fact = NOTHING
        if len(text) <= FACT_TEXT_MAX:
            if len(self.facts) >= FACTS_MAX:
                self.facts.clear()
            self.facts[text] = fact
        return fact

    def roles(self, batch: Batch) -> npt.NDArray[np.uint8]:
        """The role of every message id of ``batch`` (indexed by id), learning new ids."""
        body = batch.body
        if body is not self._body:  # another source, or the ids were renumbered
            self._body = body
            self.mid_fact, self.proto, self.era = [], [], []
        known = len(self.mid_fact)
        if len(body) > len(self.role):
            grow = max(len(body), 2 * len(self.role))
            self.role = np.resize(self.role, grow)
            self.who = np.resize(self.who, grow)
        for mid in range(known, len(body)):
            text = body[mid]
            fact = None if text is None else self.fact(text)
            self.mid_fact.append(fact)
            role = self.role[mid] = self._role(fact, text)
            if role == ENTRY:
                assert isinstance(fact, EntryFact) and fact.type is not None
                self.who[mid] = self._who_ids.setdefault(fact.who, len(self._who_ids))
                self.proto.append((fact.addr, fact.size, fact.type, fact.raw_type))
                self.era.append(fact.era)
            else:
                self.proto.append(None)
                self.era.append(None)
        return self.role

    @staticmethod
    def _role(fact: Fact | None, text: str | None) -> int:
        if fact is None or text is None:
            return SKIP
        if fact is NOTHING:
            return QUIET
        if fact is UNPARSED:  # QUIET when it cannot cut any block
            return UNP if may_cut_a_block(text) else QUIET
        if isinstance(fact, EntryFact) and not (fact.problem or fact.note or fact.type is None):
            return ENTRY
        if type(fact) in RECORDS:
            return RECORD
        return line_role(fact)


def line_role(fact: Fact) -> int:
    """The role of a line read line by line, by what it does to an open table block."""
    cls = type(fact)
    if cls in BLOCK_OPENING_FACTS:
        return OPEN
    return PASS if cls in BLOCK_NEUTRAL_FACTS else CLOSE
