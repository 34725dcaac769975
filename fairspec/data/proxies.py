"""Proxy detection: model inputs that on their own reveal a protected attribute (relationship → sex).

For a feature and an attribute, the training rows are bucketed by the feature's value (categories,
or quantile bins of a number); each row is scored by its bucket's share of a group, and the score's
AUC for that group says how well the feature alone ranks the group's members first. Attributes with
more than two groups average the one-vs-rest AUCs. The score is the best any function of the
feature can do on these rows (the Neyman–Pearson ordering), which is why rare categories are pooled:
a category held by a handful of rows would otherwise look perfectly predictive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairspec.data.spec import Partition, ProxyReport
from fairspec.data.text import as_text, is_numeric

DEFAULT_THRESHOLD = 0.8
MIN_BUCKET_ROWS = 30      # rarer categories are pooled into one "(rare)" bucket
NUMERIC_BUCKETS = 10      # a numeric feature with more distinct values is cut at its deciles


def find_proxies(frame: pd.DataFrame, features: tuple[str, ...], attributes: dict[str, Partition],
                 attribute_columns: dict[str, str],
                 threshold: float = DEFAULT_THRESHOLD) -> tuple[ProxyReport, ...]:
    """Every (feature, attribute) pair whose proxy AUC reaches `threshold`, highest AUC first.

    `attributes` are the training partitions of the protected attributes; a feature is not tested
    against the attribute built from its own column.
    """
    reports = []
    for feature in features:
        buckets, names = feature_buckets(frame[feature])
        for name, partition in attributes.items():
            if attribute_columns[name] == feature:
                continue
            table = _contingency(buckets, len(names), partition)
            auc = proxy_auc(table)
            if auc >= threshold:
                detail = _detail(feature, names, table, partition.labels)
                reports.append(ProxyReport(feature, name, auc, detail))
    return tuple(sorted(reports, key=lambda report: -report.auc))


def feature_buckets(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Bucket index per row and the bucket names (values, pooled rare values, or decile bins)."""
    if is_numeric(values) and values.nunique() > NUMERIC_BUCKETS:
        numbers = values.to_numpy(dtype=np.float64)
        edges = np.unique(np.quantile(numbers, np.linspace(0, 1, NUMERIC_BUCKETS + 1)[1:-1]))
        shown = [f"{edge:g}" for edge in edges]
        names = [f"< {shown[0]}"] + [f"[{a}, {b})" for a, b in zip(shown, shown[1:])] + [f">= {shown[-1]}"]
        return np.searchsorted(edges, numbers, side="right"), names
    codes, categories = pd.factorize(as_text(values), sort=True)
    sizes = np.bincount(codes, minlength=len(categories))
    common = sizes >= MIN_BUCKET_ROWS
    if common.all():
        return codes, [str(c) for c in categories]
    names = [str(c) for c in np.asarray(categories)[common]] + ["(rare)"]
    remap = np.where(common, np.cumsum(common) - 1, len(names) - 1)
    return remap[codes], names


def proxy_auc(table: np.ndarray) -> float:
    """Mean one-vs-rest AUC of the bucket share of each group; `table` is buckets × groups counts.

    With two groups both one-vs-rest AUCs are equal, so this is the plain AUC.
    """
    aucs = [_bucket_auc(table[:, g], table.sum(axis=1) - table[:, g]) for g in range(table.shape[1])]
    return float(np.mean([auc for auc in aucs if auc is not None]))


def _bucket_auc(positives: np.ndarray, negatives: np.ndarray) -> float | None:
    """AUC of the score positives/(rows) per bucket, ties counting one half (Mann–Whitney)."""
    n_pos, n_neg = positives.sum(), negatives.sum()
    if n_pos == 0 or n_neg == 0:
        return None
    share = positives / np.maximum(positives + negatives, 1)
    order = np.argsort(share, kind="stable")
    share, positives, negatives = share[order], positives[order], negatives[order]
    distinct, tie_group = np.unique(share, return_inverse=True)
    pos_by_score = np.bincount(tie_group, weights=positives, minlength=len(distinct))
    neg_by_score = np.bincount(tie_group, weights=negatives, minlength=len(distinct))
    neg_below = np.cumsum(neg_by_score) - neg_by_score
    wins = pos_by_score * (neg_below + 0.5 * neg_by_score)
    return float(wins.sum() / (n_pos * n_neg))


def _contingency(buckets: np.ndarray, n_buckets: int, partition: Partition) -> np.ndarray:
    n_groups = len(partition.labels)
    kept = partition.codes >= 0
    flat = buckets[kept] * n_groups + partition.codes[kept]
    return np.bincount(flat, minlength=n_buckets * n_groups).reshape(n_buckets, n_groups)


def _detail(feature: str, names: list[str], table: np.ndarray, labels: tuple[str, ...]) -> str:
    """For the (up to) two groups most concentrated by some bucket, that purest bucket."""
    rows = table.sum(axis=1)
    majority = table.argmax(axis=1)
    share = table.max(axis=1) / np.maximum(rows, 1)
    purest = {}
    for bucket in np.lexsort((-rows, -share)):
        if rows[bucket] > 0:
            purest.setdefault(int(majority[bucket]), int(bucket))
    shown = list(purest.values())[:2]
    return "; ".join(
        f"{feature}={names[b]}: {share[b]:.1%} {labels[majority[b]]} ({int(rows[b]):,} rows)" for b in shown
    )
