"""`fairspec frontier`, `fairspec select`, `fairspec explore`: make, read and choose from a frontier."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from fairspec.commands.console import err, fails_cleanly as _fails_cleanly, out
from fairspec.frontier.executors import EXECUTORS
from fairspec.frontier.plan import METHODS


@click.command(name="frontier")
@click.argument("target", type=click.Path(exists=True))
@click.option("--out", "out_dir", default="runs", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the frontier run (and the resumable sweep while it runs).")
@click.option("--objective", default=None, help="The objective block to sweep (default: the first).")
@click.option("--method", type=click.Choice(METHODS), default=None, help="Override the policy's method.")
@click.option("--points", type=click.IntRange(min=2), default=None, help="Override the point count.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Local worker processes fitting points in parallel.")
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True)
@click.option("--address", default=None, help="Ray cluster address (default: start a local Ray).")
@click.option("--seed", type=int, default=None, help="Override the policy's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print frontier.json instead of a table.")
@_fails_cleanly
def frontier(target: str, out_dir: str, objective: str | None, method: str | None, points: int | None,
             jobs: int, executor: str, address: str | None, seed: int | None, as_json: bool) -> None:
    """Sweep a policy's objective into a frontier run (TARGET a policy file), or list a run's
    points (TARGET a frontier run folder). An interrupted sweep resumes where it stopped."""
    from fairspec.frontier.store import read_frontier

    if Path(target).is_dir():
        result, meta = read_frontier(target)
        run_dir = Path(target)
    else:
        result, meta, run_dir = _sweep(target, out_dir, objective, method, points, jobs, executor,
                                       address, seed)
    if as_json:
        shown = {k: v for k, v in meta.items() if k != "preprocessor"}
        click.echo(json.dumps({**shown, "frontier": result.to_json()}, indent=2))
        return
    _print_frontier(result, meta, run_dir)


def _sweep(policy_file: str, out_dir: str, objective, method, points, jobs, executor, address, seed):
    from fairspec.audit.publish import default_ledger
    from fairspec.compiler import compile_policy
    from fairspec.data import prepare
    from fairspec.frontier.store import publish_frontier, read_frontier
    from fairspec.frontier.sweep import run_frontier
    from fairspec.language import load_policy

    program = compile_policy(load_policy(policy_file), seed=seed)
    data = prepare(program.data)

    def progress(point) -> None:
        err.print(f"point {point.index}: {point.status} ({point.plan.describe()}) "
                  f"in {point.seconds:.1f} s", markup=False)

    swept = run_frontier(program, data, out=out_dir, objective=objective, method=method, points=points,
                         jobs=jobs, executor=executor, address=address, progress=progress)
    published = publish_frontier(swept, program, data, out_dir, ledger=default_ledger(program))
    run_dir = published.points_dir.parent
    result, meta = read_frontier(run_dir)
    return result, meta, run_dir


def _figure(value) -> str:
    return "—" if value is None else f"{value:.4f}"


def _print_frontier(result, meta, run_dir: Path) -> None:
    from fairspec.frontier.store import cost_measures
    from fairspec.metrics.performance import COST_FIGURES

    adopted = (meta.get("adopted") or {}).get("index")
    table = Table(title=f"{meta['policy']['name']}: objective {result.objective} ({result.method}, "
                        f"backend {result.backend})", title_justify="left")
    table.add_column("point", justify="right")
    for axis in result.axes:
        table.add_column(f"{axis.key}\ntrain", justify="right")
        table.add_column("holdout", justify="right")
    costs = cost_measures(result)
    for measure in costs:
        table.add_column(f"{COST_FIGURES[measure]}\ntrain / holdout", justify="right")
    for column in ("pareto", "plan", ""):
        table.add_column(column)
    for point in result.points:
        marks = " ".join(m for m, on in (("chosen", point.index == result.chosen),
                                         ("adopted", point.index == adopted)) if on)
        values = [f"{point.values(split)[a.key]:.4f}" if point.ok else "—"
                  for a in result.axes for split in ("train", "holdout")]
        cost = [" / ".join(_figure(point.performance(split).get(m)) for split in ("train", "holdout"))
                for m in costs]
        pareto = "yes" if point.index in result.pareto["train"] else ("infeasible" if not point.ok else "")
        table.add_row(str(point.index), *values, *cost, pareto, point.plan.describe(), marks)
    out.print(table)
    reference = ", ".join(f"{k} {v:g}" for k, v in result.reference.items())
    out.print(f"hypervolume: train {result.hypervolume['train']:.5f}, holdout "
              f"{result.hypervolume['holdout']:.5f} (reference point: {reference})", markup=False)
    out.print(f"choice: {result.choice_note}", markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    out.print(f"frontier run: {run_dir}", markup=False)


@click.command(name="select")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--point", "index", type=int, required=True, help="The point to adopt.")
@click.option("--because", required=True, help="Why this point: recorded in the audit ledger.")
@click.option("--who", default=None, help="Who decides (default: the current user).")
@click.option("--ledger", type=click.Path(dir_okay=False), default=None,
              help="The audit ledger (default: the one the run names).")
@_fails_cleanly
def select(run_dir: str, index: int, because: str, who: str | None, ledger: str | None) -> None:
    """Adopt one point of a frontier run: its model becomes the run's model, with an audit record."""
    from fairspec.frontier.select import select_point

    adoption = select_point(run_dir, index, because, who=who, ledger=ledger)
    record = adoption["record"]
    out.print(f"adopted point {index} of {run_dir}: select record #{record['index']} appended to "
              f"{record['ledger']}", markup=False)


@click.command(name="explore")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--ledger", type=click.Path(dir_okay=False), default=None,
              help="The audit ledger (default: the one the run names).")
@click.option("--who", default=None, help="Who decides (default: the current user).")
@_fails_cleanly
def explore(run_dir: str, port: int, ledger: str | None, who: str | None) -> None:
    """Serve an interactive page of the frontier on 127.0.0.1; adopt a point there with a reason."""
    from fairspec.frontier.explore import ExploreServer

    server = ExploreServer(run_dir, port=port, ledger=ledger, who=who)
    out.print(f"exploring {run_dir} at {server.url} (Ctrl-C to stop)", markup=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.print("stopped", markup=False)
    finally:
        server.httpd.server_close()
