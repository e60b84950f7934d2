"""The values of one parse tree, and the readings several rules share (entries, ops).

:class:`~e820scope.parse.rules.RuleReader` builds a :class:`Bits` of each tree: the
hex and decimal numbers, marks and text of the line in print order.
"""

from __future__ import annotations

import re

from lark import Token, Tree

from ..formats import ERA_D_ONLY
from ..model.records import OpKind
from ..model.types import Era, parse_type_name
from .facts import CrashkernelFact, EntryFact, MemmapEntryFact, RangeOpFact

#: A known type at the start of a garbled type field (console overwrites, borders).
_TYPE_PREFIX = re.compile(
    r"^(\((?:usable|reserved|ACPI data|ACPI NVS|unusable)\)|type \d+|"
    r"persistent (?:RAM )?\(type \d+\)|soft reserved|System RAM|device reserved|"
    r"usable|reserved|ACPI data|ACPI NVS|unusable)"
)
_RANGE16 = re.compile(r"([0-9a-f]{16})\s*-\s*([0-9a-f]{16})")


def rule_name(tree: Tree[Token]) -> str:
    """Rule name without Lark's import namespace (``e820__e820_entry`` -> ``e820_entry``)."""
    return str(tree.data).rsplit("__", 1)[-1]


class Bits:
    """The values of one parse tree in print order."""

    __slots__ = ("at16", "hex_digits", "hexes", "marks", "nums", "r16", "text", "text_pos")

    def __init__(self, tree: Tree[Token]) -> None:
        self.hexes: list[int] = []
        self.hex_digits: list[int] = []
        self.nums: list[int] = []
        self.marks: list[str] = []
        self.r16: list[str] = []
        self.at16: list[str] = []
        self.text: str | None = None
        self.text_pos = -1
        self._walk(tree)

    def _walk(self, tree: Tree[Token]) -> None:
        name = rule_name(tree)
        if name in ("hex0x", "hex"):
            tok = str(tree.children[0])
            digits = tok[2:] if tok[:2].lower() == "0x" else tok
            self.hexes.append(int(digits, 16))
            self.hex_digits.append(len(digits))
            return
        if name in ("dec", "ksize", "ktype", "mbsize", "memidx", "zone_name", "release"):
            tok = str(tree.children[0])
            if name in ("zone_name", "release"):
                self.marks.append(tok)
            else:
                self.nums.append(int(re.sub(r"\D", "", tok)))
            return
        if name == "range16":
            self.r16.append(str(tree.children[0]))
            return
        if name == "size_at16":
            self.at16.append(str(tree.children[0]))
            return
        if name in ("text", "etype", "op_types"):
            ttok = tree.children[0]
            assert isinstance(ttok, Token)
            self.text = str(ttok).rstrip()
            self.text_pos = ttok.start_pos if ttok.start_pos is not None else -1
            return
        if not tree.children:
            self.marks.append(name)
        for child in tree.children:
            if isinstance(child, Tree):
                self._walk(child)
            elif isinstance(child, Token) and child.type.endswith("TEXT"):
                self.text = str(child).rstrip()
                self.text_pos = child.start_pos if child.start_pos is not None else -1

    def mark(self, table: dict[str, str]) -> str:
        for m in self.marks:
            if m in table:
                return table[m]
        return ""

    def inclusive(self, i: int = 0) -> tuple[int, int]:
        """``(addr, size)`` of the i-th printed ``first-last`` pair (inclusive end)."""
        first, last = self.hexes[2 * i], self.hexes[2 * i + 1]
        return first, last - first + 1

    def range16(self, *, exclusive: bool) -> tuple[int, int]:
        m = _RANGE16.match(self.r16[0])
        assert m is not None
        first, second = int(m.group(1), 16), int(m.group(2), 16)
        return first, (second - first) if exclusive else (second - first + 1)


def _resolve_type(text: str | None) -> tuple[int | None, str, str]:
    """``(code, raw_type, note)`` for a printed type field (garbage after it noted)."""
    if text is None or not text.strip():
        return None, "", ""
    raw = text.strip()
    code = parse_type_name(raw)
    if code is not None:
        return code, raw, ""
    m = _TYPE_PREFIX.match(raw)
    if m:
        return (
            parse_type_name(m.group(1)),
            m.group(1),
            f"ignored text after the type: {raw[m.end() :]!r}",
        )
    return None, raw, ""


def entry_fact(b: Bits, line: str, who: str) -> EntryFact:
    """An e820 table entry line."""
    if b.at16:  # 2.4.0 - 2.4.2: SIZE @ START
        size_text, _, addr_text = b.at16[0].partition("@")
        addr, size = int(addr_text, 16), int(size_text, 16)
        era: Era | None = Era.A
        digits_ok = True
    elif b.r16:  # era A: "start - end", end exclusive
        addr, size = b.range16(exclusive=True)
        era = Era.A
        digits_ok = True
    else:
        addr, size = b.inclusive()
        era = None
        digits_ok = all(d == 16 for d in b.hex_digits[:2])
    code, raw, note = _resolve_type(b.text)
    if raw and (raw.startswith(ERA_D_ONLY) or line[max(0, b.text_pos - 2) : b.text_pos] == "  "):
        era = Era.D
        raw = " " + raw
    problem = ""
    if not digits_ok:
        problem = "an address is not 16 hex digits long (line cut?)"
    elif b.text is None:
        problem = "no type after the range (line cut?)"
    elif code is None:
        problem = f"unknown type text {raw.strip()!r}"
    elif size <= 0:
        problem = "end address below start address"
    return EntryFact(addr, size, who, code, raw, era, problem, note)


def memmap_entry_fact(b: Bits, who: str) -> MemmapEntryFact:
    """A kexec hand-off memmap entry line (inclusive end; the type as a number)."""
    addr, size = b.range16(exclusive=False) if b.r16 else b.inclusive()
    return MemmapEntryFact(addr, size, who, b.nums[0] if b.nums else None)


def op_fact(b: Bits, op: OpKind) -> RangeOpFact:
    if b.r16:
        addr, size = b.range16(exclusive=True)
        era: Era | None = Era.A
    else:
        addr, size = b.inclusive()
        era = None
    old = new = None
    text = b.text or ""
    if "==>" in text:
        left, right = text.split("==>", 1)
        old, new = parse_type_name(left), parse_type_name(right)
    elif text:
        old = parse_type_name(text)
    if "System RAM" in text or "device reserved" in text:
        era = Era.D
    return RangeOpFact(addr, size, op, old, new, era)


def crashkernel_fact(line: str) -> CrashkernelFact:
    """A crashkernel line: (size_mb, at_mb) or the first two hex numbers (start, last)."""
    text = line.strip()
    m = re.search(r"Reserving (\d+)MB of memory at (\d+)MB", line)
    if m:
        return CrashkernelFact(text, int(m.group(1)), int(m.group(2)), None, None)
    hx: list[int | None] = [int(h, 16) for h in re.findall(r"0x([0-9a-f]+)", line)[:2]]
    hx += [None] * (2 - len(hx))
    return CrashkernelFact(text, None, None, hx[0], hx[1])


class RuleBase:
    """What every rule method reads: ``line`` (the text that was parsed) and ``b``, the
    values of its tree (set by :meth:`~e820scope.parse.rules.RuleReader.read`)."""

    __slots__ = ("b", "line")

    b: Bits
    line: str
