"""Leakage probes: how well fresh classifiers recover a protected attribute from model outputs.

A 0/1 gap can be small while the scores still encode the attribute (solver-notes: DP gap 0.006
with probe AUC 0.76), so adversarial requirements report this after training. The probes are a
logistic regression and a small MLP fitted on one half of the held-out outputs and scored by
ROC AUC (one-vs-rest macro average for more than two groups) on the other half: 0.5 means the
outputs carry no signal about the attribute that these probes can find.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from fairspec.data.spec import Partition


def leakage_probe(scores: np.ndarray, partition: Partition, seed: int = 0) -> dict[str, float]:
    """AUC of a logistic and an MLP probe recovering `partition`'s groups from `scores`.

    `scores`: (n,) predictions or logits, or (n, h) representations, aligned with
    `partition.codes`. Rows with code -1 and groups with fewer than 4 rows are left out.
    Returns {"logistic": auc, "mlp": auc, "auc": the larger, "rows": rows probed}.
    """
    features = np.asarray(scores, dtype=np.float64).reshape(len(partition.codes), -1)
    codes = np.asarray(partition.codes)
    tally = np.bincount(codes[codes >= 0], minlength=len(partition.labels))
    keep = (codes >= 0) & (tally[np.maximum(codes, 0)] >= 4)
    if len(np.unique(codes[keep])) < 2:
        return {"logistic": 0.5, "mlp": 0.5, "auc": 0.5, "rows": float(keep.sum())}
    fit_x, test_x, fit_g, test_g = train_test_split(features[keep], codes[keep], test_size=0.5,
                                                    random_state=seed, stratify=codes[keep])
    scaler = StandardScaler().fit(fit_x)
    fit_x, test_x = scaler.transform(fit_x), scaler.transform(test_x)
    probes = {"logistic": LogisticRegression(max_iter=1000),
              "mlp": MLPClassifier(hidden_layer_sizes=(16,), max_iter=60, n_iter_no_change=5,
                                   random_state=seed)}
    result = {}
    for name, probe in probes.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            probe.fit(fit_x, fit_g)
        result[name] = _auc(test_g, probe.predict_proba(test_x), probe.classes_)
    result["auc"] = max(result["logistic"], result["mlp"])
    result["rows"] = float(keep.sum())
    return result


def _auc(groups: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    if len(classes) == 2:
        return float(roc_auc_score(groups == classes[1], proba[:, 1]))
    return float(roc_auc_score(groups, proba, multi_class="ovr", average="macro", labels=classes))
