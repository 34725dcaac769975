"""Fit the points of a sweep: in this process, in local worker processes, or on a Ray cluster.

The unit of work is a `Chain`: points fitted in order by one worker, each request warm-started
from the state the previous fit returned (the first from the chain's `start`). Chains are
independent, so they run in any order; each fit is deterministic given its request, warm start
and split, and the chains are cut by the caller, not by the executor, so every executor and
worker count yields the same models. Results come back to the caller's `on_result` in the
calling process, which writes them down: a sweep interrupted midway keeps every point already
delivered.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from dataclasses import replace
from typing import Any, Callable, Iterable, Iterator

from fairspec.backends.base import FitRequest, InfeasibleError, TermReport
from fairspec.data.spec import Split
from fairspec.errors import FairspecError

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class PointTask:
    """What a worker needs besides the training split: which backend fits which request."""

    index: int
    backend: str
    request: FitRequest


@dataclass(frozen=True)
class PointFit:
    """A worker's answer: the fitted model and its term reports, or why the point is infeasible."""

    index: int
    status: str                     # "ok" or "infeasible"
    model: Any
    reports: tuple[TermReport, ...]
    solver: str
    seconds: float
    message: str = ""
    state: Any = None               # the backend's state for a later warm start (None: none)


@dataclass(frozen=True)
class Chain:
    """Points fitted in this order by one worker, each warm-started from the last state.

    `start` is the first fit's warm start; `report` the indices whose results go back (the others
    are refitted only to rebuild the state the next ones start from, e.g. on resume).
    """

    tasks: tuple[PointTask, ...]
    start: Any = None
    report: frozenset[int] | None = None       # None: every task


def fit_chain(chain: Chain, train: Split) -> Iterator[PointFit]:
    """Fit the chain's tasks in order, yielding the reported ones as they finish.

    An infeasible point passes on the state it was given.
    """
    state = chain.start
    for task in chain.tasks:
        fit = fit_point(replace(task, request=replace(task.request, warm_start=state)), train)
        state = fit.state if fit.state is not None else state
        if chain.report is None or task.index in chain.report:
            yield fit


def _fit_chain_list(chain: Chain, train: Split) -> list[PointFit]:
    return list(fit_chain(chain, train))


def fit_point(task: PointTask, train: Split) -> PointFit:
    """Fit one point through the backend registry; an infeasible point is an answer, not an error.

    BLAS runs on one thread in every executor: the thread count can change the order of a
    floating-point sum, and with it the last bits of a model, and with one process per core more
    threads only fight over the cores.
    """
    import fairspec.backends  # noqa: F401  (registers the backends in a fresh worker)
    from fairspec.backends.base import backend
    from fairspec.backends.threads import one_thread

    started = time.perf_counter()
    try:
        with one_thread():
            result = backend(task.backend).fit(task.request, train)
    except InfeasibleError as exc:
        return PointFit(task.index, "infeasible", None, (), "", time.perf_counter() - started,
                        exc.message)
    return PointFit(task.index, "ok", result.model, tuple(result.terms), result.solver,
                    time.perf_counter() - started, state=result.state)


def run_chains(chains: Iterable[Chain], train: Split, on_result: Callable[[PointFit], None], *,
               jobs: int = 1, executor: str = "local", address: str | None = None) -> None:
    """Fit every chain and hand each reported result to `on_result` (a chain's in its order).

    With `jobs` ≤ 1, or one chain, the chains run in this process, one after the other.
    """
    chains = [c for c in chains if c.tasks]
    if not chains:
        return
    if executor == "ray":
        _run_ray(chains, train, on_result, address)
    elif executor != "local":
        raise FairspecError(f"unknown executor {executor!r}", hint=f"use one of {', '.join(EXECUTORS)}")
    elif jobs <= 1 or len(chains) == 1:
        for chain in chains:
            for fit in fit_chain(chain, train):
                on_result(fit)
    else:
        _run_processes(chains, train, on_result, jobs)


_WORKER_TRAIN: Split | None = None


def _start_worker(train: Split) -> None:
    """Keep the split for this worker's tasks (sent once per worker, not once per task)."""
    global _WORKER_TRAIN
    _WORKER_TRAIN = train


def _fit_in_worker(chain: Chain) -> list[PointFit]:
    assert _WORKER_TRAIN is not None, "worker started without its split"
    return _fit_chain_list(chain, _WORKER_TRAIN)


def _run_processes(chains: list[Chain], train: Split, on_result: Callable[[PointFit], None],
                   jobs: int) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(chains)), mp_context=context,
                             initializer=_start_worker, initargs=(train,)) as pool:
        pending = {pool.submit(_fit_in_worker, chain) for chain in chains}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    for fit in future.result():
                        on_result(fit)
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _run_ray(chains: list[Chain], train: Split, on_result: Callable[[PointFit], None],
             address: str | None) -> None:
    try:
        import ray
    except ImportError as exc:
        raise FairspecError("--executor ray needs the ray package",
                            hint="pip install 'fairspec[ray]' (or pip install ray)") from exc
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    remote_fit = ray.remote(num_cpus=1)(_fit_chain_list)
    train_ref = ray.put(train)
    pending = [remote_fit.remote(chain, train_ref) for chain in chains]
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                for fit in ray.get(ref):
                    on_result(fit)
    except BaseException:
        for ref in pending:
            ray.cancel(ref)
        raise
