"""Saved models that are checked before they are trusted: a manifest, hashes, and safe formats only.

A run folder holds the model file and `manifest.json` (the file's name, sha256 and format, and the
preprocessor as JSON). `verify_artifact` recomputes the hash, opens the file only with readers that
run no code from it, and, given the ledger, checks that a train record lists this very file. Formats
are npz (read with `allow_pickle=False`), safetensors, skops (only allow-listed types) and JSON;
pickle-based formats are refused outright.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from fairspec.audit.canonical import canonical_json, parse_json, to_plain
from fairspec.audit.errors import ArtifactTamperedError, AuditError
from fairspec.audit.ledger import Ledger

MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA = "fairspec.manifest/1"
SAFE_CONTAINERS = ("npz", "safetensors", "skops", "json")
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ArtifactCheck:
    """A verified artifact: the model file, its hash and format, the manifest as verified (read
    once: use it rather than reading the file again), its hash, and the index of the ledger record
    that lists it (None when no ledger was given)."""

    model_path: Path
    sha256: str
    format: str
    manifest: Mapping[str, Any]
    manifest_sha256: str
    record_index: int | None


def sha256_file(path: str | os.PathLike[str]) -> str:
    """sha256 hex of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def container_of(format_name: str) -> str:
    """The safe container a model format is stored in: `linear-npz` → npz, `torch-safetensors` →
    safetensors, and so on. Raises `ArtifactTamperedError` for any other format."""
    for container in SAFE_CONTAINERS:
        if format_name == container or format_name.endswith(f"-{container}"):
            return container
    raise ArtifactTamperedError(f"model format {format_name!r} is not one fairspec loads safely",
                                hint=f"safe containers: {', '.join(SAFE_CONTAINERS)}")


def write_manifest(run_dir: str | os.PathLike[str], model_file: str | os.PathLike[str],
                   format: str, preprocessor_json: Mapping[str, Any] | None,
                   extra: Mapping[str, Any] | None = None, *,
                   trusted_types: Sequence[str] = ()) -> Path:
    """Write `run_dir/manifest.json` (canonical JSON) for a model file inside `run_dir`; return it.

    The model file is checked to be a safe instance of its format first (skops: no types beyond
    skops' defaults and `trusted_types`), so no manifest vouches for a file that `verify_artifact`
    would refuse.
    """
    run_dir = Path(run_dir)
    model_path = run_dir / model_file if not Path(model_file).is_absolute() else Path(model_file)
    try:
        relative = model_path.resolve().relative_to(run_dir.resolve()).as_posix()
    except ValueError:
        raise AuditError(f"model file {model_path} is not inside the run folder {run_dir}"
                         ) from None
    check_safe_format(model_path, format, trusted_types)
    manifest = {"schema": MANIFEST_SCHEMA,
                "model": {"file": relative, "sha256": sha256_file(model_path), "format": format},
                "preprocessor": to_plain(preprocessor_json), "extra": to_plain(dict(extra or {}))}
    path = run_dir / MANIFEST_NAME
    path.write_bytes(canonical_json(manifest) + b"\n")
    return path


def verify_artifact(run_dir: str | os.PathLike[str], ledger: Ledger | None = None,
                    trusted_types: Sequence[str] | Callable[[str], Sequence[str]] = ()
                    ) -> ArtifactCheck:
    """Check a run folder's model against its manifest, its format, and (given) the ledger.

    `trusted_types` are the types a skops file may hold beyond skops' defaults, or a function of
    the model's format that gives them (`fairspec.backends.base.trusted_types`: the reader
    registered for the format knows which of its own internals it loads).

    Raises `ArtifactTamperedError` (exit 4) if the manifest is unreadable, the file's hash differs
    from the manifest's, the file is not a safe instance of its format, or no train record of the
    ledger lists a model with this hash (and, where recorded, this manifest); raises
    `LedgerTamperedError` (exit 4) if the ledger itself does not verify.
    """
    run_dir = Path(run_dir)
    manifest_bytes, manifest = _read_manifest(run_dir / MANIFEST_NAME)
    model_entry = manifest["model"]
    model_path = _inside(run_dir, model_entry["file"])
    if not model_path.is_file():
        raise ArtifactTamperedError(f"the model file {model_path} named by the manifest is missing")
    actual_sha = sha256_file(model_path)
    if actual_sha != model_entry["sha256"]:
        raise ArtifactTamperedError(f"{model_path} was changed: its sha256 is "
                                    f"{actual_sha[:12]}…, the manifest says "
                                    f"{model_entry['sha256'][:12]}…")
    if callable(trusted_types):
        trusted_types = trusted_types(model_entry["format"])
    check_safe_format(model_path, model_entry["format"], trusted_types)
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    record_index = None if ledger is None else _record_listing(ledger, actual_sha, manifest_sha)
    return ArtifactCheck(model_path, actual_sha, model_entry["format"], manifest, manifest_sha,
                         record_index)


