"""Grading on a Dask distributed cluster (``pmcourse grade --scheduler ADDRESS``).

The coordinator connects to an existing scheduler; every worker needs this package (same
version: a task refuses otherwise) and the sandbox's kernel features, nothing shared with the
coordinator. Each assignment's bundle (its release and data files) is scattered once; each
task carries one submission's files and returns its graded folders and scores
(:mod:`course_lib._pipeline.tasks`). A worker grades with the same code as the local pool
(:func:`course_lib._pipeline.autograder.grade_in_this_process`: a kernel template kept for the
worker's life, nbgrader's autograde in a private course, sandboxed and key-blind). Start
workers with one thread each (``dask worker ADDRESS --nthreads 1 --nworkers N``): a worker
process grades one submission at a time.

Each bundle is on every worker, so a dying worker loses no input; a task the scheduler
cancels anyway (every copy of its bundle lost) is sent again with the bundle scattered anew.
Dask runs a task again elsewhere when its worker dies; the coordinator records each
submission once (:class:`course_lib._pipeline.record.Recorder`). A task that still fails
(``KilledWorker`` after ``distributed.scheduler.allowed-failures`` deaths) is reported as not
graded. Only this module imports ``distributed``, and only when a scheduler is given (its functions
carry no type hints: the ``type: ignore`` comments below say so).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import CancelledError
from typing import Any

from distributed import Client, as_completed

from course_lib._pipeline.autograder import grade_in_this_process
from course_lib._pipeline.bundle import AssignmentBundle
from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.tasks import GradingResult, GradingTask, WorkerOptions, failed_result

__all__ = ["CONNECT_TIMEOUT", "RESUBMITS", "cluster_results", "connect"]

RESUBMITS = 3
"""Times a task cancelled by the scheduler (its bundle lost with dead workers) is sent again,
with its bundle scattered anew."""

CONNECT_TIMEOUT = 30.0
"""Seconds to reach the scheduler, and to wait for its first worker."""


def _scatter(client: Client, bundle: AssignmentBundle) -> Any:
    """``bundle`` sent to every worker (a copy on each: one dying loses none of it)."""
    return client.scatter(bundle, broadcast=True, hash=False)  # type: ignore[no-untyped-call]


def connect(address: str) -> Client:
    """A client of the scheduler at ``address`` with at least one worker; PipelineError naming
    the address and the fix otherwise."""
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as error:
        raise PipelineError(
            f"cannot reach the Dask scheduler at {address!r} ({type(error).__name__}: {error}). "
            "Start one (`dask scheduler`) and its workers (`dask worker ADDRESS --nthreads 1`), "
            "check the address, or leave --scheduler out to grade on this machine."
        ) from error
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError as error:
        client.close()  # type: ignore[no-untyped-call]
        raise PipelineError(
            f"the Dask scheduler at {address!r} has no worker after {CONNECT_TIMEOUT:.0f} s. "
            "Start workers with `dask worker ADDRESS --nthreads 1` on the grading machines."
        ) from error
    return client


def cluster_results(
    address: str,
    tasks: Iterable[GradingTask],
    bundles: Mapping[str, AssignmentBundle],
    options: WorkerOptions,
) -> Iterator[GradingResult]:
    """Grade ``tasks`` on the cluster at ``address``; yield each result as it comes (a few
    tasks per worker thread are in flight at a time)."""
    run = uuid.uuid4().hex[:8]
    with connect(address) as client:
        window = 2 * max(1, sum(client.nthreads().values())) + 2
        scattered = {digest: _scatter(client, bundle) for digest, bundle in bundles.items()}
        source = iter(tasks)
        pending: dict[str, GradingTask] = {}
        tries: dict[tuple[str, str], int] = {}
        completed = as_completed(loop=client.loop)  # type: ignore[no-untyped-call]

        def send(task: GradingTask) -> None:
            tries[task.key] = tries.get(task.key, 0) + 1
            key = f"pmcourse-grade-{run}-{tries[task.key]}-{task.assignment}-{task.student}"
            future = client.submit(
                grade_in_this_process,
                task,
                scattered[task.bundle_digest],
                options,
                key=key,
                pure=False,
            )
            pending[key] = task
            completed.add(future)  # type: ignore[no-untyped-call]

        def submit() -> None:
            while len(pending) < window:
                task = next(source, None)
                if task is None:
                    return
                send(task)

        submit()
        for future in completed:
            task = pending.pop(future.key)
            try:
                result = future.result()
            except CancelledError as error:  # its bundle was lost with the workers holding it
                future.release()
                if tries[task.key] <= RESUBMITS:
                    scattered[task.bundle_digest] = _scatter(client, bundles[task.bundle_digest])
                    send(task)
                    continue
                result = failed_result(task, f"on the Dask cluster: cancelled: {error}")
            except Exception as error:  # KilledWorker, a worker without the package, ...
                reason = f"on the Dask cluster: {type(error).__name__}: {error}"
                result = failed_result(task, reason)
            future.release()
            yield result
            submit()
