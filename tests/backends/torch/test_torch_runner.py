"""The torch backend end to end on small synthetic data: every mode on every model type."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from fairlearn.metrics import (MetricFrame, demographic_parity_difference, equalized_odds_difference,
                               selection_rate)

from fairspec.audit.artifacts import verify_artifact, write_manifest
from fairspec.backends.base import (FitRequest, InfeasibleError, ModelSpec, backend, load_model,
                                    lowering_for)
from fairspec.backends.torch.fitted import NetworkModel
from fairspec.backends.torch.probe import leakage_probe
from fairspec.errors import FairspecError

FAST = {"epochs": 8, "batch_size": 128, "hidden": [16], "lr": 0.01}
MODELS = ["logistic", "mlp"]


def fit(split, terms, family="mlp", seed=0, **params):
    spec = ModelSpec(family, {**FAST, **params})
    return backend("torch").fit(FitRequest(spec, tuple(terms), seed=seed), split)


def _ratio_of_selection_rates(pred, groups) -> float:
    """min/max of per-group selection rates, 1.0 when nobody is selected (fairspec's convention)."""
    rates = MetricFrame(metrics=selection_rate, y_true=pred, y_pred=pred, sensitive_features=groups).by_group
    return 1.0 if rates.max() == 0 else float(rates.min() / rates.max())


def train_gap(result, split, partition="sex"):
    return demographic_parity_difference(split.y, result.model.predict(split.X),
                                         sensitive_features=split.partitions[partition].codes)


@pytest.mark.parametrize("family", MODELS)
@pytest.mark.parametrize("mode,status,lowering", [
    ("soft", "enforced", "sigmoid-penalty"), ("hard", "enforced", "proxy-lagrangian"),
    ("adversarial", "enforced", "gradient-reversal"), ("monitor", "not_enforced", "measured"),
    ("objective", "not_enforced", "none")])
def test_each_mode_on_each_model(small_split, make_term, family, mode, status, lowering):
    term = make_term(mode=mode, weight=2.0, bound=0.05)
    result = fit(small_split, [term], family)
    report = result.terms[0]
    assert (report.status, report.lowering) == (status, lowering)
    assert isinstance(result.model, NetworkModel) and result.model.hidden == (() if family == "logistic" else (16,))
    if mode == "hard":
        assert train_gap(result, small_split) <= 0.05
    if mode == "adversarial":
        assert "leakage probe" in report.detail


@pytest.mark.parametrize("metric_name,partition,bound,oracle", [
    ("demographic_parity", "sex_race", 0.06, lambda y, p, g: demographic_parity_difference(y, p, sensitive_features=g)),
    ("equalized_odds", "sex", 0.04, lambda y, p, g: equalized_odds_difference(y, p, sensitive_features=g)),
    ("disparate_impact", "sex", 0.8, lambda y, p, g: _ratio_of_selection_rates(p, g)),
])
def test_hard_requirement_holds_on_training_data(small_split, make_term, metric_name, partition,
                                                 bound, oracle):
    result = fit(small_split, [make_term(metric_name, partition, "hard", bound=bound)])
    value = oracle(small_split.y, result.model.predict(small_split.X), small_split.partitions[partition].codes)
    assert value <= bound if metric_name != "disparate_impact" else value >= bound
    assert result.terms[0].multiplier is not None


def test_unreachable_hard_bound_raises_with_the_best_value(small_split, make_term):
    term = make_term("bounded_group_loss", "sex", "hard", bound=0.01)
    with pytest.raises(InfeasibleError) as caught:
        fit(small_split, [term], epochs=3)
    (conflict,) = caught.value.conflicts
    assert conflict.term_id == term.id and conflict.best_value > 0.01


def test_larger_soft_weight_gives_smaller_gap(make_split, make_term):
    split = make_split(n=2000, seed=4, bias=2.0)
    gaps = {}
    for weight in (0.0, 1.0, 4.0):
        term = make_term(mode="soft", weight=weight)
        gaps[weight] = np.mean([train_gap(fit(split, [term], seed=seed), split) for seed in (0, 1)])
    assert gaps[0.0] > gaps[1.0] > gaps[4.0]


def test_per_cell_weights_shift_the_penalty(small_split, make_term):
    labels = small_split.partitions["sex_race"].labels
    heavy = {labels[-1]: 10.0}
    plain = fit(small_split, [make_term(partition="sex_race", weight=1.0)])
    weighted = fit(small_split, [make_term(partition="sex_race", weight=1.0, group_weights=heavy)])
    assert not np.array_equal(plain.model.predict_score(small_split.X),
                              weighted.model.predict_score(small_split.X))


def test_adversary_lowers_leakage(make_split, make_term):
    train, holdout = make_split(n=3000, seed=5, bias=2.0), make_split(n=3000, seed=6, bias=2.0, name="holdout")
    auc = {}
    for weight in (0.0, 5.0):
        term = make_term(mode="adversarial", weight=weight, steps=2, adversary_lr=0.01)
        result = fit(train, [term], epochs=10)
        auc[weight] = leakage_probe(result.model.decision_function(holdout.X), holdout.partitions["sex"])["auc"]
    assert auc[5.0] < auc[0.0] - 0.05


@pytest.mark.parametrize("options", [
    {"source": "representation", "projection": True, "clip": 1.0},
    {"source": "logit_label", "heads": "per_attribute", "steps": 2, "warmup": 1, "ramp": 2},
    {"heads": "per_cell", "group_weights": {"sex1×race2": 3.0}},
])
def test_adversary_options(small_split, make_term, options):
    term = make_term(partition="sex_race", mode="adversarial", weight=1.0, **options)
    result = fit(small_split, [term])
    assert result.terms[0].lowering.startswith("gradient-reversal")
    heads = "sex AUC" in result.terms[0].detail and "race AUC" in result.terms[0].detail
    assert heads == (options.get("heads") == "per_attribute")


def test_representation_adversary_needs_hidden_layers(small_split, make_term):
    with pytest.raises(FairspecError, match="hidden layers"):
        fit(small_split, [make_term(mode="adversarial", weight=1.0, source="representation")], "logistic")


@pytest.mark.parametrize("family", MODELS)
def test_same_seed_same_weights_on_cpu(small_split, make_term, family):
    terms = [make_term(mode="soft", weight=1.0), make_term("equalized_odds", "race", "adversarial", weight=1.0)]
    first, second = (fit(small_split, terms, family, seed=3) for _ in range(2))
    other = fit(small_split, terms, family, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(first.model.weights, second.model.weights))
    assert not np.array_equal(first.model.weights[0], other.model.weights[0])


def test_fit_leaves_global_torch_state_alone(small_split):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    fit(small_split, [])
    assert torch.equal(torch.rand(3), expected) and torch.get_num_threads() == threads


def test_early_stopping_uses_a_validation_slice(small_split):
    result = fit(small_split, [], epochs=60, patience=2)
    assert any("early stop" in line for line in result.log)


def test_safetensors_round_trip(tmp_path, small_split, make_term):
    result = fit(small_split, [make_term(mode="hard", bound=0.05)])
    path = result.model.save(tmp_path)
    # one file holds the whole model: the one the manifest hashes and a safe reader checks
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"] == [path.name]
    write_manifest(tmp_path, path.name, result.model.format, None)
    assert verify_artifact(tmp_path).format == "torch-safetensors"
    loaded = load_model(path, "torch-safetensors")
    assert np.array_equal(loaded.predict_score(small_split.X), result.model.predict_score(small_split.X))
    assert np.array_equal(loaded.predict(small_split.X), result.model.predict(small_split.X))
    assert loaded.threshold_logit == result.model.threshold_logit


def test_registered_lowerings():
    for mode in ("soft", "hard", "adversarial"):
        assert lowering_for("torch", mode, "rate_gap") is not None
    assert lowering_for("torch", "adversarial", "group_loss") is None


_WITHOUT_TORCH = """
import sys
class NoTorch:
    def find_spec(self, name, path, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is not installed")
sys.meta_path.insert(0, NoTorch())
import fairspec.backends.torch
from fairspec.backends.base import backend_names, lowering_for
print("torch" in backend_names(), lowering_for("torch", "hard", "rate_gap") is not None)
"""


def test_the_backend_registers_where_torch_cannot_be_imported():
    out = subprocess.run([sys.executable, "-c", _WITHOUT_TORCH], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_unknown_model_parameter_is_refused(small_split):
    with pytest.raises(FairspecError, match="unknown torch model parameter"):
        fit(small_split, [], hiden=[3])


def test_leakage_probe_on_uninformative_and_informative_scores(small_split):
    sex = small_split.partitions["sex"]
    noise = np.random.default_rng(0).normal(size=sex.codes.shape)
    assert leakage_probe(noise, sex)["auc"] < 0.58
    assert leakage_probe(sex.codes + 0.3 * noise, sex)["auc"] > 0.95


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device visible to torch")
def test_cuda_fit_matches_cpu_closely(small_split, make_term):
    terms = [make_term(mode="soft", weight=1.0)]
    on_gpu, on_cpu = fit(small_split, terms, device="cuda"), fit(small_split, terms, device="cpu")
    assert "cuda" in on_gpu.solver
    agree = np.mean(on_gpu.model.predict(small_split.X) == on_cpu.model.predict(small_split.X))
    assert agree > 0.95


def test_exact_parity_meets_a_bound_of_zero_in_the_torch_scan():
    """Two groups of four rows whose top two each are a cut with selection rates exactly equal:
    a gap of 0 meets `<= 0` (no rounding margin is needed for equal fractions of whole counts)."""
    from fairspec.backends.torch.thresholds import Bound, scan_thresholds
    from fairspec.metrics.catalog import METRICS

    expression = METRICS["demographic_parity"].expression("pairwise")
    logits = np.array([4, 3, -1, -2, 3.5, 2.5, -1.5, -2.5], dtype=float)
    y, codes = np.array([1, 1, 0, 0, 1, 1, 0, 0]), np.array([0, 0, 0, 0, 1, 1, 1, 1])
    result = scan_thresholds(logits, y, [Bound("dp", expression, codes, 2, "<=", 0.0)])
    assert result.feasible and result.values == {"dp": 0.0} and result.accuracy == 1.0


def test_a_model_file_without_its_architecture_is_refused_by_name(tmp_path):
    """A file of the old two-file layout (format 1: arrays only, architecture in model.json) or
    with a malformed architecture is a named error, never a crash."""
    import json

    from safetensors.numpy import save_file

    arrays = {"layers.0.weight": np.ones((1, 3), np.float32), "layers.0.bias": np.zeros(1, np.float32)}
    save_file(arrays, str(tmp_path / "model.safetensors"))
    with pytest.raises(FairspecError, match="holds no architecture") as raised:
        load_model(tmp_path / "model.safetensors", "torch-safetensors")
    assert "train the policy again" in raised.value.hint
    good = {"format": "torch-safetensors", "activation": "relu", "family": "logistic",
            "n_features": 3, "hidden": [], "threshold_logit": 0.0}
    for broken in ({**good, "hidden": 5}, {**good, "threshold_logit": "x"}, {**good, "n_features": 4},
                   {k: v for k, v in good.items() if k != "n_features"}, [1, 2]):
        save_file(arrays, str(tmp_path / "model.safetensors"),
                  metadata={"fairspec.architecture": json.dumps(broken)})
        with pytest.raises(FairspecError, match="is not a torch-safetensors model"):
            load_model(tmp_path / "model.safetensors", "torch-safetensors")
    save_file(arrays, str(tmp_path / "model.safetensors"),
              metadata={"fairspec.architecture": json.dumps(good)})
    assert load_model(tmp_path, "torch-safetensors").predict(np.ones((2, 3))).tolist() == [1, 1]
