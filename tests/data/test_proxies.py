"""Proxy detection: the AUC against scikit-learn's, and the reports on Adult and on noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from fairspec.data.proxies import feature_buckets, find_proxies, proxy_auc
from fairspec.data.spec import Partition


@pytest.mark.parametrize("n_groups", [2, 3, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_auc_matches_sklearn_on_the_bucket_share_score(n_groups, seed):
    rng = np.random.default_rng(seed)
    buckets = rng.integers(0, 7, 2_000)
    groups = (buckets + rng.integers(0, 3, 2_000)) % n_groups
    table = np.zeros((7, n_groups), dtype=np.int64)
    np.add.at(table, (buckets, groups), 1)
    share = table / table.sum(axis=1, keepdims=True)
    expected = np.mean([roc_auc_score(groups == g, share[buckets, g]) for g in range(n_groups)])
    assert proxy_auc(table) == pytest.approx(expected, abs=1e-12)


def test_relationship_reveals_sex_on_adult(adult_test):
    reports = {(r.feature, r.attribute): r for r in adult_test.proxies}
    report = reports[("relationship", "sex")]
    assert report.auc > 0.85
    assert "relationship=Husband" in report.detail and "relationship=Wife" in report.detail
    assert "Male" in report.detail and "Female" in report.detail


def test_relationship_auc_agrees_with_sklearn_on_adult(adult_test, adult_clean):
    train = adult_clean[0]
    is_female = train["sex"] == "Female"
    share = is_female.groupby(train["relationship"]).transform("mean")
    report = next(r for r in adult_test.proxies if r.feature == "relationship")
    assert report.auc == pytest.approx(roc_auc_score(is_female, share), abs=1e-12)


def test_noise_and_identifiers_are_not_proxies():
    rng = np.random.default_rng(3)
    n_rows = 3_000
    group = rng.integers(0, 2, n_rows)
    frame = pd.DataFrame({"noise": rng.normal(size=n_rows), "row_id": [f"id{i}" for i in range(n_rows)],
                          "leak": np.where(group == 1, "p", "q")})
    partition = Partition("g", ("a", "b"), group)
    reports = find_proxies(frame, ("noise", "row_id", "leak"), {"g": partition}, {"g": "gcol"})
    assert [r.feature for r in reports] == ["leak"] and reports[0].auc == 1.0


def test_numeric_features_are_cut_at_deciles():
    codes, names = feature_buckets(pd.Series(np.arange(1_000, dtype=float)))
    assert len(names) == 10 and np.bincount(codes).tolist() == [100] * 10
