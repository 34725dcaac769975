"""The contract between the compiler and the backends that train models.

The compiler turns each requirement of a checked policy into a `Term` (what to enforce, on which
partition, in which mode) and asks a `Backend` to fit a `ModelSpec` under those terms. Backends
register themselves and the lowerings they offer (`register_backend`, `register_lowering`), so a
new backend never touches the language layer or the compiler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, Protocol, runtime_checkable

import numpy as np

from fairspec.data.spec import Split
from fairspec.errors import EXIT_INFEASIBLE, FairspecError
from fairspec.metrics.catalog import Family, Mode, Task
from fairspec.metrics.expressions import Expr

ModelFamily = Literal["logistic", "linear_svm", "least_squares", "mlp", "sklearn"]


@dataclass(frozen=True)
class ModelSpec:
    """The declared model: family, its parameters, and for `sklearn` the allow-listed class path."""

    family: ModelFamily
    params: Mapping[str, Any] = field(default_factory=dict)
    estimator: str | None = None


@dataclass(frozen=True)
class Term:
    """One requirement as a backend sees it.

    `expression` is the metric over rates of `partition` (a key of `Split.partitions`).
    `op`/`bound` are None for a requirement with no bound (e.g. an adversarial one without a target).
    `options` holds mode options such as warmup, confidence or per-group weights.
    """

    id: str
    metric: str
    family: Family
    expression: Expr
    partition: str
    mode: Mode
    op: Literal["<=", ">="] | None = None
    bound: float | None = None
    weight: float | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FitRequest:
    """What to fit. `warm_start` is optional: the `state` a backend returned for a related earlier
    request (e.g. the previous point of a frontier sweep); a backend may use it to start closer to
    the answer and ignores what it does not recognise."""

    model: ModelSpec
    terms: tuple[Term, ...]
    task: Task = "binary"
    seed: int = 0
    warm_start: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TermReport:
    """How a backend handled one term: the lowering it used, its status, and what it cost.

    status: "enforced" (a constraint/penalty/adversary was applied), "not_enforced" (monitor, or no
    lowering yet), "infeasible". `price` is the rise in training loss per unit of tightening.
    """

    id: str
    lowering: str
    status: Literal["enforced", "not_enforced", "infeasible"]
    multiplier: float | None = None
    price: float | None = None
    unconstrained_value: float | None = None
    detail: str = ""


@runtime_checkable
class FittedModel(Protocol):
    """A trained model. Scores are P(y=1) for a binary target, the prediction for regression."""

    format: str                                   # e.g. "linear-npz", "skops", "torch-safetensors"

    def predict_score(self, X: np.ndarray) -> np.ndarray: ...

    def predict(self, X: np.ndarray) -> np.ndarray: ...

    def save(self, directory: Path) -> Path:
        """Write the model into `directory` in a format that runs no code on load; return the file."""
        ...


def scores_and_predictions(model: FittedModel, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(`predict_score(X)`, `predict(X)`), in one pass where the model offers `predict_scored`
    (a linear model's prediction is its score thresholded: one product, not two)."""
    both = getattr(model, "predict_scored", None)
    if both is not None:
        return both(X)
    return model.predict_score(X), model.predict(X)


@dataclass
class FitResult:
    model: FittedModel
    terms: tuple[TermReport, ...]
    backend: str
    solver: str = ""
    seconds: float = 0.0
    log: tuple[str, ...] = ()
    state: Any = None          # optional: what the backend can take back as a later `warm_start`


@dataclass(frozen=True)
class Conflict:
    """One requirement of an infeasible set, with the best value the model family reached."""

    term_id: str
    bound: float
    best_value: float


class InfeasibleError(FairspecError):
    """No model of the declared family meets the hard requirements; names a minimal conflicting set."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, message: str, conflicts: tuple[Conflict, ...], *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.conflicts = conflicts


class Backend(Protocol):
    name: str

    def fit(self, request: FitRequest, train: Split) -> FitResult: ...


@dataclass(frozen=True)
class Lowering:
    """A way a backend enforces a (mode, metric family) pair, as `compile --explain` shows it."""

    backend: str
    mode: Mode
    family: Family
    method: str                      # short name, e.g. "lagrangian-reweighting"
    description: str                 # one sentence: what it does and why it is sound
    executes: bool = True            # False: described, not yet run by this backend


_BACKENDS: dict[str, Callable[[], Backend]] = {}
_LOWERINGS: list[Lowering] = []


def register_backend(name: str, factory: Callable[[], Backend]) -> None:
    _BACKENDS[name] = factory


def register_lowering(lowering: Lowering) -> None:
    _LOWERINGS.append(lowering)


def backend(name: str) -> Backend:
    return _BACKENDS[name]()


def backend_names() -> tuple[str, ...]:
    return tuple(_BACKENDS)


def lowering_for(backend_name: str, mode: Mode, family: Family) -> Lowering | None:
    """The lowering a backend offers for a mode and metric family; the last registered wins."""
    found = [lw for lw in _LOWERINGS if lw.backend == backend_name and lw.mode == mode
             and lw.family == family]
    return found[-1] if found else None


def lowerings() -> tuple[Lowering, ...]:
    return tuple(_LOWERINGS)


_LOADERS: dict[str, Callable[[Path], FittedModel]] = {}
_TRUSTED: dict[str, tuple[str, ...]] = {}


def register_loader(format_name: str, loader: Callable[[Path], FittedModel],
                    trusted_types: tuple[str, ...] = ()) -> None:
    """Register how to read a saved model of `format_name` (without running code from the file),
    and the types inside such files that the format's safe check may trust beyond the container's
    own defaults (skops: an estimator's internal classes, which the loader allow-lists again)."""
    _LOADERS[format_name] = loader
    _TRUSTED[format_name] = tuple(trusted_types)


def trusted_types(format_name: str) -> tuple[str, ...]:
    """The types `register_loader` trusts in files of `format_name` (none for an unknown one)."""
    return _TRUSTED.get(format_name, ())


def load_model(path: Path, format_name: str) -> FittedModel:
    if format_name not in _LOADERS:
        raise FairspecError(f"unknown model format {format_name!r}",
                            hint=f"known formats: {', '.join(sorted(_LOADERS))}")
    return _LOADERS[format_name](Path(path))
