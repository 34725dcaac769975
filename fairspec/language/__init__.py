"""The policy language: grammar → parse tree → typed, checked `Policy`, with located diagnostics.

Imports no solver and no numerical library beyond the metric catalog's plain data.
"""

from fairspec.language.ast import Policy
from fairspec.language.diagnostics import Diagnostic, PolicyError
from fairspec.language.load import check_text, load_policy, load_policy_with_warnings

__all__ = ["Policy", "Diagnostic", "PolicyError", "check_text", "load_policy", "load_policy_with_warnings"]
