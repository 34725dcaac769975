"""Errors and warnings about a policy, with the source position and a hint, rendered like a compiler's.

    specs/x.fair:21:5: error: unknown metric 'demografic_parity'
       21 |     demografic_parity(sex) <= 0.02 hard
          |     ^^^^^^^^^^^^^^^^^
      hint: did you mean 'demographic_parity'?

Checks return `Diagnostic` values; `PolicyError` carries all of a file's diagnostics at once.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Literal

from fairspec.errors import EXIT_INPUT, FairspecError
from fairspec.language.ast import Span


@dataclass(frozen=True)
class Diagnostic:
    severity: Literal["error", "warning"]
    message: str
    span: Span | None = None
    hint: str | None = None
    code: str = ""                 # stable identifier, e.g. "unknown-metric"

    def render(self, source: str, path: str) -> str:
        """`FILE:LINE:COL: severity: message`, the source line with a caret, and the hint."""
        if self.span is None:
            head = f"{path}: {self.severity}: {self.message}"
            return head + (f"\n  hint: {self.hint}" if self.hint else "")
        line_no, col = self.span.line, self.span.column
        head = f"{path}:{line_no}:{col}: {self.severity}: {self.message}"
        lines = source.split("\n")   # Lark counts lines by \n only
        # Tabs shown as one space, so the caret (Lark counts a tab as one column) lines up.
        text = (lines[line_no - 1] if 0 < line_no <= len(lines) else "").replace("\t", " ").rstrip("\r")
        width = (self.span.end_column - col) if self.span.end_line == line_no else len(text) - col + 1
        width = max(1, width)
        gutter = f"{line_no:>5} | "
        caret = " " * (len(gutter) - 2) + "| " + " " * (col - 1) + "^" * width
        out = [head, gutter + text.rstrip("\n"), caret]
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


def error(message: str, span: Span | None, hint: str | None = None, code: str = "") -> Diagnostic:
    return Diagnostic("error", message, span, hint, code)


def warning(message: str, span: Span | None, hint: str | None = None, code: str = "") -> Diagnostic:
    return Diagnostic("warning", message, span, hint, code)


def did_you_mean(word: str, choices: Iterable[str], fallback: str | None = None) -> str | None:
    """A hint naming the closest choice, or listing the choices when none is close."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if fallback is not None:
        return fallback
    if options:
        shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
        return f"expected one of: {shown}"
    return None


class PolicyError(FairspecError):
    """A policy with errors; holds every diagnostic of the file (errors and warnings)."""

    exit_code = EXIT_INPUT

    def __init__(self, diagnostics: list[Diagnostic], source: str, path: str):
        errors = [d for d in diagnostics if d.severity == "error"]
        first = errors[0].message if errors else "invalid policy"
        super().__init__(first)
        self.diagnostics = diagnostics
        self.source = source
        self.path = path

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def render(self) -> str:
        parts = [d.render(self.source, self.path) for d in self.diagnostics]
        n = len(self.errors)
        parts.append(f"{n} error{'s' if n != 1 else ''} in {self.path}")
        return "\n".join(parts)
