"""`FairClassifier`: a policy's model and requirements as a scikit-learn estimator.

    clf = FairClassifier(policy="specs/adult.fair")
    clf.fit(X, y, sensitive_features=frame[["sex", "race"]])

X is the model input as it is (already preprocessed, e.g. by earlier Pipeline steps); the policy
supplies the model family, the protected attributes (its map/merge/bins apply to
`sensitive_features`, whose columns are named by attribute or by source column) and the requirements.
The data statements of the policy are not used. The positive class is the larger of the two labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_array, check_is_fitted

from fairspec.data.protected import Partitioner
from fairspec.data.spec import DataSpec, Split
from fairspec.errors import FairspecError


class FairClassifier(ClassifierMixin, BaseEstimator):
    """Fit the policy's model under its requirements; `policy` is a path, policy text or a `Policy`."""

    def __init__(self, policy: Any = None, seed: int | None = None):
        self.policy = policy
        self.seed = seed

    def fit(self, X, y, sensitive_features=None) -> "FairClassifier":
        from fairspec.compiler import compile_policy
        from fairspec.pipeline import fit_program

        program = compile_policy(self._policy(), seed=self.seed)
        X = check_array(X, dtype=np.float64)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise FairspecError(f"FairClassifier needs two classes in y, found {len(self.classes_)}")
        frame = sensitive_frame(sensitive_features, program.data, len(y))
        partitioner = Partitioner.fit(program.data, frame)
        train = Split(name="train", X=X, y=(y == self.classes_[1]).astype(np.int64),
                      partitions=partitioner.partitions(frame))
        self.program_ = program
        self.fit_result_ = fit_program(program, train)
        self.model_ = self.fit_result_.model
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        score = self.model_.predict_score(check_array(X, dtype=np.float64))
        return np.column_stack([1.0 - score, score])

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.classes_[self.model_.predict(check_array(X, dtype=np.float64)).astype(int)]

    def _policy(self):
        from fairspec.language import Policy, check_text, load_policy

        if isinstance(self.policy, Policy):
            return self.policy
        if isinstance(self.policy, (str, Path)) and str(self.policy).endswith(".fair"):
            return load_policy(self.policy)
        if isinstance(self.policy, str):
            return check_text(self.policy, "<FairClassifier policy>")[0]
        raise FairspecError("FairClassifier needs a policy: a .fair path, policy text or a Policy")


def sensitive_frame(sensitive_features, spec: DataSpec, n_rows: int) -> pd.DataFrame:
    """A frame with one column per protected attribute's source column, taken from the user's input."""
    if sensitive_features is None:
        raise FairspecError("fit needs sensitive_features for the policy's protected attributes",
                            hint="pass a DataFrame whose columns are named like the policy's attributes")
    given = pd.DataFrame(sensitive_features).reset_index(drop=True)
    if len(given) != n_rows:
        raise FairspecError(f"sensitive_features has {len(given)} rows, X has {n_rows}")
    columns = {}
    for attr in spec.protected:
        name = attr.column if attr.column in given.columns else attr.name
        if name not in given.columns:
            raise FairspecError(f"sensitive_features has no column for protected attribute '{attr.name}'",
                                hint=f"add a column named '{attr.name}' or '{attr.column}'")
        columns[attr.column] = given[name]
    return pd.DataFrame(columns)
