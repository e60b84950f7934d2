"""Hidden type 128: adjacent 'usable' lines the sanitizer did not merge."""

from __future__ import annotations

from collections.abc import Callable

from e820scope.analysis.hidden import boot_hidden, hidden_indices, resolve
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import Boot, E820Entry

V61 = KernelVersion.parse("6.1.192")
V615 = KernelVersion.parse("6.15.0")


def mem(first: int, last: int, t: int = 1) -> E820Entry:
    return E820Entry.from_inclusive(first, last, t)


def test_jailhouse_byte_granular_split() -> None:
    # blog-23-jailhouse.log: 5.14 'extended' map splits page 2 at byte granularity
    # (0x2000-0x212b, 0x212c-0xfffff): the 300-byte piece is the setup_data node.
    entries = [mem(0x2000, 0x212B), mem(0x212C, 0xFFFFF)]
    assert hidden_indices(entries, KernelVersion.parse("5.14.0")) == (0,)


def test_three_way_split_middle_is_128_and_615_prints_it() -> None:
    entries = [mem(0x0, 0x9A1DF), mem(0x9A1E0, 0x9A24F), mem(0x9A250, 0x9FFFF)]
    assert hidden_indices(entries, V61) == (1,)
    assert [e.type for e in resolve(entries, V61)] == [1, 128, 1]
    # 6.15+ prints 'type 128' itself: nothing is hidden
    assert hidden_indices(entries, V615) == ()


def test_not_adjacent_or_other_type_is_not_hidden() -> None:
    entries = [mem(0, 0x9FFFF), mem(0x100000, 0x805FFF), mem(0x806000, 0x807FFF, 4)]
    assert hidden_indices(entries, V61) == ()


def test_patched_chain_gen2_received_and_own(boots: Callable[[str], tuple[Boot, ...]]) -> None:
    gen2 = boots("lab/patched-6.1-ovmf-4g-chain.log")[1]
    h = boot_hidden(gen2)
    # line 261: the 40000-byte blob gen 1 reserved and passed on
    assert [(p.entry.addr, p.entry.size) for p in h.carried] == [(0xBDC9E018, 40000)]
    # line 278: gen 2's own SETUP_EFI node (0x70 bytes) in its reserve setup_data block
    assert [(p.entry.addr, p.entry.size, p.kind) for p in h.own] == [(0x9A1E0, 0x70, "SETUP_EFI")]


def test_patched_chain_carried_count_grows_by_one(boots: Callable[[str], tuple[Boot, ...]]) -> None:
    chain = boots("lab/patched-6.1-ovmf-4g-chain.log")
    counts = [len(boot_hidden(b).carried) for b in chain[:57]]
    # gen 1 cold boot: none; then one more type-128 piece received per generation
    assert counts == list(range(57))
