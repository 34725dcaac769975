"""The explore page in a real headless Chromium: see the points, hover, adopt one with a reason."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fairspec.audit.ledger import Ledger
from fairspec.frontier import ExploreServer, publish_frontier, read_frontier, run_frontier

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture()
def served(small, tmp_path):
    _, program, data = small
    swept = run_frontier(program, data, out=tmp_path / "runs")
    ledger = tmp_path / "ledger.jsonl"
    run_dir = publish_frontier(swept, program, data, tmp_path / "runs", ledger=ledger).points_dir.parent
    server = ExploreServer(run_dir, who="browser-test").start()
    yield server, run_dir, ledger
    server.stop()


def _post(url: str, body: dict, content_type: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(url + "adopt", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_adoptions_need_the_page_token_and_a_reason(served):
    server, _, ledger = served
    assert server.url.startswith("http://127.0.0.1:")
    assert _post(server.url, {"point": 2, "because": "x", "token": "guess"})[0] == 403
    assert _post(server.url, {"point": 2, "because": " ", "token": server.token})[0] == 400
    assert _post(server.url, {"point": 2, "because": "x", "token": server.token}, "text/plain")[0] == 400
    assert not ledger.exists()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                  "(apt-get install -y chromium)")
def test_explore_page_in_headless_chromium(served):
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright "
                                         "(the browser itself comes from apt, never downloaded)")
    server, run_dir, ledger = served
    frontier, meta = read_frontier(run_dir)
    target = next(i for i in frontier.pareto["train"] if i != frontier.chosen)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(server.url)
            circles = page.locator("circle.point")
            assert circles.count() == len([q for q in frontier.points if q.ok])
            assert page.locator("circle.pareto").count() == len(frontier.pareto["train"])
            dot = page.locator(f'circle.point[data-index="{target}"]')
            dot.hover()
            assert page.locator("#details h3").inner_text().startswith(f"Point {target}")
            groups = page.locator("table.groups tr[data-group]")
            assert groups.count() == len(frontier.point(target).train.groups["demographic_parity(sex)"])
            dot.click()
            assert page.locator("#picked").inner_text() == str(target)
            page.fill("#reason", "Smallest gap the product team can live with")
            page.click("#adopt")
            page.locator("#status", has_text=f"Adopted point {target}").wait_for(timeout=20_000)
        finally:
            browser.close()
    [record] = list(Ledger(ledger).records())
    assert record["kind"] == "select" and record["adopted"]["point"]["index"] == target
    assert record["adopted"]["because"] == "Smallest gap the product team can live with"
    assert record["adopted"]["who"] == "browser-test" and record["adopted"]["run_id"] == meta["run_id"]
