"""What every CLI command shares: the consoles, and the rule that errors render cleanly, never as tracebacks."""

from __future__ import annotations

import json
import math
import os
import sys
import traceback
from functools import wraps

from rich.console import Console

from fairspec.errors import FairspecError


def _piped_width() -> int | None:
    """The width of output that is not a terminal: $COLUMNS when set, else 140."""
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 140


out = Console(highlight=False, soft_wrap=True, emoji=False, width=_piped_width())
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def print_whole(renderable) -> None:
    """Print a table on stdout; where stdout is not a terminal, at the table's own width, so that
    output piped to a file or a pager keeps every cell whole instead of squeezing it to '…'."""
    if sys.stdout.isatty():
        out.print(renderable)
        return
    # a table does not expand, so on an unbounded console it takes exactly its own width
    Console(highlight=False, soft_wrap=True, emoji=False, width=1_000_000).print(renderable)


def fails_cleanly(command):
    """Render fairspec's errors (never a traceback) and exit with their code."""
    @wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except FairspecError as exc:
            err.print(render_error(exc, kwargs.get("policy_file")), markup=False)
            if kwargs.get("as_json"):     # a caller reading stdout gets the failure as JSON too
                _print_json_error(error_json(exc))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted: nothing was published", markup=False)
            sys.exit(130)
        except Exception as exc:  # a bug in fairspec: say so plainly
            if os.environ.get("FAIRSPEC_DEBUG"):
                traceback.print_exc()
            hint = "this is a fairspec bug; rerun with FAIRSPEC_DEBUG=1 and report the traceback"
            err.print(f"internal error: {exc.__class__.__name__}: {exc}\n  hint: {hint}", markup=False)
            if kwargs.get("as_json"):
                _print_json_error({"type": "InternalError", "hint": hint, "exit_code": 70,
                                   "message": f"{exc.__class__.__name__}: {exc}"})
            sys.exit(70)
    return run


def _print_json_error(error: dict) -> None:
    print(json.dumps({"error": error}, indent=2))


def error_json(exc: FairspecError) -> dict:
    """What `--json` prints for a failed command: the error's kind, message, hint and exit code,
    and for infeasible hard requirements the conflicting set with each one's best value (null
    where none was found)."""
    data = {"type": type(exc).__name__, "message": exc.message, "hint": exc.hint,
            "exit_code": exc.exit_code}
    conflicts = getattr(exc, "conflicts", None)
    if conflicts is not None:
        data["conflicts"] = [{"id": c.term_id, "bound": c.bound,
                              "best_value": c.best_value if math.isfinite(c.best_value) else None}
                             for c in conflicts]
    return data


def render_error(exc: FairspecError, policy_file: str | None) -> str:
    """A data error about a named policy element points at that element's line in the policy."""
    subject = getattr(exc, "subject", None)
    if subject and policy_file:
        from fairspec.language import load_policy
        from fairspec.language.diagnostics import Diagnostic
        from fairspec.language.locate import span_of_name
        try:
            policy = load_policy(policy_file)
        except FairspecError:
            return exc.render()
        span = span_of_name(policy, subject)
        if span is not None and policy.origin is not None:
            diagnostic = Diagnostic("error", exc.message, span, exc.hint, code=type(exc).__name__)
            return diagnostic.render(policy.origin.text, policy_file)
    return exc.render()
