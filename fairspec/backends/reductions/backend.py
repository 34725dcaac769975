"""The `sklearn` backend: an allow-listed classifier under hard rate requirements.

The rate reduction (`enforce.fit_rate_terms`) refits the estimator on relabelled, reweighted rows
until one fitted estimator, with one threshold on its margin, meets every hard rate term on train.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from fairspec.backends.base import FitRequest, FitResult
from fairspec.backends.reductions.enforce import check_support, fit_rate_terms, split_terms
from fairspec.backends.reductions.estimators import EstimatorLearner, build_estimator
from fairspec.data.spec import Split
from fairspec.errors import FairspecError

LOWERING = "cost-sensitive-reduction"


class SklearnBackend:
    name = "sklearn"

    def fit(self, request: FitRequest, train: Split) -> FitResult:
        """Fit `request.model.estimator` on `train` so that every hard rate term holds there."""
        if request.model.family != "sklearn":
            raise FairspecError(f"the sklearn backend fits model sklearn, not "
                                f"{request.model.family!r}")
        estimator = build_estimator(request.model.estimator, request.model.params, request.seed)
        rate, _, reports = split_terms(request, self.name)
        started = time.perf_counter()
        check_support(rate, train)
        learner = EstimatorLearner(estimator, train.X)
        if rate:
            fitted = fit_rate_terms(lambda: learner, train, rate, method=LOWERING, max_rounds=20)
            model = replace(fitted.chosen.fitted, shift=fitted.chosen.shift)
            reports += fitted.reports
            log = fitted.log
        else:
            model = learner.fit(np.asarray(train.y), np.ones(train.n_rows))
            log = ()
        order = {t.id: i for i, t in enumerate(request.terms)}
        return FitResult(model, tuple(sorted(reports, key=lambda r: order[r.id])), self.name,
                         solver=request.model.estimator or "", seconds=time.perf_counter() - started,
                         log=log)
