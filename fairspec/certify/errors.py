"""`NoSolutionFound`: no model could be certified; names each requirement that fell short and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fairspec.errors import EXIT_INFEASIBLE, FairspecError

if TYPE_CHECKING:
    from fairspec.certify.cells import SmallCell
    from fairspec.certify.certificate import Certificate


@dataclass(frozen=True)
class Shortfall:
    """Why one certified requirement could not be certified.

    `certified_bound` is the safety test's bound (None when the search stopped before the test);
    `more_rows` estimates how many more training rows the test would need at the rates observed
    (None when more rows at those rates cannot help, or when no estimate applies).
    """

    requirement: str
    metric: str
    reason: str
    certified_bound: float | None = None
    more_rows: int | None = None

    def __str__(self) -> str:
        text = f"{self.requirement} ({self.metric}): {self.reason}"
        if self.more_rows is not None:
            text += f"; about {self.more_rows:,} more training rows would be needed at the observed rates"
        return text


class NoSolutionFound(FairspecError):
    """No model of the declared family could be certified; exit code 3.

    Carries the shortfalls, the cells too small to certify (when found before training) and the
    failed certificate (when a safety test ran), so callers can record what was tried.
    """

    exit_code = EXIT_INFEASIBLE

    def __init__(self, shortfalls: tuple[Shortfall, ...], *, small_cells: tuple["SmallCell", ...] = (),
                 certificate: "Certificate | None" = None, hint: str | None = None,
                 notes: tuple[str, ...] = ()) -> None:
        lines = ([str(shortfall) for shortfall in shortfalls] + [str(cell) for cell in small_cells]
                 + list(notes))
        super().__init__("no solution found: " + "\n  ".join(lines),
                         hint=hint or "collect more rows, loosen the bound, lower the confidence, "
                                      "or merge small cells")
        self.shortfalls = shortfalls
        self.small_cells = small_cells
        self.certificate = certificate
        self.notes = notes
