"""Render a report `Document` as one self-contained HTML page: inline CSS and SVG, no script, no
font or file fetched, escaped text throughout, and a Content-Security-Policy that forbids the rest."""

from __future__ import annotations

from html import escape
from importlib.metadata import PackageNotFoundError, version

from fairspec.report.document import (Block, Bullets, Callout, Cell, Code, Document, Facts, Figure,
                                      Paragraph, Section, Subsection, Table, Text)

# Inline styles and data: images only; nothing may load or run (a second guard behind escaping).
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d4d9; --band: #f4f5f7;
        --good: #1b5e20; --good-bg: #e6f2e7; --bad: #a4161a; --bad-bg: #fbe7e8;
        --warn: #7a4f01; --warn-bg: #fdf1d8; --link: #174ea6; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main, header.page, footer.page { max-width: 1040px; margin: 0 auto; padding: 0 28px; }
header.page { padding-top: 28px; border-bottom: 3px solid var(--ink); padding-bottom: 12px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
.subtitle { color: var(--muted); margin: 0; }
nav.toc { margin: 14px 0 0; font-size: 14px; }
nav.toc a { color: var(--link); text-decoration: none; margin-right: 16px; }
section { margin-top: 30px; }
h2 { font-size: 20px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; margin: 0 0 14px; }
.sub { margin-top: 26px; padding-top: 4px; }
h3 { font-size: 17px; margin: 0 0 2px; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.sub .subtitle { margin-bottom: 10px; }
p { margin: 8px 0; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
              font-size: 0.9em; overflow-wrap: break-word; }
table { border-collapse: collapse; margin: 10px 0 4px; font-size: 13.5px; width: auto; max-width: 100%; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; border-bottom: 1px solid #aab0b7; }
td code { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
div.table { margin: 10px 0 14px; }
div.scroll { overflow-x: auto; }
div.table table { margin: 0; }
p.caption { color: var(--muted); font-size: 12.5px; margin: 5px 0 0; max-width: 80ch; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 10px 0; font-size: 14px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.tone-good, .tone-bad, .tone-warn, .tone-muted { padding: 1px 7px; border-radius: 3px; font-weight: 600; }
.tone-good { color: var(--good); background: var(--good-bg); }
.tone-bad { color: var(--bad); background: var(--bad-bg); }
.tone-warn { color: var(--warn); background: var(--warn-bg); }
.tone-muted { color: var(--muted); background: var(--band); font-weight: 500; }
.callout { border-left: 5px solid; padding: 10px 14px; margin: 10px 0; font-weight: 600; }
.callout.good { border-color: var(--good); background: var(--good-bg); color: var(--good); }
.callout.bad { border-color: var(--bad); background: var(--bad-bg); color: var(--bad); }
.callout.warn { border-color: #c98a0b; background: var(--warn-bg); color: var(--warn); }
.callout.muted { border-color: var(--rule); background: var(--band); }
pre { background: var(--band); border: 1px solid var(--rule); padding: 12px 14px; overflow-x: auto;
      font-size: 12.5px; line-height: 1.45; white-space: pre-wrap; overflow-wrap: anywhere; }
figure { margin: 14px 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12.5px; }
ul.notes { margin: 4px 0 10px; padding-left: 22px; font-size: 14px; }
.label { font-weight: 600; margin-bottom: 0; }
footer.page { color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); margin-top: 40px;
              padding-top: 10px; padding-bottom: 30px; }
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { font-size: 11pt; }
  nav.toc { display: none; }
  main, header.page, footer.page { max-width: none; padding: 0; }
  section { break-before: auto; }
  h2, h3 { break-after: avoid; }
  div.table, figure, dl.facts, .callout { break-inside: avoid; }
  div.scroll { overflow: visible; }
  pre { break-inside: auto; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_document_html(document: Document) -> str:
    toc = "".join(f'<a href="#{s.anchor}">{escape(s.title)}</a>' for s in document.sections)
    body = "\n".join(_section(s) for s in document.sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="fairspec {escape(_fairspec_version())}">\n'
        f"<title>{escape(document.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<header class="page"><h1>{escape(document.title)}</h1>\n'
        f'<p class="subtitle">{escape(document.subtitle)}</p>\n<nav class="toc">{toc}</nav></header>\n'
        f"<main>\n{body}\n</main>\n"
        f'<footer class="page">Made by fairspec {escape(_fairspec_version())} from the run folder and '
        "its audit record. This page is self-contained: it loads no script, font or file.</footer>\n"
        "</body>\n</html>\n")


def _fairspec_version() -> str:
    try:
        return version("fairspec")
    except PackageNotFoundError:
        return "unknown"


def _section(section: Section) -> str:
    inner = "\n".join(_block(b) for b in section.blocks)
    return f'<section id="{escape(section.anchor)}"><h2>{escape(section.title)}</h2>\n{inner}\n</section>'


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_text(block.text)}</p>"
    if isinstance(block, Bullets):
        title = f'<p class="label">{escape(block.title)}</p>' if block.title else ""
        return title + '<ul class="notes">' + "".join(f"<li>{_text(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Callout):
        return f'<div class="callout {block.tone}">{escape(block.text)}</div>'
    if isinstance(block, Facts):
        return '<dl class="facts">' + "".join(f"<dt>{escape(label)}</dt><dd>{_text(value)}</dd>"
                                              for label, value in block.items) + "</dl>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Code):
        return f'<pre><code class="language-{escape(block.language)}">{escape(block.text)}</code></pre>'
    if isinstance(block, Figure):
        return f'<figure>{block.svg}<figcaption>{escape(block.caption)}</figcaption></figure>'
    if isinstance(block, Subsection):
        subtitle = f'<p class="subtitle">{escape(block.subtitle)}</p>' if block.subtitle else ""
        inner = "\n".join(_block(b) for b in block.blocks)
        return f'<div class="sub" id="{escape(block.anchor)}"><h3>{escape(block.title)}</h3>{subtitle}\n{inner}</div>'
    raise TypeError(f"no HTML rendering for {type(block).__name__}")


def _table(table: Table) -> str:
    numeric = table.numeric or (False,) * len(table.columns)
    head = "".join(f'<th{_num(n)} scope="col">{escape(c)}</th>' for c, n in zip(table.columns, numeric))
    rows = "".join("<tr>" + "".join(f"<td{_num(n)}>{_text(cell)}</td>" for cell, n in zip(row, numeric))
                   + "</tr>" for row in table.rows)
    caption = f'<p class="caption">{escape(table.caption)}</p>' if table.caption else ""
    return (f'<div class="table"><div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>{caption}</div>")


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _text(text: Text) -> str:
    if not isinstance(text, Cell):
        return escape(text)
    inner = f'<code>{escape(text.text)}</code>' if text.mono else escape(text.text)
    return f'<span class="tone-{text.tone}">{inner}</span>' if text.tone else inner
