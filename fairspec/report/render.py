"""The report API: a train run folder in; an HTML page or Markdown text out, or a file written."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fairspec.errors import FairspecError
from fairspec.report.build import build_document
from fairspec.report.run import load_run
from fairspec.report.to_html import render_document_html
from fairspec.report.to_markdown import render_document_markdown

Format = Literal["html", "md"]
DEFAULT_NAMES = {"html": "report.html", "md": "report.md"}


def render_html(run_dir: str | Path, ledger: str | Path | None = None) -> str:
    """A self-contained HTML page reporting the run in `run_dir` (see `load_run` for `ledger` and
    the errors raised when the run or its ledger does not verify)."""
    return render_document_html(build_document(load_run(run_dir, ledger)))


def render_markdown(run_dir: str | Path, ledger: str | Path | None = None) -> str:
    """The same report as Markdown."""
    return render_document_markdown(build_document(load_run(run_dir, ledger)))


def write_report(run_dir: str | Path, fmt: Format, out_path: str | Path | None = None,
                 ledger: str | Path | None = None) -> Path:
    """Render the run's report in `fmt` ("html" or "md") and write it to `out_path` (default:
    `run_dir/report.html` or `run_dir/report.md`); return the path written."""
    renderers = {"html": render_html, "md": render_markdown}
    if fmt not in renderers:
        raise FairspecError(f"unknown report format {fmt!r}", hint="use html or md")
    text = renderers[fmt](run_dir, ledger)
    target = Path(out_path) if out_path is not None else Path(run_dir) / DEFAULT_NAMES[fmt]
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FairspecError(f"cannot write the report to {target}: {exc.strerror or exc}") from None
    return target
