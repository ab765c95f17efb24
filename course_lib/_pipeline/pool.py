"""Grading on this machine: a pool of worker processes forked from the coordinator.

nbgrader's own start costs seconds (most of it imports): the coordinator has imported it,
so forked workers start at once. Each keeps one :class:`~course_lib._pipeline.autograder.
Autograder` (its kernel template, its private courses) for the whole run. Tasks are handed
out a few at a time, so the coordinator never holds every submission's files at once. A
worker that dies takes its task with it: the pool is started again and the tasks it had
lost are graded again (each is recorded once, by the coordinator).
"""

from __future__ import annotations

import os
import signal
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from multiprocessing import get_context
from typing import Any

from course_lib._pipeline.autograder import Autograder
from course_lib._pipeline.bundle import AssignmentBundle
from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.tasks import GradingResult, GradingTask, WorkerOptions, failed_result
from course_lib._pipeline.workers import redirect_output
from course_lib._sandbox import die_with_parent

__all__ = ["POOL_RESTARTS", "local_results"]

POOL_RESTARTS = 3
"""Times the pool is started again after a worker died, before lost tasks are given up."""

_WORKER: dict[str, Any] = {}


def _init_worker(
    options: WorkerOptions,
    worker_log: str,
    bundles: Mapping[str, AssignmentBundle],
    coordinator: int,
) -> None:
    """Give this worker its Autograder and send its console noise to ``worker_log``; the
    worker ends with the coordinator (killed or not), its kernel template with it."""
    die_with_parent(signal.SIGTERM)
    if os.getppid() != coordinator:  # the coordinator died before this worker could ask
        os._exit(1)
    warnings.simplefilter("ignore")  # nbgrader and SQLAlchemy warnings are logged, not raised
    redirect_output(worker_log)
    _WORKER["autograder"] = Autograder(options)
    _WORKER["bundles"] = bundles


def _grade(task: GradingTask) -> GradingResult:
    autograder: Autograder = _WORKER["autograder"]
    result: GradingResult = autograder.grade(task, _WORKER["bundles"][task.bundle_digest])
    return result


def local_results(
    tasks: Iterable[GradingTask],
    bundles: Mapping[str, AssignmentBundle],
    options: WorkerOptions,
    workers: int,
    worker_log: str,
    fork_guard: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> Iterator[GradingResult]:
    """Grade ``tasks`` in ``workers`` forked processes; yield each result as it comes.

    The workers are forked inside ``fork_guard()`` (the recorder's pause: no other thread of
    this process may hold a lock when it forks)."""
    context = get_context("fork")
    window = 2 * workers
    waiting: deque[GradingTask] = deque()
    source = iter(tasks)
    restarts = 0

    def start() -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            workers,
            context,
            initializer=_init_worker,
            initargs=(options, worker_log, bundles, os.getpid()),
        )
        try:
            with fork_guard():
                pool.submit(os.getpid).result()  # a fork pool starts all its workers at once
        except BrokenProcessPool as error:
            pool.shutdown(wait=True, cancel_futures=True)
            raise PipelineError(
                f"the grading workers died as they started; their output is in {worker_log}. "
                "Fix what it shows, or try --workers 1 --no-sandbox to narrow it down."
            ) from error
        return pool

    executor = start()
    pending: dict[Future[GradingResult], GradingTask] = {}
    try:
        while True:
            while len(pending) < window:
                task = waiting.popleft() if waiting else next(source, None)
                if task is None:
                    break
                pending[executor.submit(_grade, task)] = task
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            lost: list[GradingTask] = []
            for future in done:
                task = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    lost.append(task)
                except Exception as error:
                    yield failed_result(task, f"{type(error).__name__}: {error}")
            if not lost:
                continue
            # A worker died: every task still in the pool is lost with it.
            lost.extend(pending.values())
            pending.clear()
            executor.shutdown(wait=True, cancel_futures=True)
            restarts += 1
            if restarts > POOL_RESTARTS:
                for task in lost:
                    yield failed_result(task, f"grading workers died {restarts} times")
                lost.clear()
            waiting.extend(lost)
            executor = start()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