def check_safe_format(path: Path, format_name: str, trusted_types: Sequence[str] = ()) -> None:
    """Open `path` as its format's container without running code from it; raise
    `ArtifactTamperedError` if it is not a well-formed, pickle-free instance."""
    container = container_of(format_name)
    try:
        _CONTAINER_CHECKS[container](path, trusted_types)
    except ArtifactTamperedError:
        raise
    except Exception as exc:   # each reader has its own error types; any failure means "refuse"
        raise ArtifactTamperedError(f"{path} is not a readable {container} file: {exc}") from exc


def _check_npz(path: Path, trusted_types: Sequence[str]) -> None:
    with np.load(path, allow_pickle=False) as arrays:   # object arrays raise instead of unpickling
        for name in arrays.files:
            arrays[name]                                 # reading each array is the check


def _check_safetensors(path: Path, trusted_types: Sequence[str]) -> None:
    from safetensors import safe_open

    with safe_open(path, framework="numpy") as tensors:
        for name in tensors.keys():
            tensors.get_tensor(name)                     # reading each tensor is the check


def _check_skops(path: Path, trusted_types: Sequence[str]) -> None:
    import skops.io   # imported here: it pulls in scikit-learn's optional array backends

    untrusted = sorted(set(skops.io.get_untrusted_types(file=path)) - set(trusted_types))
    if untrusted:
        raise ArtifactTamperedError(f"{path} holds types that are not trusted: "
                                    f"{', '.join(untrusted)}",
                                    hint="trust a type only after reading what it runs on load")


def _check_json(path: Path, trusted_types: Sequence[str]) -> None:
    parse_json(path.read_bytes())


_CONTAINER_CHECKS = {"npz": _check_npz, "safetensors": _check_safetensors,
                     "skops": _check_skops, "json": _check_json}


def _read_manifest(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The manifest's bytes and their parse, refused unless it names a model file, hash, format."""
    try:
        content = path.read_bytes()
        manifest = parse_json(content)
        model = manifest["model"]
        if manifest["schema"] != MANIFEST_SCHEMA or not all(
                isinstance(model[key], str) for key in ("file", "sha256", "format")):
            raise ValueError("not a fairspec manifest")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactTamperedError(f"{path} is missing or unreadable: {exc}") from exc
    return content, manifest


def _inside(run_dir: Path, relative: str) -> Path:
    """The manifest's model file, refused if its name leads out of the run folder."""
    name = PurePosixPath(relative)
    if name.is_absolute() or ".." in name.parts:
        raise ArtifactTamperedError("the manifest names a model file outside its run folder: "
                                    f"{relative}")
    return run_dir / name


def _listed_artifact(record: Mapping[str, Any]) -> Mapping[str, Any]:
    if record.get("kind") == "train":
        return (record.get("model") or {}).get("artifact") or {}
    point = (record.get("adopted") or {}).get("point")
    if record.get("kind") in ("select", "adopt") and isinstance(point, Mapping):
        return point.get("model") or {}
    return {}


def _record_listing(ledger: Ledger, model_sha: str, manifest_sha: str) -> int:
    """The index of the last record listing this model (and this manifest, where the record names
    one): a train record's artifact, or the model a select/adopt record installed."""
    listed_with_other_manifest = False
    found = None
    for record in ledger.records():
        artifact = _listed_artifact(record)
        if artifact.get("sha256") != model_sha:
            continue
        if artifact.get("manifest_sha256", manifest_sha) == manifest_sha:
            found = record["index"]
        else:
            listed_with_other_manifest = True
    if found is not None:
        return found
    if listed_with_other_manifest:
        raise ArtifactTamperedError("the manifest was changed: the ledger lists this model with "
                                    "a different manifest (preprocessor or format)")
    raise ArtifactTamperedError(f"no record in {ledger.path} lists a model with sha256 "
                                f"{model_sha[:12]}…", hint="the model was replaced, or its run "
                                "was never recorded in this ledger")
