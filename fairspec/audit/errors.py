"""The errors the audit trail raises: a ledger or artifact that fails verification, or bad input.

Verification failures map to `EXIT_TAMPERED` (4); a record that cannot be written or does not fit
its schema is an input error (2).
"""

from __future__ import annotations

from fairspec.errors import EXIT_INPUT, EXIT_TAMPERED, FairspecError


class AuditError(FairspecError):
    """The root of the audit trail's errors."""


class NotCanonicalError(AuditError):
    """A value has no canonical JSON form (NaN, ±Infinity, a non-string key, an unknown type)."""

    exit_code = EXIT_INPUT


class RecordSchemaError(AuditError):
    """A record does not fit the JSON Schema of its kind; `problems` lists every violation."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, problems: tuple[str, ...], *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.problems = problems


class LedgerTamperedError(AuditError):
    """The ledger's chain is broken: a record was edited, removed, reordered or is unreadable."""

    exit_code = EXIT_TAMPERED

    def __init__(self, message: str, first_bad: int | None, *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.first_bad = first_bad


class TornLedgerError(LedgerTamperedError):
    """The ledger's last line has no end: a write was cut off, so nothing may chain onto it."""


class ArtifactTamperedError(AuditError):
    """A saved model differs from what its manifest or the ledger says, or is not a safe format."""

    exit_code = EXIT_TAMPERED


class RunFolderError(AuditError):
    """A run folder cannot be published (e.g. a run with that id already exists)."""

    exit_code = EXIT_INPUT
