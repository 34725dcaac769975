"""Concurrent appenders keep one intact chain; a process killed mid-append loses nothing earlier."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fairspec.audit.errors import TornLedgerError
from fairspec.audit.ledger import Ledger
from fairspec.audit.runs import published_runs, remove_stale_partials

WORKERS = 8
APPENDS_PER_WORKER = 50


def _append_many(path: str, worker: int, start: multiprocessing.synchronize.Barrier) -> None:
    ledger = Ledger(path)
    start.wait()
    for seq in range(APPENDS_PER_WORKER):
        ledger.append({"worker": worker, "seq": seq, "pid": os.getpid()})


def test_concurrent_appends_from_eight_processes_keep_one_chain(tmp_path):
    path = str(tmp_path / "ledger.jsonl")
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WORKERS)
    workers = [context.Process(target=_append_many, args=(path, worker, start))
               for worker in range(WORKERS)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=60)
    assert [process.exitcode for process in workers] == [0] * WORKERS

    result = Ledger(path).verify()
    assert (result.ok, result.count) == (True, WORKERS * APPENDS_PER_WORKER), result.problem
    records = list(Ledger(path).records())
    for worker in range(WORKERS):
        in_order = [r["seq"] for r in records if r["worker"] == worker]
        assert in_order == list(range(APPENDS_PER_WORKER))
    interleaved = sum(a["worker"] != b["worker"] for a, b in zip(records, records[1:]))
    assert interleaved > WORKERS, "the workers did not run at the same time"


# Each iteration publishes a run folder (two files) and then records it, the way `train` does.
_RUN_FOREVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from fairspec.audit.ledger import Ledger
    from fairspec.audit.runs import RunFolder, new_run_id

    out_dir, ledger_path = Path(sys.argv[1]), sys.argv[2]
    ledger = Ledger(ledger_path)
    payload = "x" * 400_000
    while True:
        with RunFolder(out_dir, new_run_id()) as run:
            (run.path / "model.bin").write_bytes(b"m" * 300_000)
            (run.path / "done").write_text("complete")
        ledger.append({"run": run.run_id, "payload": payload})
""")


@pytest.mark.parametrize("extra_delay_s", [0.0, 0.021])
def test_sigkill_while_appending_loses_no_earlier_record_and_publishes_no_partial_run(
        tmp_path, extra_delay_s):
    out_dir, ledger_path = tmp_path / "runs", tmp_path / "audit" / "ledger.jsonl"
    child = subprocess.Popen([sys.executable, "-c", _RUN_FOREVER, str(out_dir), str(ledger_path)])
    try:
        _wait_for_records(ledger_path, at_least=3, child=child)
        time.sleep(extra_delay_s)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

    ledger = Ledger(ledger_path)
    result = ledger.verify()
    if not result.ok:   # the kill tore the line being written: exactly that, at the end
        assert "torn" in result.problem and result.first_bad == result.count, result
    complete_lines = ledger_path.read_bytes().count(b"\n")
    assert result.count == complete_lines >= 3

    runs = published_runs(out_dir)
    assert all((run / "done").read_text() == "complete" for run in runs)
    assert all((run / "model.bin").stat().st_size == 300_000 for run in runs)
    published = {run.name for run in runs}
    recorded = {record["run"] for record in _intact_records(ledger, result.count)}
    assert recorded <= published
    assert len(published - recorded) <= 1          # at most the run being recorded at the kill
    remove_stale_partials(out_dir)
    assert {entry.name for entry in out_dir.iterdir()} == published


def _wait_for_records(path: Path, at_least: int, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert child.poll() is None, "the appending process died on its own"
        if path.exists() and path.read_bytes().count(b"\n") >= at_least:
            return
        time.sleep(0.005)
    raise AssertionError("the appending process made no progress")


def _intact_records(ledger: Ledger, count: int) -> list[dict]:
    records = []
    iterator = ledger.records()
    for _ in range(count):
        records.append(next(iterator))
    return records


_APPEND_HUGE = textwrap.dedent("""
    import sys
    from fairspec.audit.ledger import Ledger
    ledger = Ledger(sys.argv[1])
    ledger.append({"seq": 0})
    ledger.append({"seq": 1, "payload": "x" * 60_000_000})
""")


@pytest.mark.slow
def test_sigkill_inside_the_write_tears_only_the_last_line_and_append_refuses_until_cut(tmp_path):
    """Kill the writer while its 60 MB line is reaching the file (the file has grown past the first
    record but does not yet end in a newline): Linux stops a write on a fatal signal, so the line is
    torn. Verify names exactly it, append refuses, truncating to the offset it names repairs."""
    path = tmp_path / "ledger.jsonl"
    child = subprocess.Popen([sys.executable, "-c", _APPEND_HUGE, str(path)])
    first_size = None
    try:
        while child.poll() is None:
            size = path.stat().st_size if path.exists() else 0
            if first_size is None and path.with_name(path.name + ".head").exists():
                first_size = size
            if first_size is not None and size > first_size:
                break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert first_size is not None and path.stat().st_size > first_size
    ledger = Ledger(path)
    result = ledger.verify()
    if result.ok:
        pytest.fail("the kill came after the write completed; nothing was torn")
    assert (result.first_bad, result.count) == (1, 1) and "torn" in result.problem
    with pytest.raises(TornLedgerError) as refused:
        ledger.append({"seq": 2})
    assert f"truncate -s {first_size} " in refused.value.hint
    os.truncate(path, first_size)
    assert ledger.append({"seq": 2}).index == 1 and ledger.verify().ok
