"""A saved model is trusted only if its hash, its format and the ledger all agree."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from fairspec.audit.artifacts import (MANIFEST_NAME, container_of, sha256_file, verify_artifact,
                                      write_manifest)
from fairspec.audit.errors import ArtifactTamperedError, LedgerTamperedError
from fairspec.audit.ledger import Ledger
from fairspec.backends.linear import LinearModel
from fairspec.errors import EXIT_TAMPERED

PREPROCESSOR = {"one_hot": {"sex": ["Female", "Male"]}, "scale": {"age": [38.4, 13.1]}}


def _saved_linear_model(run_dir: Path) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    return LinearModel(coef=np.array([0.5, -1.25, 2.0]), intercept=0.1).save(run_dir)


def _record_artifact(ledger: Ledger, make_record, run_dir: Path, model_path: Path, fmt: str,
                     with_manifest: bool = True) -> int:
    record = make_record()
    record["model"]["artifact"] = {"path": str(model_path), "sha256": sha256_file(model_path),
                                   "format": fmt}
    if with_manifest:
        record["model"]["artifact"]["manifest_sha256"] = sha256_file(run_dir / MANIFEST_NAME)
    return ledger.append(record).index


@pytest.fixture
def recorded_run(tmp_path, make_record):
    """A run folder with a linear model and manifest, listed by the second record of a ledger."""
    run_dir = tmp_path / "runs" / "20261124T103000Z-0badc0de"
    model_path = _saved_linear_model(run_dir)
    write_manifest(run_dir, model_path, "linear-npz", PREPROCESSOR, {"seed": 7})
    ledger = Ledger(tmp_path / "audit.jsonl")
    ledger.append({"kind": "note"})
    _record_artifact(ledger, make_record, run_dir, model_path, "linear-npz")
    return run_dir, model_path, ledger


def test_sha256_file_matches_hashlib_oracle(tmp_path):
    import hashlib

    path = tmp_path / "blob"
    content = bytes(range(256)) * 9000          # several read chunks
    path.write_bytes(content)
    assert sha256_file(path) == hashlib.sha256(content).hexdigest()


def test_manifest_names_file_hash_format_and_preprocessor(recorded_run):
    run_dir, model_path, _ = recorded_run
    manifest = json.loads((run_dir / MANIFEST_NAME).read_text())
    assert manifest["model"] == {"file": "model.npz", "sha256": sha256_file(model_path),
                                 "format": "linear-npz"}
    assert manifest["preprocessor"] == PREPROCESSOR and manifest["extra"] == {"seed": 7}


def test_untouched_artifact_verifies_against_its_record(recorded_run):
    run_dir, model_path, ledger = recorded_run
    check = verify_artifact(run_dir, ledger)
    assert (check.model_path, check.sha256, check.record_index) == (model_path, sha256_file(model_path), 1)
    assert check.manifest["preprocessor"] == PREPROCESSOR
    assert check.manifest_sha256 == sha256_file(run_dir / MANIFEST_NAME)
    assert verify_artifact(run_dir).record_index is None


@pytest.mark.parametrize("offset", [0, 100, -1])
def test_edited_model_byte_is_refused(recorded_run, offset):
    run_dir, model_path, ledger = recorded_run
    content = bytearray(model_path.read_bytes())
    content[offset] ^= 0xFF
    model_path.write_bytes(bytes(content))
    with pytest.raises(ArtifactTamperedError, match="was changed") as refused:
        verify_artifact(run_dir, ledger)
    assert refused.value.exit_code == EXIT_TAMPERED


def test_replaced_model_with_rewritten_manifest_is_refused_by_the_ledger(recorded_run):
    run_dir, model_path, ledger = recorded_run
    LinearModel(coef=np.array([9.0, 9.0, 9.0]), intercept=0.0).save(run_dir)
    write_manifest(run_dir, model_path, "linear-npz", PREPROCESSOR, {"seed": 7})
    verify_artifact(run_dir)                              # consistent with itself...
    with pytest.raises(ArtifactTamperedError, match="no record in"):
        verify_artifact(run_dir, ledger)                  # ...but not what was recorded


def test_rewritten_preprocessor_is_refused_by_the_ledger(recorded_run):
    run_dir, model_path, ledger = recorded_run
    write_manifest(run_dir, model_path, "linear-npz", {"one_hot": {}}, {"seed": 7})
    with pytest.raises(ArtifactTamperedError, match="manifest was changed"):
        verify_artifact(run_dir, ledger)


def test_tampered_ledger_is_refused_before_it_vouches(recorded_run):
    run_dir, _, ledger = recorded_run
    lines = ledger.path.read_bytes().splitlines(keepends=True)
    ledger.path.write_bytes(lines[1])
    with pytest.raises(LedgerTamperedError) as refused:
        verify_artifact(run_dir, ledger)
    assert refused.value.exit_code == EXIT_TAMPERED


@pytest.mark.parametrize("name", ["../outside.npz", "/etc/passwd"])
def test_manifest_pointing_outside_the_run_folder_is_refused(recorded_run, name):
    run_dir, _, _ = recorded_run
    manifest = json.loads((run_dir / MANIFEST_NAME).read_text())
    manifest["model"]["file"] = name
    (run_dir / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactTamperedError, match="outside"):
        verify_artifact(run_dir)


@pytest.mark.parametrize("content", [b"", b"not json", b'{"schema": "other"}'])
def test_unreadable_manifest_is_refused(recorded_run, content):
    run_dir, _, _ = recorded_run
    (run_dir / MANIFEST_NAME).write_bytes(content)
    with pytest.raises(ArtifactTamperedError, match="manifest.json"):
        verify_artifact(run_dir)


def test_missing_model_file_is_refused(recorded_run):
    run_dir, model_path, _ = recorded_run
    model_path.unlink()
    with pytest.raises(ArtifactTamperedError, match="missing"):
        verify_artifact(run_dir)


@pytest.mark.parametrize("fmt", ["pickle", "joblib", "torch-pt", "linear-npz.pkl"])
def test_formats_that_unpickle_are_refused(fmt):
    with pytest.raises(ArtifactTamperedError, match="not one fairspec loads safely"):
        container_of(fmt)


def test_npz_holding_a_pickled_object_is_refused_without_unpickling(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    model_path = run_dir / "model.npz"
    np.savez(model_path, coef=np.array([1.0]), trap=np.array([_Trap()], dtype=object))
    with pytest.raises(ArtifactTamperedError, match="not a readable npz"):
        write_manifest(run_dir, model_path, "linear-npz", None)
    assert not _Trap.unpickled


class _Trap:
    unpickled = False

    def __reduce__(self):
        return (_Trap._spring, ())

    @staticmethod
    def _spring():
        _Trap.unpickled = True
        return _Trap()


def test_pickle_renamed_to_npz_is_refused(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "model.npz").write_bytes(pickle.dumps(_Trap()))
    with pytest.raises(ArtifactTamperedError):
        write_manifest(run_dir, run_dir / "model.npz", "linear-npz", None)
    assert not _Trap.unpickled


def test_safetensors_and_json_models_verify_and_truncation_is_refused(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    save_file({"layer.weight": np.ones((2, 3), dtype=np.float32)}, str(run_dir / "model.safetensors"))
    write_manifest(run_dir, "model.safetensors", "torch-safetensors", PREPROCESSOR)
    assert verify_artifact(run_dir).format == "torch-safetensors"
    (run_dir / "tree.json").write_text('{"split": 3}')
    write_manifest(run_dir, "tree.json", "tree-json", None)
    assert verify_artifact(run_dir).format == "tree-json"

    model = run_dir / "model.safetensors"
    model.write_bytes(model.read_bytes()[:-4])
    with pytest.raises(ArtifactTamperedError, match="not a readable safetensors"):
        write_manifest(run_dir, model, "torch-safetensors", None)


class _HomemadeEstimator:
    """A class skops has never heard of: loading it would run its code, so it must be refused."""

    def __init__(self) -> None:
        self.coef_ = np.ones(2)


def test_skops_model_verifies_with_default_types_and_untrusted_types_are_refused(tmp_path):
    import skops.io
    from sklearn.linear_model import LogisticRegression

    rows = np.random.default_rng(0).normal(size=(40, 3))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    skops.io.dump(LogisticRegression().fit(rows, np.arange(40) % 2), run_dir / "model.skops")
    write_manifest(run_dir, "model.skops", "skops", None)
    assert verify_artifact(run_dir).format == "skops"

    skops.io.dump(_HomemadeEstimator(), run_dir / "model.skops")
    with pytest.raises(ArtifactTamperedError, match="not trusted: .*_HomemadeEstimator"):
        write_manifest(run_dir, "model.skops", "skops", None)
    trusted = [f"{__name__}._HomemadeEstimator"]
    write_manifest(run_dir, "model.skops", "skops", None, trusted_types=trusted)
    with pytest.raises(ArtifactTamperedError, match="not trusted"):
        verify_artifact(run_dir)
    assert verify_artifact(run_dir, trusted_types=trusted).format == "skops"
