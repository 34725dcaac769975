"""Certified requirements on Adult as the population: fairspec vs seldonian-engine vs fairlearn EG.

The 45,222 Adult rows (train and test files, rows with a missing value dropped) are the
population. Each draw samples n rows from it with replacement (so the rows are exactly i.i.d.
from the population), each method trains on them, and the returned model is measured on all
45,222 rows: its population accuracy and its population metric (0/1 predictions). A violation
is a returned model whose population metric breaks the bound; "no solution found" is not a
violation (the Seldonian convention). Requirement: DP or equal opportunity on sex ≤ 0.05, δ 0.05.

    python -m benchmarks confidence [--draws 20] [--sizes 1000,5000,20000]
                                    [--metrics demographic_parity,equal_opportunity]
                                    [--methods fairspec,seldonian,eg]
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from fairspec.certify import NoSolutionFound, certified_fit
from fairspec.certify.split import subset
from fairspec.compiler import compile_policy
from fairspec.data import prepare
from fairspec.data.spec import Split
from fairspec.language.load import check_text
from fairspec.metrics.evaluate import evaluate

BOUND, DELTA = 0.05, 0.05
POLICY = """policy adult_population "Adult as a population" {
  dataset adult
  target income == ">50K"
  features exclude [fnlwgt]
  holdout test
  seed 7
  protected sex = column sex
  use_in_model sex no
  model logistic
  require certified:
    METRIC(sex) <= 0.05 hard confidence 0.95
}
"""
SELDONIAN_RATE = {"demographic_parity": "PR", "equal_opportunity": "TPR"}


@dataclass
class Tally:
    seconds: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    violations: int = 0
    no_solution: int = 0
    draws: int = 0


def population(program) -> Split:
    data = prepare(program.data)
    train, test = data.train, data.holdout
    partitions = {key: type(p)(p.name, p.labels, np.concatenate([p.codes, test.partitions[key].codes]),
                               p.kind) for key, p in train.partitions.items()}
    return Split("population", np.vstack([train.X, test.X]), np.concatenate([train.y, test.y]),
                 partitions)


def draw(pop: Split, rows: int, seed: int) -> Split:
    picks = np.random.default_rng([seed, 2024]).integers(0, pop.n_rows, rows)
    return subset(pop, picks, "train")


def run_fairspec(program, train: Split, pop: Split):
    fit, _ = certified_fit(program, train)
    return fit.model.predict(pop.X)


def run_eg(metric: str, train: Split, pop: Split, seed: int):
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient, TruePositiveRateParity
    from sklearn.linear_model import LogisticRegression
    moment = (DemographicParity if metric == "demographic_parity" else TruePositiveRateParity)(
        difference_bound=BOUND)
    eg = ExponentiatedGradient(LogisticRegression(solver="liblinear"), moment)
    eg.fit(train.X, train.y, sensitive_features=train.partitions["sex"].codes)
    return eg.predict(pop.X, random_state=seed)


def run_seldonian(metric: str, train: Split, pop: Split, labels: tuple[str, ...]):
    """seldonian-engine 0.8.11 as its tutorials set it up: logistic model, 60 % safety, Adam."""
    from seldonian.dataset import SupervisedDataSet, SupervisedMetaData
    from seldonian.models import objectives
    from seldonian.models.models import BinaryLogisticRegressionModel
    from seldonian.parse_tree.parse_tree import make_parse_trees_from_constraints
    from seldonian.seldonian_algorithm import SeldonianAlgorithm
    from seldonian.spec import SupervisedSpec
    from seldonian.utils.stats_utils import default_supervised_initial_solution_fn

    names = [label.replace(" ", "_") for label in labels]
    codes = train.partitions["sex"].codes
    sensitive = np.column_stack([(codes == g).astype(int) for g in range(len(labels))])
    features = [f"x{i}" for i in range(train.X.shape[1])]
    meta = SupervisedMetaData("classification", features + ["label"] + names, features, ["label"],
                              names)
    dataset = SupervisedDataSet(train.X, train.y.astype(float), sensitive, train.n_rows, meta)
    rate = SELDONIAN_RATE[metric]
    constraint = f"abs(({rate} | [{names[0]}]) - ({rate} | [{names[1]}])) <= {BOUND}"
    trees = make_parse_trees_from_constraints([constraint], [DELTA], regime="supervised_learning",
                                              sub_regime="classification", columns=names)
    model = BinaryLogisticRegressionModel()
    spec = SupervisedSpec(
        dataset=dataset, model=model, parse_trees=trees, sub_regime="classification",
        frac_data_in_safety=0.6, primary_objective=objectives.binary_logistic_loss,
        use_builtin_primary_gradient_fn=True,
        initial_solution_fn=default_supervised_initial_solution_fn,
        optimization_technique="gradient_descent", optimizer="adam",
        optimization_hyperparams={"lambda_init": np.array([0.5]), "alpha_theta": 0.01,
                                  "alpha_lamb": 0.01, "beta_velocity": 0.9, "beta_rmsprop": 0.95,
                                  "use_batches": False, "num_iters": 1000,
                                  "gradient_library": "autograd", "hyper_search": None,
                                  "verbose": False})
    passed, solution = SeldonianAlgorithm(spec).run()
    if not passed:
        raise NoSolutionFound(())
    return (model.predict(solution, pop.X) >= 0.5).astype(int)


def measure(method: str, metric: str, program, train: Split, pop: Split, seed: int, tally: Tally):
    started = time.perf_counter()
    tally.draws += 1
    try:
        if method == "fairspec":
            predicted = run_fairspec(program, train, pop)
        elif method == "eg":
            predicted = run_eg(metric, train, pop, seed)
        else:
            predicted = run_seldonian(metric, train, pop, pop.partitions["sex"].labels)
    except NoSolutionFound:
        tally.no_solution += 1
        tally.seconds.append(time.perf_counter() - started)
        return
    tally.seconds.append(time.perf_counter() - started)
    req = program.requirements[0]
    value = evaluate(req.expression, pop.y, predicted, pop.partitions["sex"]).value
    tally.violations += value > BOUND
    tally.accuracy.append(float(np.mean(predicted == pop.y)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks confidence")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--metrics", default="demographic_parity,equal_opportunity")
    parser.add_argument("--methods", default="fairspec,seldonian,eg")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    sizes = [int(s) for s in args.sizes.split(",")]
    methods = args.methods.split(",")
    print("| metric | n | method | draws | no solution | P(violation) | pop. accuracy | "
          "wall s | time / seldonian |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for metric in args.metrics.split(","):
        program = compile_policy(check_text(POLICY.replace("METRIC", metric))[0])
        pop = population(program)
        for rows in sizes:
            tallies = {method: Tally() for method in methods}
            for index in range(args.draws):
                train = draw(pop, rows, index)
                for method in methods:
                    measure(method, metric, program, train, pop, index, tallies[method])
            for method in methods:
                print(_row(metric, rows, method, tallies), flush=True)
    return 0


def _row(metric: str, rows: int, method: str, tallies: dict[str, Tally]) -> str:
    tally = tallies[method]
    seconds = float(np.mean(tally.seconds))
    reference = tallies.get("seldonian")
    ratio = f"{seconds / np.mean(reference.seconds):.2f}" if reference and reference.seconds else "—"
    accuracy = f"{np.mean(tally.accuracy):.4f}" if tally.accuracy else "—"
    return (f"| {metric} | {rows:,} | {method} | {tally.draws} | {tally.no_solution}/{tally.draws} | "
            f"{tally.violations / tally.draws:.2f} | {accuracy} | {seconds:.2f} | {ratio} |")

