"""The cost-sensitive reduction for allow-listed scikit-learn estimators, and safe skops files."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
from sklearn.cluster import KMeans

from fairspec.backends.base import FitRequest, InfeasibleError, ModelSpec, load_model
from fairspec.backends.reductions import SklearnBackend
from fairspec.backends.sklearn_models import UnsafeModelFile
from fairspec.data.spec import Partition, Split
from fairspec.errors import FairspecError
from tests.backends.hard.conftest import hard_term, make_split
from tests.backends.hard.oracle import pairwise_value

HGB = "sklearn.ensemble.HistGradientBoostingClassifier"


@pytest.fixture(scope="module")
def small() -> Split:
    return make_split(600, seed=2)


@pytest.fixture(scope="module")
def hgb_fit(small):
    request = FitRequest(ModelSpec("sklearn", {"max_iter": 10}, HGB),
                         (hard_term("dp", "demographic_parity", "sex", 0.06),), seed=1)
    return request, SklearnBackend().fit(request, small)


def test_hist_gradient_boosting_meets_demographic_parity(small, hgb_fit):
    _, result = hgb_fit
    pred = result.model.predict(small.X)
    assert pairwise_value("demographic_parity", small.y, pred, small.partitions["sex"].codes) <= 0.06
    assert result.terms[0].unconstrained_value > 0.06
    assert result.terms[0].lowering == "cost-sensitive-reduction"


def test_same_seed_same_predictions(small, hgb_fit):
    request, result = hgb_fit
    again = SklearnBackend().fit(request, small)
    assert np.array_equal(again.model.predict_score(small.X), result.model.predict_score(small.X))


def test_skops_round_trip(tmp_path, small, hgb_fit):
    _, result = hgb_fit
    path = result.model.save(tmp_path)
    loaded = load_model(path, "skops")
    assert np.array_equal(loaded.predict(small.X), result.model.predict(small.X))
    assert loaded.shift == result.model.shift


def test_file_with_a_foreign_type_is_refused(tmp_path, train):
    path = tmp_path / "model.skops"
    sio.dump({"estimator": KMeans(n_clusters=2, n_init=1).fit(train.X), "shift": 0.0}, path)
    with pytest.raises(UnsafeModelFile):
        load_model(path, "skops")


@pytest.mark.parametrize("path", ["os.system", "sklearn.cluster.KMeans", None])
def test_estimator_outside_the_allow_list_is_refused(train, path):
    with pytest.raises(FairspecError, match="allow-list"):
        SklearnBackend().fit(FitRequest(ModelSpec("sklearn", {}, path), ()), train)


def test_conflicting_rate_requirements_name_the_minimal_set():
    """With one 0/1 input equal to the group, a model can only pick a decision per group.

    Base rates 0.2 (a) and 0.6 (b): error-rate parity ≤ 0.3 needs different decisions per group,
    demographic parity ≤ 0.5 needs the same one; each holds alone, not both. A loose bound on an
    unrelated attribute takes no part.
    """
    rng = np.random.default_rng(0)
    group = np.repeat([0, 1], 400)
    y = np.r_[rng.random(400) < 0.2, rng.random(400) < 0.6].astype(np.int64)
    other = rng.integers(0, 2, 800)
    split = Split("train", group[:, None].astype(np.float64), y,
                  {"g": Partition("g", ("a", "b"), group), "o": Partition("o", ("p", "q"), other)})
    terms = (hard_term("loose", "demographic_parity", "o", 0.9),
             hard_term("err", "error_rate_parity", "g", 0.3),
             hard_term("dp", "demographic_parity", "g", 0.5))
    request = FitRequest(ModelSpec("sklearn", {}, "sklearn.tree.DecisionTreeClassifier"), terms)
    with pytest.raises(InfeasibleError) as raised:
        SklearnBackend().fit(request, split)
    assert {c.term_id for c in raised.value.conflicts} == {"err", "dp"}
