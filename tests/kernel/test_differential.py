"""Differential tests: the kernel model against what real kernels printed.

Every boot of the listed files is read with ``e820scope.parse.parse_input`` and the
model is run on the printed *input* (``BIOS-e820``) plus what the log says happened
(setup_data nodes, mem=/memmap= or the logged ``e820:`` operations); the model's output
must equal the printed *result* block exactly.

* samples/lab/*.log: every boot's ``reserve setup_data`` block from its ``BIOS-e820``
  block and the setup_data nodes inferred as the pieces that split entries (hidden
  type 128 in the input restored with kernel.hidden.restore_reserved_kern); then the
  chain: generation g+1's ``BIOS-e820`` == kexec_file_load_handoff(modelled
  e820_table_kexec of g), for all 63 generations of the patched-6.1 chain (including the
  generations where entries past 128 are dropped) and for the stock chains.
* public logs with ``user`` blocks: the user map from the command line's mem=/memmap=,
  else from the ``e820: remove/update`` lines logged before the block, else (a built-in
  memmap= not shown in ``Command line:``) from the entries the block adds.
* public logs with setup_data splits: as for the lab, with the nodes taken from logged
  ``usable ==> usable`` updates when present.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from kernel_chain import infer_blob_ranges, printed, replay

from e820scope.kernel.boot import simulate_boot
from e820scope.kernel.cmdline import MemParam, parse_cmdline
from e820scope.kernel.hidden import restore_reserved_kern
from e820scope.kernel.policy import setup_data_reserved
from e820scope.kernel.setup_data import SETUP_DATA_HEADER_SIZE, SetupDataBlob, SetupDataType
from e820scope.model.kversion import KernelVersion
from e820scope.model.records import Boot, E820Entry, E820Table, OpKind, TableKind
from e820scope.parse import parse_input

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
LAB_LOGS = sorted((SAMPLES / "lab").glob("*.log"))


def manifest_versions() -> dict[str, str]:
    with (SAMPLES / "public" / "MANIFEST.tsv").open(newline="") as fh:
        return {
            row["filename"]: row["kernel_version"] for row in csv.DictReader(fh, delimiter="\t")
        }


def kver_of(boot: Boot, path: Path) -> KernelVersion:
    """The boot's ``Linux version``, else the MANIFEST's (e.g. lkml-06 has no banner)."""
    if boot.kernel is not None:
        return boot.kernel
    kver = KernelVersion.try_parse(manifest_versions().get(path.name, "").split(" ")[0])
    assert kver is not None, f"{path.name}: no kernel version"
    return kver


def only(tables: tuple[E820Table, ...]) -> E820Table | None:
    assert len(tables) <= 1
    return tables[0] if tables else None


def inferred_nodes(
    before: tuple[E820Entry, ...], after: tuple[E820Entry, ...], node_type: int
) -> list[SetupDataBlob]:
    """setup_data nodes = pieces of ``after`` that split an entry of ``before``."""
    return [
        SetupDataBlob(start, size - SETUP_DATA_HEADER_SIZE, node_type)
        for start, size in infer_blob_ranges(before, after)
    ]


def logged_nodes(boot: Boot) -> list[SetupDataBlob]:
    """Nodes from ``e820: update [mem ...] usable ==> usable`` lines (RAM -> RESERVED_KERN)."""
    return [
        SetupDataBlob(op.addr, op.size - SETUP_DATA_HEADER_SIZE, SetupDataType.SETUP_PCI)
        for op in boot.ops
        if op.kind is OpKind.UPDATE and op.old_type == op.new_type == 1
    ]


def assert_block(model: E820Table | None, log: E820Table, kver: KernelVersion) -> None:
    assert model is not None, f"model printed no {log.who} block"
    got = printed(model.entries, kver)
    want = printed(log.entries, kver)
    if log.complete:
        assert got == want
    else:  # visibly cut block (excerpt, wdiff): what was printed must be in the model's
        assert want and all(w in got for w in want), (want, got)


# --------------------------------------------------------------------------- lab


@pytest.mark.parametrize("path", LAB_LOGS, ids=lambda p: p.name)
def test_lab_reserve_setup_data_blocks(path: Path) -> None:
    log = parse_input(str(path))
    boots = [b for b in log.boots if b.firmware_map is not None]
    assert boots
    for boot in boots:
        kver = kver_of(boot, path)
        bios = boot.firmware_map
        assert bios is not None
        setup = only(boot.tables_of(TableKind.SETUP_DATA))
        received = restore_reserved_kern(bios.entries, kver)
        nodes = (
            inferred_nodes(bios.entries, setup.entries, SetupDataType.SETUP_PCI) if setup else []
        )
        tables = simulate_boot(received, kver, nodes, max_numnodes=1)
        assert printed(tables.printed[0].entries, kver) == printed(bios.entries, kver)
        if setup is None:
            assert tables.block("reserve setup_data") is None, boot.label
        else:
            assert_block(tables.block("reserve setup_data"), setup, kver)


def _patched(kver: KernelVersion, setup_type: int) -> tuple[bool, bool]:
    if setup_type == SetupDataType.SETUP_EFI:
        return True, True  # 8efbc518b884's condition reverted in the lab kernel
    return setup_data_reserved(kver, setup_type)


@pytest.mark.parametrize(
    ("name", "patched", "generations"),
    [
        ("patched-6.1-ovmf-4g-chain.log", True, 64),
        ("stock-6.1-ovmf-6g-chain.log", False, 5),
        ("stock-5.10-ovmf-6g-chain.log", False, 4),
        ("stock-6.1-seabios-6g-chain.log", False, 5),
    ],
)
def test_lab_chain_handoffs(name: str, patched: bool, generations: int) -> None:
    """Model the chain from generation 1's printed map; every later BIOS-e820 must be the
    modelled kexec_file_load hand-off (checked inside ``replay``)."""
    log = parse_input(str(SAMPLES / "lab" / name))
    boots = [b for b in log.boots if b.firmware_map is not None]
    assert len(boots) == generations
    kver = boots[0].kernel
    assert kver is not None
    gens = []
    for boot in boots:
        bios = boot.firmware_map
        assert bios is not None
        setup = only(boot.tables_of(TableKind.SETUP_DATA))
        gens.append((list(bios.entries), list(setup.entries) if setup else None, None))
    # cold boot: a node from the EFI stub (SETUP_PCI); kexec'd boots: SETUP_EFI
    types = [SetupDataType.SETUP_PCI] + [SetupDataType.SETUP_EFI] * (len(gens) - 1)
    results = replay(gens, kver, types, _patched if patched else None, max_numnodes=1)
    dropped = [r.gen for r in results[:-1] if r.dropped]
    if patched:
        assert dropped == list(range(57, 64))  # the cap generations
        assert len(boots[57].firmware_map or ()) == 128
    else:
        assert dropped == []


# --------------------------------------------------------------------------- user


def user_params(boot: Boot, bios: E820Table, user: E820Table) -> tuple[str, list[MemParam]]:
    params = parse_cmdline(boot.cmdline or "")
    if params:
        return "cmdline", params
    first = user.first_ref.line if user.first_ref else 0
    logged = []
    for op in boot.ops:
        if op.ref is None or op.ref.line >= first:
            continue
        if op.kind is OpKind.REMOVE:
            logged.append(MemParam("remove", "", op.size, op.addr, 0, op.old_type))
        elif op.kind is OpKind.UPDATE and op.new_type is not None:
            logged.append(MemParam("update", "", op.size, op.addr, op.new_type, op.old_type))
    if logged:
        return "ops", logged
    added = [
        MemParam("add", "", e.size, e.addr, e.type)
        for e in user.entries
        if not any(b.addr <= e.addr and e.end <= b.end and b.type == e.type for b in bios.entries)
    ]
    return "inferred", added


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("lkml-06.log", "ops"),  # mem=4G: "e820: remove [mem 0x100000000-0xfffffffffffffffe]"
        ("lkml-18-qp.log", "inferred"),  # memmap= carve-out not in "Command line:"
        ("lkml-11.log", "cmdline"),  # 2.6.9 mem=512M (limit_regions)
        ("linuxmm-20-kdump.log", "cmdline"),  # kdump memmap=exactmap
        ("lkml-02.log", "cmdline"),  # kdump memmap=exactmap, 2.6.12
    ],
)
def test_user_blocks(name: str, source: str) -> None:
    path = SAMPLES / "public" / name
    log = parse_input(str(path))
    boots = [b for b in log.boots if b.tables_of(TableKind.USER)]
    assert boots
    for boot in boots:
        kver = kver_of(boot, path)
        bios = boot.firmware_map
        user = only(boot.tables_of(TableKind.USER))
        assert bios is not None and user is not None
        how, params = user_params(boot, bios, user)
        assert how == source
        tables = simulate_boot(bios.entries, kver, (), user_map=params)
        assert_block(tables.block("user"), user, kver)


# --------------------------------------------------------------------------- setup_data


@pytest.mark.parametrize(
    ("name", "from_ops"),
    [("notes-03.log", True), ("blog-23-jailhouse.log", False), ("lkml-07-wdiff.log", False)],
)
def test_public_setup_data_splits(name: str, from_ops: bool) -> None:
    path = SAMPLES / "public" / name
    log = parse_input(str(path))
    boots = [b for b in log.boots if b.tables_of(TableKind.SETUP_DATA)]
    assert boots
    for boot in boots:
        kver = kver_of(boot, path)
        bios = boot.firmware_map
        setup = only(boot.tables_of(TableKind.SETUP_DATA))
        assert bios is not None and setup is not None
        nodes = logged_nodes(boot)
        assert bool(nodes) == from_ops
        if not nodes:
            nodes = inferred_nodes(bios.entries, setup.entries, SetupDataType.SETUP_PCI)
        received = restore_reserved_kern(bios.entries, kver)
        tables = simulate_boot(received, kver, nodes)
        model = tables.block("reserve setup_data")
        if not nodes:
            # lkml-07: the wdiff mangled exactly the split entry, in both blocks; what is
            # left must be the input unchanged (the model prints no block without nodes)
            assert model is None and not setup.complete
            model = tables.printed[0]
        assert_block(model, setup, kver)
