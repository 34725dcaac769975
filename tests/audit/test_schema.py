"""Record schemas accept the records the pipeline writes and reject malformed ones; digests and
environment info are deterministic."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys

import pytest
from jsonschema import Draft202012Validator

from fairspec.audit.errors import RecordSchemaError
from fairspec.audit.ledger import Ledger
from fairspec.audit.record import environment_info, result_digest
from fairspec.audit.schema import KINDS, schema_for, schema_problems, validate_record
from fairspec.errors import EXIT_INPUT


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stored", [True, False])
def test_schemas_are_valid_draft_2020_12(kind, stored):
    Draft202012Validator.check_schema(schema_for(kind, stored=stored))


def test_pipeline_record_is_valid_before_and_after_the_ledger(tmp_path, train_record):
    validate_record(train_record, stored=False)
    with pytest.raises(RecordSchemaError, match="index"):
        validate_record(train_record)              # a stored record carries its chain keys
    ledger = Ledger(tmp_path / "audit.jsonl")
    ledger.append(train_record)
    [stored] = ledger.records()
    validate_record(stored)


def _set(record, path, value):
    target = record
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


_DELETE = object()


@pytest.mark.parametrize("path, value, where", [
    (("seed",), _DELETE, "(record)"),
    (("seed",), 1.5, "seed"),
    (("run", "timings", "fit_s"), -1.0, "run.timings.fit_s"),
    (("schema",), "fairspec.audit/2", "schema"),
    (("surprise",), 1, "(record)"),
    (("run", "time"), "2026-11-24 10:30", "run.time"),
    (("run", "id"), "run-1", "run.id"),
    (("policy", "sha256"), "ABC", "policy.sha256"),
    (("data", "groups", "sex", "Female"), -3, "data.groups.sex.Female"),
    (("model", "artifact", "sha256"), "c" * 63, "model.artifact"),
    (("performance", "holdout", "n"), "15060", "performance.holdout.n"),
    (("requirements", 0, "mode"), "strict", "requirements[0].mode"),
    (("requirements", 0, "verdict"), "fails", "requirements[0].holds"),
    (("requirements", 1, "train", "ci"), [0.1], "requirements[1].train.ci"),
    (("requirements", 1, "line"), 0, "requirements[1].line"),
    (("environment", "packages", "numpy"), 2, "environment.packages.numpy"),
])
def test_malformed_train_record_is_rejected_at_the_right_place(train_record, path, value, where):
    broken = copy.deepcopy(train_record)
    _set(broken, path, value)
    problems = schema_problems(broken, stored=False)
    assert any(problem.startswith(f"at {where}:") for problem in problems), problems
    with pytest.raises(RecordSchemaError) as raised:
        validate_record(broken, stored=False)
    assert raised.value.exit_code == EXIT_INPUT and raised.value.problems == problems


def test_artifact_may_be_null_or_name_its_manifest(train_record):
    for artifact in (None, {**train_record["model"]["artifact"], "manifest_sha256": "d" * 64}):
        record = copy.deepcopy(train_record)
        record["model"]["artifact"] = artifact
        validate_record(record, stored=False)


def _decision(kind: str) -> dict:
    return {"schema": "fairspec.audit/1", "kind": kind,
            "run": {"id": "20261124T120000Z-00c0ffee", "time": "2026-11-24T12:00:00Z",
                    "user": "ada", "host": "lab-1",
                    "timings": {"total_s": 0.1, "data_s": 0.0, "fit_s": 0.0, "measure_s": 0.0}},
            "adopted": {"run_id": "20261124T103000Z-0badc0de", "point": {"accuracy": 0.84},
                        "because": "smallest gap at 1% accuracy cost", "who": "ada",
                        "when": "2026-11-24T12:00:00Z"}}


@pytest.mark.parametrize("kind", ["select", "adopt"])
def test_decision_records(kind):
    validate_record(_decision(kind), stored=False)
    broken = _decision(kind)
    del broken["adopted"]["because"]
    assert schema_problems(broken, stored=False) == (
        "at adopted: 'because' is a required property",)


def test_unknown_kind_is_rejected(train_record):
    with pytest.raises(RecordSchemaError, match="unknown audit record kind"):
        validate_record({**train_record, "kind": "deploy"})


def test_result_digest_ignores_run_and_chain_but_not_results(tmp_path, make_record):
    first = make_record(run_id="20261124T103000Z-0badc0de")
    rerun = make_record(run_id="20261125T090000Z-12345678")
    rerun["run"]["user"] = "grace"
    rerun["model"]["artifact"]["sha256"] = "e" * 64     # e.g. a zip entry's write time differs
    assert result_digest(first) == result_digest(rerun) == first["result_digest"]
    assert result_digest(make_record(seed=8)) != result_digest(first)
    assert result_digest(make_record(dp_holdout=0.0413)) != result_digest(first)
    refit = make_record()
    refit["model"]["params"]["l2"] = 0.01
    assert result_digest(refit) != result_digest(first)

    ledger = Ledger(tmp_path / "audit.jsonl")
    ledger.append(first)
    [stored] = ledger.records()
    assert result_digest(stored) == first["result_digest"]


def test_result_digest_is_the_same_for_nan_in_memory_and_null_on_disk(make_record, tmp_path):
    record = make_record()
    record["requirements"][1]["holdout"]["value"] = float("nan")
    ledger = Ledger(tmp_path / "audit.jsonl")
    ledger.append(record)
    [stored] = ledger.records()
    assert stored["requirements"][1]["holdout"]["value"] is None
    assert result_digest(stored) == result_digest(record)


def test_environment_info_reads_versions_without_importing_torch():
    info = environment_info()
    assert {"fairspec", "python", "platform", "packages"} <= info.keys()
    assert {"numpy", "pandas", "scikit-learn", "cvxpy"} <= info["packages"].keys()
    probe = ("import sys; from fairspec.audit.record import environment_info; "
             "before = 'torch' in sys.modules; info = environment_info(); "
             "print('torch' in info['packages'], before, 'torch' in sys.modules)")
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    reported, imported_before, imported_after = output.stdout.split()
    torch_installed = importlib.util.find_spec("torch") is not None
    assert reported == str(torch_installed) and imported_after == imported_before
