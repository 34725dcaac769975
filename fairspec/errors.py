"""The root of fairspec's error hierarchy, and the exit code each kind of failure maps to.

Every error that fairspec raises on purpose derives from `FairspecError`; the CLI renders these
and nothing else. Anything else reaching the CLI is a bug in fairspec.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_REQUIREMENT_FAILED = 1   # trained, but a hard requirement does not hold
EXIT_INPUT = 2                # malformed policy or bad data
EXIT_INFEASIBLE = 3           # no model of the declared family meets the hard requirements
EXIT_TAMPERED = 4             # an audit ledger or artifact failed verification


class FairspecError(Exception):
    """An error with a message a user can act on, and an optional hint."""

    exit_code: int = EXIT_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The text the CLI prints: `error: message` and, where known, a hint line."""
        text = f"error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text
