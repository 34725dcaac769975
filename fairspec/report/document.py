"""The content of a report as plain blocks, so HTML and Markdown say the same things.

All text in blocks is plain, unescaped text: each renderer escapes it for its own format. Only
`Figure.svg` is markup, and it is made by `report.svg`, which escapes the text it draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

Tone = Literal["good", "bad", "warn", "muted"]


@dataclass(frozen=True)
class Cell:
    """A table cell or fact value with emphasis: a tone (verdict colours) and/or fixed-width text."""

    text: str
    tone: Tone | None = None
    mono: bool = False


Text = Union[str, Cell]


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class Bullets:
    items: tuple[Text, ...]
    title: str | None = None


@dataclass(frozen=True)
class Callout:
    """A boxed statement a reader must not miss (an outcome, a missing audit record)."""

    text: str
    tone: Tone


@dataclass(frozen=True)
class Facts:
    """Label → value pairs (a definition list)."""

    items: tuple[tuple[str, Text], ...]


@dataclass(frozen=True)
class Table:
    """A table; `numeric[k]` right-aligns column k."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    caption: str | None = None
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Code:
    text: str
    language: str = ""


@dataclass(frozen=True)
class Figure:
    """An SVG drawing with a caption; `alt` describes it for readers who cannot see it."""

    svg: str
    caption: str
    alt: str


@dataclass(frozen=True)
class Subsection:
    title: str
    anchor: str
    blocks: tuple["Block", ...]
    subtitle: str | None = None


Block = Union[Paragraph, Bullets, Callout, Facts, Table, Code, Figure, Subsection]


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: tuple[Section, ...] = field(default_factory=tuple)


def plain(text: Text) -> str:
    return text.text if isinstance(text, Cell) else text
