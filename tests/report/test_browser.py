"""The HTML report in a real browser: headless Chromium loads it from disk with networking off,
logs no console message (a blocked script or fetch would log one), builds the expected elements,
and paints a page that is not blank, with the verdict colours and the bar charts on it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fairspec.report import write_report

from tests.report.conftest import write_frontier
from tests.report.pixels import read_png

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's headless Chromium at /usr/bin/chromium (apt-get install -y chromium)")

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
         "--v=0")
TRAIN_BAR = (0x3F, 0x6E, 0x9E)        # report.svg's train colour
HOLDOUT_BAR = (0xD0, 0x8A, 0x2E)
GOOD_CALLOUT = (0xE6, 0xF2, 0xE7)     # the "all hard requirements hold" band


def chromium(page: Path, profile: Path, *action: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *action, page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=True)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def pixels_of(image: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(image[:, :, :3] == colour, axis=2).sum())


def test_screenshot_is_a_painted_page_with_charts(run_copy, tmp_path):
    write_frontier(run_copy)
    page = write_report(run_copy, "html")
    shot = tmp_path / "report.png"
    loaded = chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2000")
    assert console_messages(loaded.stderr) == []
    image = read_png(shot.read_bytes())
    assert image.shape[:2] == (2000, 1280)
    grey = image[:, :, :3].mean(axis=2)
    assert grey.std() > 10                              # not one flat colour
    assert (grey < 200).mean() > 0.02                   # text and rules cover part of the page
    assert pixels_of(image, GOOD_CALLOUT) > 5_000       # the outcome band is painted
    assert pixels_of(image, TRAIN_BAR) > 300            # the first requirement's bars are drawn
    assert pixels_of(image, HOLDOUT_BAR) > 300


def test_dom_has_the_report_and_nothing_foreign(hostile_run, tmp_path):
    page = write_report(hostile_run.run_dir, "html", tmp_path / "hostile.html")
    loaded = chromium(page, tmp_path / "profile", "--dump-dom")
    assert console_messages(loaded.stderr) == []
    dom = loaded.stdout
    for anchor in ("summary", "requirements", "cost", "data", "policy", "audit"):
        assert f'<section id="{anchor}">' in dom
    requirements = hostile_run.result["requirements"]
    assert len(re.findall(r"<svg\b", dom)) == len(requirements)
    assert not re.search(r"<(script|img|iframe|object|embed|link)\b", dom, flags=re.I)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert hostile_run.record["hash"] in dom
