"""Frontier benchmark: fairspec's ε-constraint sweep against fairlearn GridSearch on UCI Adult.

For demographic parity on `sex` and on `sex × race` (pairwise gap), in one run: fairspec sweeps a
`--points`-point frontier (the policy's logistic model, hard bounds through the cvxpy backend,
`--jobs` worker processes; the default 1 runs the warm-started chains in this process, which
beats spawning workers at this size); fairlearn GridSearch fits `--grid-size` L2 logistic
regressions (scikit-learn, same regularisation: C = 1/(l2·n)) over its Lagrange-multiplier grid. Both sets
of models are then measured on the held-out adult.test rows, and the test hypervolume of each
set's (accuracy, gap) points is taken against one stated reference point.

    python -m benchmarks frontier [--points 20] [--grid-size 20] [--jobs 1] [--ray] [--output F]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "specs" / "adult_frontier.fair"
REFERENCE = {"accuracy": 0.70, "gap": 0.50}      # the test hypervolume's reference point
CASES = ("sex", "sex_race")


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    from fairspec.compiler import compile_policy
    from fairspec.data import prepare
    from fairspec.language import load_policy

    program = compile_policy(load_policy(POLICY))
    data = prepare(program.data)
    _import_both()
    rows, passed = [], True
    for attribute in args.cases.split(","):
        row = _case(program, data, attribute, args)
        rows.append(row)
        passed &= row["accept"]["time"] and row["accept"]["hypervolume"] and row["accept"]["bounds"]
        passed &= row["accept"].get("ray", True)
    _print(rows)
    if args.output:
        Path(args.output).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if passed else 1


def _import_both() -> None:
    """Import both sides' modules before any clock starts: times are of sweeps, not of imports."""
    import fairlearn.reductions  # noqa: F401
    import sklearn.linear_model  # noqa: F401

    import fairspec.backends.convex  # noqa: F401
    import fairspec.frontier.sweep  # noqa: F401


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks frontier", description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--grid-size", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (1: this process)")
    parser.add_argument("--solver", default="lbfgs", help="GridSearch's LogisticRegression solver")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--ray", action="store_true", help="also sweep on a local Ray and compare")
    parser.add_argument("--output", default=None, help="write the results as JSON here")
    return parser.parse_args(argv)


def _case(program, data, attribute: str, args: argparse.Namespace) -> dict:
    case_program = _with_goal(program, attribute)
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        frontier = _sweep(case_program, data, work, args.points, args.jobs, "local")
        fairspec_s = time.perf_counter() - started
        ray_same = _ray_matches(case_program, data, work, args, frontier) if args.ray else None
        fairspec_test = [_test_point(frontier.model(p.index), data, attribute)
                         for p in frontier.points if p.ok]
    started = time.perf_counter()
    predictors = _grid_search(data, attribute, program, args)
    gridsearch_s = time.perf_counter() - started
    grid_test = [_test_point(model, data, attribute) for model in predictors]
    bounded = [p for p in frontier.points if p.plan.bounds]
    row = {
        "case": f"demographic_parity({attribute})", "points": len(frontier.points),
        "feasible": sum(p.ok for p in frontier.points), "grid_models": len(predictors),
        "fairspec_s": fairspec_s, "gridsearch_s": gridsearch_s, "time_ratio": fairspec_s / gridsearch_s,
        "hv_fairspec_test": _hypervolume(fairspec_test), "hv_gridsearch_test": _hypervolume(grid_test),
        "bounds_met_train": sum(bool(p.meets_bounds) for p in bounded if p.ok),
        "bounded_feasible": sum(p.ok for p in bounded), "ray_same": ray_same,
        "fairspec_test": fairspec_test, "gridsearch_test": grid_test,
    }
    row["accept"] = {"time": row["time_ratio"] <= 0.5,
                     "hypervolume": row["hv_fairspec_test"] >= row["hv_gridsearch_test"],
                     "bounds": row["bounds_met_train"] == row["bounded_feasible"]}
    if ray_same is not None:
        row["accept"]["ray"] = ray_same
    return row


def _with_goal(program, attribute: str):
    """The program with one objective: maximize accuracy, minimize demographic_parity(attribute)."""
    from fairspec.compiler.ir import CompiledObjective, Goal

    objective = CompiledObjective(name=f"bench_{attribute}", line=None,
                                  goals=(Goal("maximize", "accuracy", None),
                                         Goal("minimize", "demographic_parity", attribute)),
                                  method="epsilon_constraint", points=20, choose=None)
    return dataclasses.replace(program, objectives=(objective,))


def _sweep(program, data, work: str, points: int, jobs: int, executor: str):
    from fairspec.frontier import run_frontier

    return run_frontier(program, data, out=Path(work) / executor, points=points, jobs=jobs,
                        executor=executor)


def _ray_matches(program, data, work: str, args: argparse.Namespace, local) -> bool:
    import ray

    ray.init(num_cpus=args.jobs, include_dashboard=False, log_to_driver=False)
    try:
        remote = _sweep(program, data, work, args.points, args.jobs, "ray")
    finally:
        ray.shutdown()
    return all(a.values("train") == b.values("train") and a.values("holdout") == b.values("holdout")
               for a, b in zip(local.points, remote.points)) and local.pareto == remote.pareto


def _grid_search(data, attribute: str, program, args: argparse.Namespace) -> list:
    """fairlearn GridSearch's models (every grid point), BLAS on one thread like fairspec's workers."""
    from fairlearn.reductions import DemographicParity, GridSearch
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    train = data.train
    partition = train.partitions[attribute]
    groups = np.array(partition.labels, dtype=object)[partition.codes]
    l2 = float(program.model.params.get("l2", 1.0 / train.n_rows))
    estimator = LogisticRegression(C=1.0 / (l2 * train.n_rows), solver=args.solver, max_iter=1000)
    search = GridSearch(estimator, DemographicParity(), grid_size=args.grid_size)
    with threadpool_limits(1):
        search.fit(train.X, train.y, sensitive_features=groups)
    return list(search.predictors_)


def _test_point(model, data, attribute: str) -> dict[str, float]:
    from fairspec.metrics.catalog import METRICS
    from fairspec.metrics.evaluate import evaluate

    holdout = data.holdout
    y_pred = np.asarray(model.predict(holdout.X)).astype(np.int64)
    gap = evaluate(METRICS["demographic_parity"].expression("pairwise", "binary"), holdout.y, y_pred,
                   holdout.partitions[attribute]).value
    return {"accuracy": float(np.mean(y_pred == holdout.y)), "gap": float(gap),
            "selected": float(np.mean(y_pred))}


def _hypervolume(points: list[dict[str, float]]) -> float:
    from fairspec.frontier.pareto import hypervolume

    costs = np.array([[-p["accuracy"], p["gap"]] for p in points]).reshape(-1, 2)
    return hypervolume(costs, np.array([-REFERENCE["accuracy"], REFERENCE["gap"]]))


def _print(rows: list[dict]) -> None:
    print(f"test hypervolume reference point: accuracy {REFERENCE['accuracy']}, gap {REFERENCE['gap']}")
    header = (f"{'case':<32}{'points':>8}{'fairspec s':>12}{'GridSearch s':>14}{'ratio':>8}"
              f"{'HV fairspec':>13}{'HV GridSearch':>15}{'bounds met':>12}{'ray same':>10}")
    print(header)
    for r in rows:
        print(f"{r['case']:<32}{r['feasible']:>5}/{r['points']:<2}{r['fairspec_s']:>12.1f}"
              f"{r['gridsearch_s']:>14.1f}{r['time_ratio']:>8.2f}{r['hv_fairspec_test']:>13.5f}"
              f"{r['hv_gridsearch_test']:>15.5f}{r['bounds_met_train']:>8}/{r['bounded_feasible']:<3}"
              f"{'—' if r['ray_same'] is None else str(r['ray_same']):>10}")
        verdicts = ", ".join(f"{k} {'ok' if v else 'FAILS'}" for k, v in r["accept"].items())
        print(f"  acceptance: {verdicts}")
