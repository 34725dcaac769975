"""Render a report `Document` as GitHub-flavoured Markdown.

Text is escaped so that nothing in a policy (a label like `<script>`, a `|` in a note) turns into
markup: HTML's special characters become entities and Markdown's are backslash-escaped. Figures are
embedded as base64 SVG data images, so the file stands alone; every number a figure shows is also
in the table before it, for viewers that do not display data images.
"""

from __future__ import annotations

import base64
import re

from fairspec.report.document import (Block, Bullets, Callout, Cell, Code, Document, Facts, Figure,
                                      Paragraph, Section, Subsection, Table, Text)

# Underscores inside a word cannot start emphasis, so `credit_history` stays readable.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# Only a < that could open a tag, comment or autolink, and an & that could begin an entity, mean
# anything to Markdown; `<= 0.05` stays as it is.
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY_START = re.compile(r"&(?=#?\w+;)")
_TONE_WORDS = {"good": "✔", "bad": "✘", "warn": "⚠", "muted": ""}


def escape_markdown(text: str) -> str:
    """`text` as literal Markdown on one line: an entity for a < that would open a tag or an &
    that would start an entity, backslashes before Markdown's other specials and a leading # or >."""
    text = _TAG_START.sub("&lt;", _ENTITY_START.sub("&amp;", " ".join(text.splitlines())))
    text = _MARKDOWN_SPECIALS.sub(r"\\\1", text)
    return "\\" + text if text.startswith(("#", ">")) else text


def code_span(text: str, in_table: bool = False) -> str:
    """`text` as an inline code span, fenced by more backticks than it contains in a row."""
    text = " ".join(text.splitlines())
    if in_table:
        text = text.replace("|", "\\|")   # GFM splits table cells on | even inside code spans
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def render_document_markdown(document: Document) -> str:
    parts = [f"# {escape_markdown(document.title)}", f"*{escape_markdown(document.subtitle)}*"]
    parts += [_section(s) for s in document.sections]
    return "\n\n".join(parts) + "\n"


def _section(section: Section) -> str:
    return "\n\n".join([f"## {escape_markdown(section.title)}", *(_block(b, 3) for b in section.blocks)])


def _block(block: Block, level: int) -> str:
    if isinstance(block, Paragraph):
        return _text(block.text)
    if isinstance(block, Bullets):
        items = "\n".join(f"- {_text(i)}" for i in block.items)
        return f"**{escape_markdown(block.title)}**\n\n{items}" if block.title else items
    if isinstance(block, Callout):
        mark = _TONE_WORDS.get(block.tone, "")
        return f"> **{(mark + ' ') if mark else ''}{escape_markdown(block.text)}**"
    if isinstance(block, Facts):
        return "\n".join(f"- **{escape_markdown(label)}:** {_text(value)}" for label, value in block.items)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Code):
        return _fenced(block.text, block.language)
    if isinstance(block, Figure):
        data = base64.b64encode(block.svg.encode("utf-8")).decode("ascii")
        image = f"![{escape_markdown(block.alt)}](data:image/svg+xml;base64,{data})"
        return f"{image}\n\n*{escape_markdown(block.caption)}*"
    if isinstance(block, Subsection):
        title = f"{'#' * level} {code_span(block.title)}"
        subtitle = [f"*{escape_markdown(block.subtitle)}*"] if block.subtitle else []
        return "\n\n".join([title, *subtitle, *(_block(b, level + 1) for b in block.blocks)])
    raise TypeError(f"no Markdown rendering for {type(block).__name__}")


def _table(table: Table) -> str:
    numeric = table.numeric or (False,) * len(table.columns)
    lines = ["| " + " | ".join(escape_markdown(c) for c in table.columns) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(_text(cell, in_table=True) for cell in row) + " |" for row in table.rows]
    if table.caption:
        lines.append(f"\n*{escape_markdown(table.caption)}*")
    return "\n".join(lines)


def _fenced(text: str, language: str) -> str:
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


def _text(text: Text, in_table: bool = False) -> str:
    if not isinstance(text, Cell):
        return escape_markdown(text)
    inner = code_span(text.text, in_table) if text.mono else escape_markdown(text.text)
    if text.tone in ("good", "bad", "warn"):
        return f"**{inner}**"
    return inner
