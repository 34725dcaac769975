"""Parts of a train record that the audit trail computes: its result digest and its environment."""

from __future__ import annotations

import importlib.metadata
import platform
from typing import Any, Mapping

from fairspec.audit.canonical import canonical_json, sha256_hex, to_plain
from fairspec.audit.ledger import CHAIN_KEYS

# Keys that differ between two runs of the same policy on the same data with the same seed.
RUN_SPECIFIC_KEYS = ("run", *CHAIN_KEYS, "result_digest")

# Packages whose version can change a result; reported when installed, never imported.
RESULT_PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "cvxpy", "clarabel", "torch",
                   "skops", "safetensors")


def result_digest(record: Mapping[str, Any]) -> str:
    """sha256 hex of the canonical JSON of the deterministic part of a record: everything except
    `run`, `index`, `prev_hash`, `hash`, `result_digest` itself, and `model.artifact`.

    The artifact is left out because its path names the run folder and some containers embed write
    times (skops' zip entries do), so its hash differs between identical runs; the record's own
    hash still covers it. Two runs with equal digests recorded the same policy, data, seed, model
    family and parameters, measurements and environment. Values pass through `to_plain` first, so
    the digest of a record in memory equals that of the record read back from the ledger.
    """
    deterministic = {k: v for k, v in record.items() if k not in RUN_SPECIFIC_KEYS}
    if isinstance(deterministic.get("model"), Mapping):
        deterministic["model"] = {key: value for key, value in deterministic["model"].items()
                                  if key != "artifact"}
    return sha256_hex(canonical_json(to_plain(deterministic)))


def environment_info() -> dict[str, Any]:
    """The `environment` section: fairspec and Python versions, platform, and the installed
    versions of `RESULT_PACKAGES` (read from package metadata, so torch is never imported)."""
    return {
        "fairspec": _version("fairspec") or "unknown",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: version for name in RESULT_PACKAGES
                     if (version := _version(name)) is not None},
    }


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
