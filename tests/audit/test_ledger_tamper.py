"""Any edit, removal, reordering or truncation of ledger records is caught and located."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from fairspec.audit.canonical import canonical_json
from fairspec.audit.errors import LedgerTamperedError, TornLedgerError
from fairspec.audit.ledger import GENESIS_HASH, Ledger, record_hash
from fairspec.errors import EXIT_TAMPERED

RECORDS = 5


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def test_intact_ledger_verifies_and_chains_from_genesis(filled_ledger):
    ledger = filled_ledger(RECORDS)
    result = ledger.verify()
    assert (result.ok, result.count, result.first_bad, result.problem) == (True, RECORDS, None, "")
    records = list(ledger.records())
    assert [r["index"] for r in records] == list(range(RECORDS))
    assert records[0]["prev_hash"] == GENESIS_HASH
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(records, records[1:]))
    assert all(r["hash"] == record_hash(r) for r in records)


def test_append_returns_entry_and_replaces_chain_keys(tmp_path):
    ledger = Ledger(tmp_path / "l.jsonl")
    first = ledger.append({"a": 1, "index": 99, "hash": "x", "prev_hash": "y"})
    second = ledger.append({"a": 2})
    records = list(ledger.records())
    assert (first.index, second.index) == (0, 1)
    assert (records[0]["hash"], records[1]["hash"]) == (first.hash, second.hash)
    assert records[0]["index"] == 0 and records[0]["prev_hash"] == GENESIS_HASH


def test_every_single_byte_edit_is_caught_at_its_record(filled_ledger):
    """Exhaustive: change each byte of a 3-record ledger in turn (structure, keys, digits inside
    numbers, letters inside strings, hashes, line ends) and expect that record to be named."""
    ledger = filled_ledger(3)
    original = ledger.path.read_bytes()
    owner = [position for position, line in enumerate(_lines(ledger.path)) for _ in line]
    for offset, byte in enumerate(original):
        ledger.path.write_bytes(original[:offset] + bytes([byte ^ 0x01]) + original[offset + 1:])
        result = ledger.verify()
        assert not result.ok and result.first_bad == owner[offset], (offset, result)
    ledger.path.write_bytes(original)
    assert ledger.verify().ok


@pytest.mark.parametrize("record", [0, 2, RECORDS - 1])
@pytest.mark.parametrize("old, new", [
    (b'"seq":', b'"seX":'),              # a key
    (b'.125', b'.135'),                  # a digit inside a float
    (b'number ', b'numbeR '),            # a letter inside a string
    (b'1e-05', b'1E-05'),                # same number, other spelling
    (b'1e-05', b'0.00001'),              # same number, longer spelling
    (b'"note":', b'"note": '),           # insignificant whitespace
    (b'"kind":"test"', b'"kind":"t\\u0065st"'),   # same string, escaped
])
def test_edit_inside_a_record_names_it(filled_ledger, record, old, new):
    ledger = filled_ledger(RECORDS)
    lines = _lines(ledger.path)
    assert old in lines[record]
    lines[record] = lines[record].replace(old, new, 1)
    _write_lines(ledger.path, lines)
    result = ledger.verify()
    assert (result.ok, result.first_bad, result.count) == (False, record, record)
    assert f"record {record}" in result.problem


def test_rehashed_edit_is_caught_by_the_next_record(filled_ledger):
    """An editor who also recomputes the edited record's hash breaks the next record's link."""
    ledger = filled_ledger(RECORDS)
    lines = _lines(ledger.path)
    forged = json.loads(lines[2])
    forged["value"] = 0.0
    forged["hash"] = record_hash(forged)
    lines[2] = canonical_json(forged) + b"\n"
    _write_lines(ledger.path, lines)
    result = ledger.verify()
    assert (result.ok, result.first_bad) == (False, 3)
    assert "does not chain" in result.problem


@pytest.mark.parametrize("removed", [0, RECORDS // 2, RECORDS - 1])
def test_removed_record_is_named(filled_ledger, removed):
    ledger = filled_ledger(RECORDS)
    lines = _lines(ledger.path)
    del lines[removed]
    _write_lines(ledger.path, lines)
    result = ledger.verify()
    assert (result.ok, result.first_bad, result.count) == (False, removed, removed)
    assert "removed" in result.problem


@pytest.mark.parametrize("first, second", [(0, 1), (1, 3), (3, 4)])
def test_swapped_records_are_named(filled_ledger, first, second):
    ledger = filled_ledger(RECORDS)
    lines = _lines(ledger.path)
    lines[first], lines[second] = lines[second], lines[first]
    _write_lines(ledger.path, lines)
    result = ledger.verify()
    assert (result.ok, result.first_bad) == (False, first)
    assert "reordered" in result.problem


@pytest.mark.parametrize("cut_bytes", [1, 2, 40, -1])
def test_truncated_last_line_is_reported_as_torn(filled_ledger, cut_bytes):
    ledger = filled_ledger(RECORDS)
    last_line = _lines(ledger.path)[-1]
    cut = cut_bytes if cut_bytes > 0 else len(last_line) - 1   # -1: keep one byte of it
    os.truncate(ledger.path, ledger.path.stat().st_size - cut)
    result = ledger.verify()
    assert (result.ok, result.first_bad, result.count) == (False, RECORDS - 1, RECORDS - 1)
    assert "torn" in result.problem
    with pytest.raises(TornLedgerError):
        list(ledger.records())


def test_append_refuses_to_chain_onto_a_torn_line_until_it_is_cut(filled_ledger):
    """A crash mid-write: the head still names the last whole record, the ledger ends in a piece
    of the next one. Verify names it, append refuses, truncating to the offset given repairs it."""
    ledger = filled_ledger(RECORDS)
    whole_size = ledger.path.stat().st_size
    with open(ledger.path, "ab") as handle:
        handle.write(b'{"hash":"12ab","index":5,"kind":"te')
    result = ledger.verify()
    assert (result.ok, result.first_bad, result.count) == (False, RECORDS, RECORDS)
    assert "torn" in result.problem
    with pytest.raises(TornLedgerError) as refused:
        ledger.append({"kind": "test"})
    assert refused.value.exit_code == EXIT_TAMPERED
    assert f"truncate -s {whole_size} " in refused.value.hint
    os.truncate(ledger.path, whole_size)
    assert ledger.append({"kind": "test"}).index == RECORDS
    assert ledger.verify().ok


def test_append_refuses_when_records_were_cut_from_the_end(filled_ledger):
    ledger = filled_ledger(RECORDS)
    _write_lines(ledger.path, _lines(ledger.path)[:-2])
    with pytest.raises(LedgerTamperedError, match="head file"):
        ledger.append({"kind": "test"})


def test_missing_head_file_fails_verification(filled_ledger):
    ledger = filled_ledger(RECORDS)
    ledger.head_path.unlink()
    result = ledger.verify()
    assert (result.ok, result.first_bad, result.count) == (False, None, RECORDS)
    assert "head file" in result.problem
    with pytest.raises(LedgerTamperedError):
        ledger.append({"kind": "test"})


def test_head_lagging_one_record_is_accepted(filled_ledger):
    """A crash after the record reached the disk but before the head was replaced is not tampering."""
    ledger = filled_ledger(RECORDS)
    lagging = json.loads(_lines(ledger.path)[-2])
    ledger.head_path.write_bytes(canonical_json({"hash": lagging["hash"],
                                                 "index": lagging["index"]}) + b"\n")
    assert ledger.verify().ok
    assert ledger.append({"kind": "test"}).index == RECORDS


def test_first_record_without_head_is_a_crash_not_tampering(filled_ledger):
    """Killed after the first record was written, before the first head file was."""
    ledger = filled_ledger(1)
    ledger.head_path.unlink()
    assert ledger.verify().ok
    assert ledger.append({"kind": "test"}).index == 1
    assert ledger.verify().ok and ledger.head_path.exists()


def test_emptied_ledger_with_head_is_tampered(filled_ledger):
    ledger = filled_ledger(RECORDS)
    ledger.path.write_bytes(b"")
    result = ledger.verify()
    assert (result.ok, result.first_bad) == (False, 0)
    ledger.path.unlink()
    assert not ledger.verify().ok


def test_raise_if_bad_maps_to_exit_tampered(filled_ledger):
    ledger = filled_ledger(RECORDS)
    ledger.verify().raise_if_bad()
    _write_lines(ledger.path, _lines(ledger.path)[1:])
    with pytest.raises(LedgerTamperedError) as raised:
        ledger.verify().raise_if_bad()
    assert (raised.value.exit_code, raised.value.first_bad) == (EXIT_TAMPERED, 0)


def test_absent_ledger_is_empty_and_valid(tmp_path):
    ledger = Ledger(tmp_path / "none" / "ledger.jsonl")
    assert list(ledger.records()) == []
    assert ledger.verify().ok and ledger.verify().count == 0


def test_last_record_is_found_across_read_blocks(tmp_path):
    """Records longer than the tail-reading block still chain correctly."""
    ledger = Ledger(tmp_path / "big.jsonl")
    for position in range(3):
        ledger.append({"blob": "x" * 150_000, "seq": position})
    assert ledger.verify().ok and ledger.verify().count == 3
