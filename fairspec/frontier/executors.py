"""Fit the points of a sweep: in this process, in local worker processes, or on a Ray cluster.

Points are independent, so they run in any order; each fit is deterministic given its request
(the seed travels in it), so every executor yields the same models. Results come back to the
caller's `on_result` in completion order, in the calling process, which writes them down: a sweep
interrupted midway keeps every point already delivered.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Iterable

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


def fit_point(task: PointTask, train: Split) -> PointFit:
    """Fit one point through the backend registry; an infeasible point is an answer, not an error.

    BLAS runs on one thread in every executor: the thread count can change the order of a
    floating-point sum, and with it the last bits of a model, and with one process per core more
    threads only fight over the cores.
    """
    import fairspec.backends  # noqa: F401  (registers the backends in a fresh worker)
    from fairspec.backends.base import backend
    from threadpoolctl import threadpool_limits

    started = time.perf_counter()
    try:
        with threadpool_limits(1):
            result = backend(task.backend).fit(task.request, train)
    except InfeasibleError as exc:
        return PointFit(task.index, "infeasible", None, (), "", time.perf_counter() - started,
                        exc.message)
    return PointFit(task.index, "ok", result.model, tuple(result.terms), result.solver,
                    time.perf_counter() - started)


def run_tasks(tasks: Iterable[PointTask], train: Split, on_result: Callable[[PointFit], None], *,
              jobs: int = 1, executor: str = "local", address: str | None = None) -> None:
    """Fit every task and hand each result to `on_result` as it completes."""
    tasks = list(tasks)
    if not tasks:
        return
    if executor == "ray":
        _run_ray(tasks, train, on_result, address)
    elif executor != "local":
        raise FairspecError(f"unknown executor {executor!r}", hint=f"use one of {', '.join(EXECUTORS)}")
    elif jobs <= 1 or len(tasks) == 1:
        for task in tasks:
            on_result(fit_point(task, train))
    else:
        _run_processes(tasks, train, on_result, jobs)


_WORKER_TRAIN: Split | None = None


def _start_worker(train: Split) -> None:
    """Keep the split for this worker's tasks (sent once per worker, not once per task)."""
    global _WORKER_TRAIN
    _WORKER_TRAIN = train


def _fit_in_worker(task: PointTask) -> PointFit:
    assert _WORKER_TRAIN is not None, "worker started without its split"
    return fit_point(task, _WORKER_TRAIN)


def _run_processes(tasks: list[PointTask], train: Split, on_result: Callable[[PointFit], None],
                   jobs: int) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context,
                             initializer=_start_worker, initargs=(train,)) as pool:
        pending = {pool.submit(_fit_in_worker, task) for task in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    on_result(future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _run_ray(tasks: list[PointTask], train: Split, on_result: Callable[[PointFit], None],
             address: str | None) -> None:
    try:
        import ray
    except ImportError as exc:
        raise FairspecError("--executor ray needs the ray package",
                            hint="pip install 'fairspec[ray]' (or pip install ray)") from exc
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    remote_fit = ray.remote(num_cpus=1)(fit_point)
    train_ref = ray.put(train)
    pending = [remote_fit.remote(task, train_ref) for task in tasks]
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                on_result(ray.get(ref))
    except BaseException:
        for ref in pending:
            ray.cancel(ref)
        raise
