"""`fairspec report RUN`: write a reviewer's report of a train run as HTML or Markdown."""

from __future__ import annotations

from pathlib import Path

import click

from fairspec.commands.console import fails_cleanly as _fails_cleanly, out


@click.command(name="report")
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True,
              help="A self-contained HTML page, or Markdown.")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write here (default: RUN/report.html or RUN/report.md).")
@click.option("--ledger", type=click.Path(dir_okay=False), default=None,
              help="The audit ledger holding the run's record (default: the one its manifest names).")
@_fails_cleanly
def report(run_dir: str, fmt: str, output: str | None, ledger: str | None) -> None:
    """Report a run: policy, verdicts with intervals, group rates, cost, data and audit record.

    The model file is checked against its manifest and the ledger first; a run that fails the
    check gets no report (exit 4).
    """
    from fairspec.report import write_report

    written = write_report(Path(run_dir), fmt, Path(output) if output else None,
                           ledger=Path(ledger) if ledger else None)
    out.print(f"report written to {written}", markup=False)
