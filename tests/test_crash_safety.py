"""A `fairspec train` killed with SIGKILL at any moment leaves a verifiable ledger and no half run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from fairspec.audit.ledger import Ledger
from fairspec.audit.runs import published_runs
from tests.conftest import ROOT


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("kill_after_s", [0.3, 1.0, 2.0, 3.5, 6.0])
def test_sigkill_mid_train_never_corrupts_anything(tmp_path, kill_after_s):
    policy = tmp_path / "german.fair"
    shutil.copy(ROOT / "specs" / "german.fair", policy)
    ledger = tmp_path / "audit" / "german.jsonl"
    runs = tmp_path / "runs"
    # One complete run first, so the kill lands on a ledger that already has a record.
    done = subprocess.run([sys.executable, "-m", "fairspec.cli", "train", str(policy), "--out", str(runs),
                           "--resamples", "50"], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    proc = subprocess.Popen([sys.executable, "-m", "fairspec.cli", "train", str(policy), "--out", str(runs),
                             "--resamples", "2000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after_s)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    verification = Ledger(ledger).verify()
    assert verification.ok, verification.problem
    for run in published_runs(runs):
        assert (run / "manifest.json").is_file() and (run / "result.json").is_file()
    records = list(Ledger(ledger).records())
    assert 1 <= len(records) <= 2
    recorded = {r["run"]["id"] for r in records}
    assert recorded <= {run.name for run in published_runs(runs)}
