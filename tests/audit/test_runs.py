"""Run folders are published whole on success and never on failure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from fairspec.audit.errors import RunFolderError
from fairspec.audit.runs import (RUN_ID_PATTERN, RunFolder, iso_utc, new_run_id, published_runs,
                                 remove_stale_partials)

MOMENT = datetime(2026, 11, 24, 10, 30, 0, tzinfo=timezone.utc)


def test_run_ids_carry_utc_time_and_sort_by_it():
    run_id = new_run_id(MOMENT)
    assert re.fullmatch(r"20261124T103000Z-[0-9a-f]{8}", run_id)
    later = new_run_id(datetime(2026, 11, 24, 11, 30, 0, tzinfo=timezone.utc))
    noon_in_brazil = new_run_id(datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone(timedelta(hours=-3))))
    assert noon_in_brazil.startswith("20261124T150000Z-")
    assert sorted([noon_in_brazil, later, run_id]) == [run_id, later, noon_in_brazil]
    assert len({new_run_id(MOMENT) for _ in range(50)}) == 50
    assert iso_utc(MOMENT) == "2026-11-24T10:30:00Z"
    assert RUN_ID_PATTERN.match(new_run_id())


def test_successful_run_is_published_atomically(tmp_path):
    run_id = new_run_id(MOMENT)
    with RunFolder(tmp_path / "runs", run_id) as run:
        assert run.path.name == f".partial-{run_id}-{os.getpid()}"
        (run.path / "model.npz").write_bytes(b"weights")
        (run.path / "nested").mkdir()
        (run.path / "nested" / "log.txt").write_text("ok")
        assert published_runs(tmp_path / "runs") == []
    assert published_runs(tmp_path / "runs") == [run.final]
    assert (run.final / "nested" / "log.txt").read_text() == "ok"
    assert not run.path.exists()


def test_failed_run_leaves_nothing(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with RunFolder(tmp_path, new_run_id(MOMENT)) as run:
            (run.path / "model.npz").write_bytes(b"half")
            1 / 0
    assert list(tmp_path.iterdir()) == []


def test_existing_run_id_is_refused_and_never_merged(tmp_path):
    run_id = new_run_id(MOMENT)
    with RunFolder(tmp_path, run_id) as run:
        (run.path / "a").write_text("first")
    with pytest.raises(RunFolderError, match="already exists"):
        with RunFolder(tmp_path, run_id):
            pass


def test_run_that_appears_while_writing_is_not_overwritten(tmp_path):
    run_id = new_run_id(MOMENT)
    late = RunFolder(tmp_path, run_id)
    with pytest.raises(RunFolderError, match="already exists"):
        with late:
            (late.path / "b").write_text("second")
            (tmp_path / run_id).mkdir()                   # another process publishes first
            (tmp_path / run_id / "c").write_text("third")
    assert [p.name for p in (tmp_path / run_id).iterdir()] == ["c"]
    assert not late.path.exists()


@pytest.mark.parametrize("bad", ["latest", "20261124T103000Z", "../20261124T103000Z-0badc0de"])
def test_malformed_run_id_is_refused(tmp_path, bad):
    with pytest.raises(RunFolderError):
        RunFolder(tmp_path, bad)


def test_stale_partials_are_not_runs_and_are_removed_only_when_their_process_is_gone(tmp_path):
    run_id = new_run_id(MOMENT)
    dead_pid = _a_pid_that_is_not_running()
    stale = tmp_path / f".partial-{run_id}-{dead_pid}"
    live = tmp_path / f".partial-{run_id}-{os.getpid()}"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "model.npz").write_bytes(b"half")
    assert published_runs(tmp_path) == []
    assert remove_stale_partials(tmp_path) == [stale]
    assert not stale.exists() and live.exists()


def _a_pid_that_is_not_running() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid
