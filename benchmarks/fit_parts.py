"""`python -m benchmarks fitparts`: where the time of a hard fit and of its plain fit goes.

`hard`'s `fs_vs_plain` divides a constrained fit by the unconstrained fit of the same model, both
whole `ConvexBackend.fit` calls. Both pay the same fixed costs before any arithmetic: limiting
BLAS to one thread and, for a sparse X, the CSR copy products run on. This suite times those,
the Newton learner's Hessians and evaluations, the threshold scans and the rate Jacobians, by
wrapping them for the duration of a run, and prints the ratio both with and without the fixed costs: the second is what the search
itself costs against a bare Newton fit. `fixed ms` is the plain fit's fixed cost; the thread
limit's restore on leaving the fit is not timed (so fixed costs read slightly low), a Hessian the
Jacobian forms is counted in both, and on a dense X the CSR copy is only the density check.
Times are means over the runs, each call a few microseconds slower for its wrapper, so ratios
here run above `hard`'s, which keeps the fastest of alternating runs.
"""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack, contextmanager
from typing import Callable, Iterator

from benchmarks.hard import _hard_request, load_adult, load_german
from fairspec.backends import products
from fairspec.backends.base import FitRequest, ModelSpec
from fairspec.backends.convex import ConvexBackend, backend, newton
from fairspec.backends.reductions import lagrangian

CASES = ("adult:demographic_parity:sex*race:0.05", "adult:demographic_parity:sex:0.02",
         "german:equalized_odds:sex*race:0.02", "german:demographic_parity:sex:0.02")
FIXED = ("thread limit", "CSR copy")
# (label, owner, attribute): the calls each part of a fit is made of
PARTS = (("thread limit", backend, "one_thread"), ("CSR copy", products, "_hold"),
         ("Hessians", newton.NewtonLearner, "_hessian"),
         ("evaluations", newton.NewtonLearner, "_evaluate"),
         ("threshold scans", lagrangian, "best_threshold"),
         ("Jacobians", newton.NewtonLearner, "rate_jacobian"))


@contextmanager
def _timing(totals: dict[str, list[float]]) -> Iterator[None]:
    """Within the block, every call of each part adds its seconds and a count to `totals`."""
    def timed(label: str, call: Callable) -> Callable:
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                entry = totals.setdefault(label, [0.0, 0])
                entry[0] += time.perf_counter() - started
                entry[1] += 1
        return run

    with ExitStack() as undo:
        for label, owner, name in PARTS:
            original = getattr(owner, name)
            setattr(owner, name, timed(label, original))
            undo.callback(setattr, owner, name, original)
        yield


def _measure(fit: Callable[[], object], repeats: int) -> tuple[float, dict[str, list[float]]]:
    """Mean seconds of `fit` over `repeats` runs after one warm-up, and each part's mean seconds
    and calls per run."""
    fit()
    totals: dict[str, list[float]] = {}
    with _timing(totals):
        started = time.perf_counter()
        for _ in range(repeats):
            fit()
        seconds = (time.perf_counter() - started) / repeats
    return seconds, {k: [s / repeats, n / repeats] for k, (s, n) in totals.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks fitparts", description=__doc__)
    parser.add_argument("cases", nargs="*", default=list(CASES),
                        help="data:metric:groups:bound (groups: sex or sex*race; German's sex*race "
                             "is sex × age)")
    parser.add_argument("--repeats", type=int, default=0,
                        help="runs per fit (default: 5 on Adult, 30 on German)")
    args = parser.parse_args(argv)
    loaded = {}
    print(f"{'case':44s} {'fit ms':>8s} {'plain ms':>8s} {'fixed ms':>8s} {'ratio':>6s} "
          f"{'net ratio':>9s}  parts of the fit, ms (calls)")
    for case in args.cases:
        data, name, groups, bound = case.split(":")
        if data not in loaded:
            loaded[data] = (load_adult if data == "adult" else load_german)()[0]
        train = loaded[data]
        repeats = args.repeats or (5 if data == "adult" else 30)
        request = _hard_request(name, groups, float(bound), "pairwise")
        plain_request = FitRequest(ModelSpec("logistic"), ())
        fair, fair_parts = _measure(lambda: ConvexBackend().fit(request, train), repeats)
        plain, plain_parts = _measure(lambda: ConvexBackend().fit(plain_request, train), repeats)
        fixed = sum(plain_parts.get(label, [0.0])[0] for label in FIXED)
        fair_fixed = sum(fair_parts.get(label, [0.0])[0] for label in FIXED)
        parts = ", ".join(f"{label} {fair_parts[label][0] * 1e3:.1f} ({fair_parts[label][1]:g})"
                          for label, _, _ in PARTS if label in fair_parts)
        print(f"{case:44s} {fair * 1e3:8.1f} {plain * 1e3:8.1f} {fixed * 1e3:8.1f} "
              f"{fair / plain:6.2f} {(fair - fair_fixed) / (plain - fixed):9.2f}  {parts}",
              flush=True)
        print(f"{'':44s} plain fit: " + ", ".join(
            f"{label} {plain_parts[label][0] * 1e3:.1f} ({plain_parts[label][1]:g})"
            for label, _, _ in PARTS if label in plain_parts))
    return 0
