"""FairClassifier follows scikit-learn's conventions: params in __init__, clone, Pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fairspec import FairClassifier
from fairspec.datasets import german

POLICY = """
policy tiny {
  dataset german
  target credit == 1
  protected sex = column personal_status_sex map { "A91": "male", "A92": "female", "A93": "male", "A94": "male" }
  model logistic { l2 = 0.01 }
  require sex_parity: demographic_parity(sex) <= 0.5 monitor
}
"""


@pytest.fixture(scope="module")
def credit():
    frame = german()
    X = frame[["duration", "credit_amount", "installment_rate", "age"]].to_numpy(dtype=float)
    y = np.where(frame["credit"] == 1, "good", "bad")
    return X, y, frame[["personal_status_sex"]]


def test_fits_inside_a_pipeline_and_predicts_the_original_labels(credit):
    X, y, sensitive = credit
    pipe = make_pipeline(StandardScaler(), FairClassifier(policy=POLICY, seed=3))
    pipe.fit(X, y, fairclassifier__sensitive_features=sensitive)
    pred = pipe.predict(X)
    assert set(pred) <= {"good", "bad"}
    proba = pipe.predict_proba(X)
    assert proba.shape == (len(y), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert (pred == "good").mean() > 0.5            # "good" is the larger label: the positive class
    assert (pred == y).mean() > 0.65


def test_clone_keeps_params_and_refits_identically(credit):
    X, y, sensitive = credit
    clf = FairClassifier(policy=POLICY, seed=5)
    assert clf.get_params() == {"policy": POLICY, "seed": 5}
    twin = clone(clf)
    a = clf.fit(X, y, sensitive_features=sensitive).predict_proba(X)
    b = twin.fit(X, y, sensitive_features=sensitive).predict_proba(X)
    assert np.array_equal(a, b)


def test_missing_sensitive_features_is_a_named_error(credit):
    from fairspec.errors import FairspecError

    X, y, _ = credit
    with pytest.raises(FairspecError, match="sensitive_features"):
        FairClassifier(policy=POLICY).fit(X, y)


HARD_POLICY = POLICY.replace("demographic_parity(sex) <= 0.5 monitor", "demographic_parity(sex) <= 0.03 hard")


def test_a_hard_requirement_holds_for_the_pipelines_predictions(credit):
    X, y, sensitive = credit
    pipe = make_pipeline(StandardScaler(), FairClassifier(policy=HARD_POLICY, seed=3))
    pipe.fit(X, y, fairclassifier__sensitive_features=sensitive)
    selected = pipe.predict(X) == "good"
    female = sensitive["personal_status_sex"].isin(["A92", "A95"]).to_numpy()
    gap = abs(selected[female].mean() - selected[~female].mean())
    assert gap <= 0.03 + 1e-12
    report = pipe[-1].fit_result_.terms[0]
    assert report.status == "enforced"
