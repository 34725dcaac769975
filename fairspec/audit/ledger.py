"""A hash-chained, append-only JSON Lines ledger: one audit record per line, any edit detectable.

Each record carries `index` (0-based position), `prev_hash` (the previous record's `hash`, or 64
zeros for the first) and `hash` (sha256 of the canonical JSON of the record without `hash`). Lines
are canonical JSON (see `canonical`), so verification is byte-exact: changing any byte of a line
either breaks its canonical form, its hash, the chain, or the line structure.

A chain alone cannot show that records were cut from its end. The ledger therefore keeps a *head*
file beside it (`<ledger>.head`: the index and hash of the last record) that every append updates
after the record is durable. The head is a lower bound: the ledger must hold the record it names,
and may hold one record more (a crash between the two writes). Copy it along with the ledger.

Appends are serialised across processes by an exclusive `flock` on `<ledger>.lock`, write the whole
line with one `os.write` on an `O_APPEND` descriptor and `fsync` it. A crash mid-write can leave a
*torn* last line (no end of line). `verify` reports it; `append` refuses to chain onto it
(`TornLedgerError`, with the byte offset to truncate to) rather than guess what the record was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping

from fairspec.audit.canonical import canonical_json, parse_json, sha256_hex, to_plain
from fairspec.audit.durable import fsync_path
from fairspec.audit.errors import AuditError, LedgerTamperedError, TornLedgerError

GENESIS_HASH = "0" * 64
CHAIN_KEYS = ("index", "prev_hash", "hash")
_TAIL_BLOCK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Entry:
    """Where a record sits in the chain: its index and its hash."""

    index: int
    hash: str


@dataclass(frozen=True)
class Verification:
    """The outcome of `Ledger.verify`.

    `count`: records that verified, in order, before the first problem (all of them when `ok`).
    `first_bad`: the position (0-based line) of the first record found edited, removed, reordered,
    torn or unreadable; None when `ok` or when the problem is the head file itself.
    """

    ok: bool
    count: int
    first_bad: int | None = None
    problem: str = ""

    def raise_if_bad(self) -> None:
        """Raise `LedgerTamperedError` (exit 4) unless the ledger verified."""
        if not self.ok:
            raise LedgerTamperedError(self.problem, self.first_bad)


def record_hash(record: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of `record` without its `hash` key."""
    return sha256_hex(canonical_json({k: v for k, v in record.items() if k != "hash"}))


