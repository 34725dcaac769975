"""`python -m benchmarks fitparts` times the parts of a fit and leaves every wrapped call as it was."""

from __future__ import annotations

from benchmarks import fit_parts


def test_fitparts_prints_the_parts_and_restores_what_it_wrapped(capsys):
    before = [getattr(owner, name) for _, owner, name in fit_parts.PARTS]
    assert fit_parts.main(["german:demographic_parity:sex:0.05", "--repeats", "3"]) == 0
    assert [getattr(owner, name) for _, owner, name in fit_parts.PARTS] == before
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("german:demographic_parity"))
    fit_ms, plain_ms, fixed_ms, ratio, net = map(float, row.split()[1:6])
    assert 0 <= fixed_ms < plain_ms < fit_ms and ratio > 1 and net > 1
    for label in ("thread limit", "Hessians", "evaluations", "threshold scans"):
        assert label in row
