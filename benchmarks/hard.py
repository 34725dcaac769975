"""`python -m benchmarks hard`: hard requirements, fairspec against fairlearn EG and GridSearch.

One split and one preprocessing for every method: UCI Adult (adult.data / adult.test, rows with
'?' dropped, fnlwgt dropped, numerics standardised on train, categoricals one-hot, sex and race not
model inputs) and German credit (70/30 stratified split, seed 0). Every method fits a logistic
regression with the same strength (scikit-learn's C = 1). Gaps are pairwise (worst pair of groups)
on train and test; EG's gaps are of its randomized predictions, drawn with a fixed seed.
Peers: `EG` (ExponentiatedGradient at the bound), `GS` (GridSearch at the bound) and `EGm`: EG at
the loosest `difference_bound` (0.75, 0.5, 0.35 or 0.25 × the bound) whose realised pairwise gap
on train meets the bound, so that its accuracy is compared at the gap fairspec must meet.
fairspec runs twice: `fs` holds the pairwise gap to the bound (fairspec's default), `fsO` holds
each group against the overall rate (`vs overall`), the very constraint EG and GS are given, so
that its accuracy and gaps compare with EG's at the same declared requirement. Its gap columns
are pairwise like every other, so they may exceed the bound: each group within b of the overall
rate allows a pairwise gap up to b / (the larger group's share) on two groups.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient, GridSearch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from fairspec.backends.base import FitRequest, InfeasibleError, ModelSpec, Term
from fairspec.backends.convex import ConvexBackend
from fairspec.data.spec import Partition, Split
from fairspec.metrics.catalog import metric

BUNDLED = Path(__file__).resolve().parent.parent / "fairspec" / "data" / "bundled"
ADULT = ("age workclass fnlwgt education education_num marital_status occupation relationship race "
         "sex capital_gain capital_loss hours_per_week native_country income").split()
PEERS = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}


def _encode(train: pd.DataFrame, test: pd.DataFrame, features: list[str]):
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(train[c])]
    categorical = [c for c in features if c not in numeric]
    both = pd.concat([train[features], test[features]])
    dummies = pd.get_dummies(both[categorical].astype(str)).astype(float).to_numpy()
    scaled = ((both[numeric] - train[numeric].mean()) / train[numeric].std()).to_numpy(float)
    X = np.hstack([scaled, dummies])
    return X[: len(train)], X[len(train):]


def _partitions(frame: pd.DataFrame, attributes: dict[str, list[str]], labels_from: pd.DataFrame):
    parts = {}
    for name, columns in attributes.items():
        values = frame[columns].astype(str).agg("|".join, axis=1)
        labels = tuple(sorted(labels_from[columns].astype(str).agg("|".join, axis=1).unique()))
        codes = np.array([labels.index(v) if v in labels else -1 for v in values])
        parts[name] = Partition(name, labels, codes)
    return parts


def load_adult() -> tuple[Split, Split]:
    read = dict(names=ADULT, sep=r",\s*", engine="python", na_values="?")
    train = pd.read_csv(BUNDLED / "adult.data.gz", **read).dropna()
    test = pd.read_csv(BUNDLED / "adult.test.gz", skiprows=1, **read).dropna()
    features = [c for c in ADULT if c not in ("fnlwgt", "income", "sex", "race")]
    X_train, X_test = _encode(train, test, features)
    attributes = {"sex": ["sex"], "sex*race": ["sex", "race"]}
    return tuple(Split(name, X, frame.income.str.startswith(">50K").to_numpy().astype(np.int64),
                       _partitions(frame, attributes, train))
                 for name, X, frame in (("train", X_train, train), ("test", X_test, test)))  # type: ignore[return-value]


def load_german() -> tuple[Split, Split]:
    columns = [f"a{i}" for i in range(20)] + ["credit"]
    frame = pd.read_csv(BUNDLED / "german.data.gz", sep=" ", names=columns)
    frame["sex"] = np.where(frame.a8.isin(["A92", "A95"]), "female", "male")
    frame["age"] = np.where(frame.a12 <= 25, "young", "old")
    train, test = train_test_split(frame, test_size=0.3, random_state=0, stratify=frame.credit)
    features = [c for c in columns[:-1] if c != "a8"]
    X_train, X_test = _encode(train, test, features)
    attributes = {"sex": ["sex"], "sex*race": ["sex", "age"]}     # German has no race: sex × age
    return tuple(Split(name, X, (frame.credit == 1).to_numpy().astype(np.int64),
                       _partitions(frame, attributes, train))
                 for name, X, frame in (("train", X_train, train), ("test", X_test, test)))  # type: ignore[return-value]


def pairwise_gap(name: str, y: np.ndarray, pred: np.ndarray, codes: np.ndarray) -> float:
    conditions = [np.ones_like(y, bool)] if name == "demographic_parity" else [y == 1, y == 0]
    gaps = []
    for condition in conditions:
        rates = [pred[(codes == g) & condition].mean() for g in np.unique(codes[codes >= 0])
                 if np.any((codes == g) & condition)]
        gaps.append(max(rates) - min(rates))
    return max(gaps)


def _timed(fit):
    start = time.perf_counter()
    result = fit()
    return result, time.perf_counter() - start


# The constrained and the plain fit run alternately, at least RUNS times each and until each side's
# runs add up to TIMING_BUDGET seconds (at most MAX_RUNS): a German fit takes 4–30 ms, and on a
# shared machine the fastest of three constrained runs followed by three plain ones moved the
# ratio 20–40 % between runs of the benchmark; alternating puts both sides under the same load.
# Adult's fits (0.1–0.8 s) stop at three.
RUNS = 3
TIMING_BUDGET = 0.3
MAX_RUNS = 30


def _fastest_alternating(first, second) -> tuple[float, float]:
    """The least wall time of each of two fits (the same deterministic work each call), run
    alternately: at least RUNS calls each, more while either side's add up to less than
    TIMING_BUDGET seconds."""
    times: tuple[list[float], list[float]] = ([], [])
    while len(times[0]) < RUNS or (min(map(sum, times)) < TIMING_BUDGET
                                   and len(times[0]) < MAX_RUNS):
        for fit, kept in zip((first, second), times):
            kept.append(_timed(fit)[1])
    return min(times[0]), min(times[1])


def run_case(data: str, train: Split, test: Split, name: str, attribute: str, bound: float,
             peers: list[str]) -> dict:
    row = {"data": data, "metric": name, "groups": attribute, "bound": bound}
    for prefix, reference in (("fs", "pairwise"), ("fsO", "overall")):
        row.update(_fairspec_fit(prefix, reference, name, attribute, bound, train, test))
    # like statistics on both sides, measured side by side so that a machine busier at one moment
    # than another moves both: the fastest of alternating runs of the same deterministic fits
    if "fs_s" in row:
        constrained = _hard_request(name, attribute, bound, "pairwise")
        plain = FitRequest(ModelSpec("logistic"), ())
        fastest, fastest_plain = _fastest_alternating(
            lambda: ConvexBackend().fit(constrained, train),
            lambda: ConvexBackend().fit(plain, train))
        row["fs_vs_plain"] = min(fastest, row["fs_s"]) / fastest_plain
    for peer in peers:
        # EGm: EG at the loosest difference_bound whose pairwise train gap meets the bound
        for factor in (MATCH_FACTORS if peer == "EGm" else (1.0,)):
            seconds, accuracy, gap_train, gap_test, used = _peer_fit(peer, name, attribute,
                                                                     bound * factor, train, test)
            if gap_train <= bound:
                break
        row.update({f"{peer}_s": seconds, f"{peer}_acc": accuracy, f"{peer}_train": gap_train,
                    f"{peer}_test": gap_test})
        if peer == "EGm":
            row["EGm_bound"] = used
    return row


def _hard_request(name: str, attribute: str, bound: float, reference: str) -> FitRequest:
    info = metric(name)
    term = Term("req", name, info.family, info.expression(reference), attribute, "hard", "<=", bound)
    return FitRequest(ModelSpec("logistic"), (term,))


def _fairspec_fit(prefix: str, reference: str, name: str, attribute: str, bound: float,
                  train: Split, test: Split) -> dict:
    """Time, test accuracy and pairwise train/test gaps of fairspec's hard fit of `name` at
    `bound`, each group against the worst other (`pairwise`) or against everyone (`overall`,
    fairlearn's own constraint), as columns named `prefix`_...; `prefix`_s is the first fit's
    time, as the peers' are timed."""
    request = _hard_request(name, attribute, bound, reference)
    try:
        result, seconds = _timed(lambda: ConvexBackend().fit(request, train))
    except InfeasibleError as error:
        return {f"{prefix}_note": error.message}
    model = result.model
    row = {f"{prefix}_s": seconds, f"{prefix}_acc": float(np.mean(model.predict(test.X) == test.y)),
           f"{prefix}_train": pairwise_gap(name, train.y, model.predict(train.X),
                                           train.partitions[attribute].codes),
           f"{prefix}_test": pairwise_gap(name, test.y, model.predict(test.X),
                                          test.partitions[attribute].codes)}
    return row


# EGm tries these multiples of the bound as difference_bound, loosest first (its time is the
# one fit it reports, not the search for it).
MATCH_FACTORS = (0.75, 0.5, 0.35, 0.25)


def _peer_fit(peer: str, name: str, attribute: str, bound: float, train: Split, test: Split):
    """(seconds, test accuracy, pairwise train gap, pairwise test gap, bound) of one peer fit."""
    sensitive = train.partitions[attribute].codes
    learner = LogisticRegression(solver="liblinear")
    constraint = PEERS[name](difference_bound=bound)
    method = (GridSearch(learner, constraint, grid_size=41 if attribute == "sex" else 10)
              if peer == "GS" else ExponentiatedGradient(learner, constraint))
    _, seconds = _timed(lambda: method.fit(train.X, train.y, sensitive_features=sensitive))
    kwargs = {} if peer == "GS" else {"random_state": 0}
    pred_train, pred_test = method.predict(train.X, **kwargs), method.predict(test.X, **kwargs)
    return (seconds, float(np.mean(pred_test == test.y)),
            pairwise_gap(name, train.y, pred_train, sensitive),
            pairwise_gap(name, test.y, pred_test, test.partitions[attribute].codes), bound)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks hard")
    parser.add_argument("--data", nargs="+", default=["adult", "german"])
    parser.add_argument("--bounds", nargs="+", type=float, default=[0.01, 0.02, 0.05])
    parser.add_argument("--metrics", nargs="+", default=list(PEERS))
    parser.add_argument("--groups", nargs="+", default=["sex", "sex*race"])
    parser.add_argument("--peers", nargs="+", default=["EG", "GS"])
    parser.add_argument("--digits", type=int, default=3, help="decimals printed")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    rows = []
    for data in args.data:
        train, test = load_adult() if data == "adult" else load_german()
        # one untimed fit first, so that first-call costs (imports, caches) land in no time
        ConvexBackend().fit(FitRequest(ModelSpec("logistic"), ()), train)
        for name in args.metrics:
            for attribute in args.groups:
                for bound in args.bounds:
                    rows.append(run_case(data, train, test, name, attribute, bound, args.peers))
                    print(".", end="", flush=True)
    print()
    table = pd.DataFrame(rows)
    for peer in args.peers:
        if "fs_s" in table and f"{peer}_s" in table:
            table[f"time fs/{peer}"] = table["fs_s"] / table[f"{peer}_s"]
    if "fsO_s" in table and "EG_s" in table:
        table["time fsO/EG"] = table["fsO_s"] / table["EG_s"]
    with pd.option_context("display.width", 250, "display.max_columns", 40,
                           "display.float_format", f"{{:.{args.digits}f}}".format):
        print(table.to_string(index=False))
    return 0