class Ledger:
    """An audit ledger at `path` (created, with its folder, on the first append)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.head_path = self.path.with_name(self.path.name + ".head")

    def append(self, record: Mapping[str, Any]) -> Entry:
        """Add `record` (its own index/prev_hash/hash keys, if any, are replaced); return its entry.

        Values pass through `to_plain` first (NaN/±Infinity become null). Raises
        `TornLedgerError` if the last line is torn and `LedgerTamperedError` if the last record or
        the head file does not check out; the full chain is not re-verified (use `verify`).
        """
        body = {k: v for k, v in to_plain(dict(record)).items() if k not in CHAIN_KEYS}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked(fcntl.LOCK_EX):
            created = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                previous = self._checked_tail(fd)
                entry = _write_record(fd, body, previous)
            finally:
                os.close(fd)
            if created:
                fsync_path(self.path.parent)
            self._write_head(entry)
        return entry

    def records(self) -> Iterator[dict[str, Any]]:
        """Each record in order, checked as it is read; raises `LedgerTamperedError` where the
        chain breaks (after yielding every record before that point). An absent ledger is empty."""
        with self._locked(fcntl.LOCK_SH):   # a consistent (size, head) pair; appends only add bytes
            head = self._read_head()
            if not self.path.exists():
                if head is not None:
                    raise LedgerTamperedError(f"{self.path} is missing but its head file names "
                                              f"record {head.index}", 0)
                return
            handle = open(self.path, "rb")
            size = os.fstat(handle.fileno()).st_size
        with handle:
            yield from _checked_records(_lines_up_to(handle, size), head, self.head_path)

    def verify(self) -> Verification:
        """Check every record and the head file; name the first problem instead of raising."""
        count = 0
        try:
            for count, _ in enumerate(self.records(), start=1):
                pass
        except LedgerTamperedError as exc:
            return Verification(False, count, exc.first_bad, exc.message)
        return Verification(True, count)

    @contextlib.contextmanager
    def _locked(self, operation: int) -> Iterator[None]:
        try:
            fd = os.open(self.lock_path, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError:
            if operation != fcntl.LOCK_SH:
                raise
            # No folder, or one this user cannot write to: read unlocked. The head is read before
            # the size, and appends write the record before the head, so the two still agree.
            yield
            return
        try:
            fcntl.flock(fd, operation)
            yield
        finally:
            os.close(fd)                    # closing releases the lock

    def _checked_tail(self, fd: int) -> Entry | None:
        """The entry to chain onto, once the last line checks out and agrees with the head."""
        size = os.fstat(fd).st_size
        head = self._read_head()
        if size == 0:
            if head is not None:
                raise LedgerTamperedError(f"{self.path} is empty but its head file names record "
                                          f"{head.index}", 0)
            return None
        last_line = _final_line(fd, size)
        if os.pread(fd, 1, size - 1) != b"\n":
            start = size - len(last_line)
            raise TornLedgerError(
                f"{self.path} ends in a torn record (the last {len(last_line)} bytes, from byte "
                f"{start}): a write was cut off, so no record may chain onto it", None,
                hint=f"after `fairspec audit verify` confirms the records before it, drop it with "
                     f"`truncate -s {start} {self.path}`")
        last = _parse_record(last_line + b"\n", position=None)
        if head is None and last["index"] == 0:   # a crash before the first head was written
            return Entry(0, last["hash"])
        if head is None:
            raise LedgerTamperedError(f"the head file {self.head_path.name} of {self.path} is "
                                      "missing, so records cut from its end could not be noticed",
                                      None, hint="copy the .head file along with the ledger")
        if not _head_accepts(head, last):
            raise LedgerTamperedError(f"the last record of {self.path} (index {last['index']}) "
                                      f"does not match the head file {self.head_path.name}",
                                      last["index"])
        return Entry(last["index"], last["hash"])

    def _read_head(self) -> Entry | None:
        try:
            raw = self.head_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            head = parse_json(raw)
            return Entry(_int_field(head, "index"), _hash_field(head, "hash"))
        except (ValueError, TypeError, KeyError) as exc:
            raise LedgerTamperedError(f"the head file {self.head_path} is unreadable: {exc}",
                                      None) from None

    def _write_head(self, entry: Entry) -> None:
        """Replace the head file atomically (write a temporary file, fsync it, rename it over)."""
        scratch = self.head_path.with_name(self.head_path.name + ".tmp")
        content = canonical_json({"index": entry.index, "hash": entry.hash}) + b"\n"
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_all(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(scratch, self.head_path)


def _write_record(fd: int, body: dict[str, Any], previous: Entry | None) -> Entry:
    record = dict(body, index=0 if previous is None else previous.index + 1,
                  prev_hash=GENESIS_HASH if previous is None else previous.hash)
    record["hash"] = record_hash(record)
    _write_all(fd, canonical_json(record) + b"\n")
    os.fsync(fd)
    return Entry(record["index"], record["hash"])


def _write_all(fd: int, content: bytes) -> None:
    written = os.write(fd, content)   # one call: O_APPEND places it whole at the end
    if written != len(content):
        raise AuditError(f"short write: {written} of {len(content)} bytes reached the disk",
                         hint="the disk may be full; a ledger write cut short leaves a torn record")


def _final_line(fd: int, size: int) -> bytes:
    """The last line of a non-empty file, without its end of line, read backwards from the end."""
    end = size - 1 if os.pread(fd, 1, size - 1) == b"\n" else size
    blocks: list[bytes] = []              # last block first
    while end > 0:
        start = max(0, end - _TAIL_BLOCK_BYTES)
        block = os.pread(fd, end - start, start)
        end = start
        newline = block.rfind(b"\n")
        if newline >= 0:
            blocks.append(block[newline + 1:])
            break
        blocks.append(block)
    return b"".join(reversed(blocks))


def _lines_up_to(handle: BinaryIO, size: int) -> Iterator[bytes]:
    """The file's lines (each with its end of line, except a torn last one) within its first
    `size` bytes, so that a record appended while reading is not half seen."""
    remaining = size
    while remaining > 0:
        line = handle.readline(remaining)
        if not line:
            return
        remaining -= len(line)
        yield line


def _checked_records(lines: Iterator[bytes], head: Entry | None, head_path: Path
                     ) -> Iterator[dict[str, Any]]:
    prev_hash = GENESIS_HASH
    hash_at_head: str | None = None
    count = 0
    for position, line in enumerate(lines):
        record = _parse_record(line, position)
        _check_link(record, position, prev_hash)
        prev_hash = record["hash"]
        if head is not None and position == head.index:
            hash_at_head = record["hash"]
        count = position + 1
        yield record
    _check_head(head, hash_at_head, count, head_path)


def _parse_record(line: bytes, position: int | None) -> dict[str, Any]:
    """A line as a record whose bytes are canonical and whose hash matches its content."""
    where = "the last record" if position is None else f"record {position}"
    if not line.endswith(b"\n"):
        raise TornLedgerError(f"{where} is torn: its line has no end, a write was cut off",
                              position)
    body = line[:-1]
    try:
        record = parse_json(body)
        _int_field(record, "index"), _hash_field(record, "prev_hash"), _hash_field(record, "hash")
    except (ValueError, TypeError, KeyError) as exc:
        raise LedgerTamperedError(f"{where} is unreadable: {exc}", position) from None
    if canonical_json(record) != body:
        raise LedgerTamperedError(f"{where} was edited: its bytes are not the canonical form of "
                                  "its content", position)
    if record_hash(record) != record["hash"]:
        raise LedgerTamperedError(f"{where} was edited: its content does not match its hash",
                                  position)
    return record


def _check_link(record: dict[str, Any], position: int, prev_hash: str) -> None:
    if record["index"] != position:
        raise LedgerTamperedError(f"position {position} holds record {record['index']}, expected "
                                  f"record {position}: records were removed or reordered", position)
    if record["prev_hash"] != prev_hash:
        raise LedgerTamperedError(f"record {position} does not chain onto record {position - 1}: "
                                  "its prev_hash differs, so a record was replaced", position)


def _check_head(head: Entry | None, hash_at_head: str | None, count: int, head_path: Path) -> None:
    if head is None:
        if count > 1:             # one record and no head: a crash before the first head write
            raise LedgerTamperedError(f"the head file {head_path.name} is missing, so records cut "
                                      "from the end could not be noticed", None,
                                      hint="copy the .head file along with the ledger")
        return
    if head.index >= count:
        raise LedgerTamperedError(f"record {count} is missing: the head file says the ledger "
                                  f"reaches record {head.index}, so records were removed from its "
                                  "end", count)
    if hash_at_head != head.hash:
        raise LedgerTamperedError(f"record {head.index} is not the one the head file names: the "
                                  "chain was rewritten", head.index)


def _head_accepts(head: Entry, last: dict[str, Any]) -> bool:
    """The head names the last record, or the one before it (a crash between the two writes)."""
    if head.index == last["index"]:
        return head.hash == last["hash"]
    return head.index == last["index"] - 1 and head.hash == last["prev_hash"]


def _int_field(record: Any, key: str) -> int:
    value = record[key]
    if type(value) is not int or value < 0:
        raise TypeError(f"{key} is not a non-negative integer")
    return value


def _hash_field(record: Any, key: str) -> str:
    value = record[key]
    if not isinstance(value, str) or len(value) != 64:
        raise TypeError(f"{key} is not a sha256 hex digest")
    return value
