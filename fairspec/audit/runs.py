"""Run folders: a run's files appear under `out_dir/<run_id>/` complete, or not at all.

`RunFolder` writes into `out_dir/.partial-<run_id>-<pid>/`; on a clean exit it fsyncs every file
and renames the folder into place (one atomic `rename`), on an exception it removes it. A process
killed mid-run leaves only a `.partial-…` folder, which `published_runs` never lists and
`remove_stale_partials` clears once its process is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from fairspec.audit.durable import fsync_path, fsync_tree
from fairspec.audit.errors import RunFolderError

RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")
PARTIAL_PREFIX = ".partial-"


def new_run_id(now: datetime | None = None) -> str:
    """`YYYYMMDDTHHMMSSZ-<8 hex>`: ids sort by start time (UTC, to the second), and the random
    suffix keeps runs started in the same second apart. A run is an event, so its id is not derived
    from the seed; what is reproducible about a run is its record's `result_digest`."""
    return f"{_utc(now):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def iso_utc(now: datetime | None = None) -> str:
    """ISO 8601 UTC time to the second, e.g. `2026-11-24T10:30:00Z` (a record's `run.time`)."""
    return f"{_utc(now):%Y-%m-%dT%H:%M:%SZ}"


def _utc(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc)


class RunFolder:
    """`with RunFolder(out_dir, run_id) as run:` write files into `run.path`; on success they are
    published at `run.final` (`out_dir/<run_id>`)."""

    def __init__(self, out_dir: str | os.PathLike[str], run_id: str) -> None:
        if not RUN_ID_PATTERN.match(run_id):
            raise RunFolderError(f"{run_id!r} is not a run id", hint="make one with new_run_id()")
        self.out_dir = Path(out_dir)
        self.run_id = run_id
        self.final = self.out_dir / run_id
        self.path = self.out_dir / f"{PARTIAL_PREFIX}{run_id}-{os.getpid()}"

    def __enter__(self) -> "RunFolder":
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._refuse_existing()
        self.path.mkdir()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if exc_type is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        try:
            fsync_tree(self.path)
            self._refuse_existing()
            os.rename(self.path, self.final)   # fails on a non-empty target: never merges two runs
        except (OSError, RunFolderError) as error:
            shutil.rmtree(self.path, ignore_errors=True)
            if isinstance(error, RunFolderError):
                raise
            raise RunFolderError(f"cannot publish run {self.run_id}: {error}") from error
        fsync_path(self.out_dir)

    def _refuse_existing(self) -> None:
        if self.final.exists():
            raise RunFolderError(f"a run {self.run_id} already exists in {self.out_dir}")


def published_runs(out_dir: str | os.PathLike[str]) -> list[Path]:
    """The run folders of `out_dir`, oldest first; partial folders are never among them."""
    root = Path(out_dir)
    if not root.is_dir():
        return []
    return sorted(entry for entry in root.iterdir()
                  if entry.is_dir() and RUN_ID_PATTERN.match(entry.name))


def remove_stale_partials(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Remove the partial folders whose writing process no longer runs on this host; return them.

    A folder whose pid is alive (or has been reused) is left alone.
    """
    removed = []
    for entry in Path(out_dir).glob(f"{PARTIAL_PREFIX}*"):
        pid = entry.name.rsplit("-", 1)[-1]
        if entry.is_dir() and pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return sorted(removed)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # alive, owned by someone else
        return True
    return True

