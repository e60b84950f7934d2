"""The fact classes (parse/facts.py): each one is handled, slotted and frozen."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from e820scope.parse import facts
from e820scope.parse.builder import _ACTS, BLOCK_NEUTRAL_FACTS, BLOCK_OPENING_FACTS
from e820scope.parse.line_records import RECORDS

#: the bases no rule returns
_BASES = {facts.Fact, facts.RangeFact, facts.TextFact, facts.NodeRangeFact}
#: classes that only close the open block (``Zone ranges:``...) or that the splitter
#: acts on before the builder sees them
_CLOSE_ONLY = {facts.MmHeaderFact, facts.RebootSepFact}
CLASSES = [
    c
    for _, c in inspect.getmembers(facts, inspect.isclass)
    if issubclass(c, facts.Fact) and c not in _BASES
]


def _sample(cls: type[facts.Fact]) -> facts.Fact:
    """An instance of ``cls`` (every field a placeholder of its declared kind)."""
    values = (
        {f.name: 0 if "int" in str(f.type) else "x" for f in dataclasses.fields(cls)}
        if dataclasses.is_dataclass(cls)
        else {}
    )
    return cls(**values)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_fact_class_is_handled_once(cls: type[facts.Fact]) -> None:
    homes = [
        cls in RECORDS,
        cls in _ACTS,
        cls in BLOCK_NEUTRAL_FACTS,
        cls in _CLOSE_ONLY,
    ]
    assert sum(homes) == 1, (cls.__name__, homes)
    if cls in BLOCK_OPENING_FACTS:
        assert cls in _ACTS


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_facts_are_slotted_and_frozen(cls: type[facts.Fact]) -> None:
    fact = _sample(cls)
    assert not hasattr(fact, "__dict__"), cls.__name__
    for f in dataclasses.fields(fact) if dataclasses.is_dataclass(fact) else ():
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(fact, f.name, 1)
    assert repr(fact).startswith(f"{cls.__name__}(")
