"""Read, parse and check a policy file: the language layer's one entry point."""

from __future__ import annotations

from pathlib import Path

from fairspec.errors import FairspecError
from fairspec.language.ast import Policy
from fairspec.language.checker import check
from fairspec.language.diagnostics import Diagnostic, PolicyError
from fairspec.language.parser import parse


def check_text(text: str, path: str = "<policy>") -> tuple[Policy, list[Diagnostic]]:
    """Parse and check; raise `PolicyError` with every error of the file, else return the warnings."""
    policy, diagnostics = parse(text, path)
    policy, found = check(policy)
    diagnostics = diagnostics + found
    diagnostics.sort(key=lambda d: (d.span.line, d.span.column) if d.span else (0, 0))
    if any(d.severity == "error" for d in diagnostics):
        raise PolicyError(diagnostics, text, path)
    return policy, diagnostics


def read_policy_text(path: str | Path) -> str:
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FairspecError(f"no policy file at {file}", hint="check the path; policies end in .fair") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise FairspecError(f"cannot read policy {file}: {exc.__class__.__name__}") from None


def load_policy_with_warnings(path: str | Path) -> tuple[Policy, list[Diagnostic]]:
    return check_text(read_policy_text(path), str(path))


def load_policy(path: str | Path) -> Policy:
    """The checked policy in `path`; raises `PolicyError` (all errors, located) if it has any."""
    return load_policy_with_warnings(path)[0]
