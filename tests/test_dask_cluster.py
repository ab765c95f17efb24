"""A real Dask cluster (``dask_cluster`` in conftest.py): what grading on a cluster relies on.

A scheduler and two single-thread worker processes run on 127.0.0.1. Work submitted from a
``distributed.Client`` comes back; two tasks that must run at the same time run on both
workers; when the worker running a long task is killed, the scheduler runs the task again on
the other worker and the client gets exactly one result, unless Dask's
``distributed.scheduler.allowed-failures`` is 0.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from dask_support import DaskCluster, dask_cluster
from distributed import Client, KilledWorker

pytestmark = pytest.mark.dask

WAIT = 60.0  # seconds; generous on two shared cores, never reached when things work


def _wait_for(condition: str, check: Callable[[], object], timeout: float = WAIT) -> None:
    """Poll ``check()`` until true; fail naming ``condition`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {condition}")
        time.sleep(0.05)


def square(value: int) -> tuple[int, int]:
    """The square of ``value`` and the pid of the worker process that computed it."""
    return value * value, os.getpid()


def meet(folder: str, name: str, parties: int) -> int:
    """Wait until ``parties`` tasks have arrived in ``folder``; the worker's pid.

    With one thread per worker, two tasks can only meet when they run on two workers.
    """
    Path(folder, name).touch()
    _wait_for(f"{parties} tasks meet in {folder}", lambda: len(os.listdir(folder)) >= parties)
    return os.getpid()


def long_task(folder: str) -> int:
    """Record a start, wait for the ``release`` file, record the finish; the worker's pid."""
    pid = os.getpid()
    Path(folder, f"start-{pid}").touch()
    _wait_for("the test releases the task", lambda: Path(folder, "release").exists())
    Path(folder, f"finish-{pid}").touch()
    return pid


def _marks(folder: Path, kind: str) -> list[int]:
    return sorted(int(path.name.split("-")[1]) for path in folder.glob(f"{kind}-*"))


def test_a_submitted_function_runs_on_a_worker_process(dask_cluster: DaskCluster) -> None:
    with Client(dask_cluster.address) as client:
        value, pid = client.submit(square, 12).result(timeout=WAIT)
        registered = client.run(os.getpid)
    assert value == 144
    assert pid in dask_cluster.worker_pids.values()
    assert sorted(registered.values()) == sorted(dask_cluster.worker_pids.values())
    assert pid != os.getpid()


def test_tasks_run_on_both_workers(dask_cluster: DaskCluster, tmp_path: Path) -> None:
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    with Client(dask_cluster.address) as client:
        futures = [client.submit(meet, str(meeting), name, 2, pure=False) for name in "ab"]
        pids = client.gather(futures)
    assert sorted(pids) == sorted(dask_cluster.worker_pids.values())


def test_a_killed_worker_task_reruns_on_the_other_worker_once(
    dask_cluster: DaskCluster, tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    with Client(dask_cluster.address) as client:
        future = client.submit(long_task, str(marks), pure=False)
        _wait_for("the task starts", lambda: _marks(marks, "start"))
        (victim,) = _marks(marks, "start")
        os.kill(victim, signal.SIGKILL)
        _wait_for("the task starts again", lambda: len(_marks(marks, "start")) == 2)
        (Path(marks) / "release").touch()
        survivor = future.result(timeout=WAIT)
        workers = client.scheduler_info()["workers"]
    assert victim in dask_cluster.worker_pids.values()
    assert survivor in dask_cluster.worker_pids.values()
    assert survivor != victim
    assert _marks(marks, "start") == sorted([victim, survivor])
    assert _marks(marks, "finish") == [survivor]  # completed exactly once
    assert len(workers) == 1  # the killed worker is gone and no nanny restarted it


def test_allowed_failures_bounds_the_reruns(tmp_path: Path) -> None:
    # With distributed.scheduler.allowed-failures = 0 the first death is final: grading on a
    # cluster needs it at 1 or more (Dask's default is 3).
    marks = tmp_path / "marks"
    marks.mkdir()
    with (
        dask_cluster(tmp_path / "dask", workers=2, allowed_failures=0) as cluster,
        Client(cluster.address) as client,
    ):
        future = client.submit(long_task, str(marks), pure=False)
        _wait_for("the task starts", lambda: _marks(marks, "start"))
        (victim,) = _marks(marks, "start")
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(KilledWorker):
            future.result(timeout=WAIT)
    assert _marks(marks, "start") == [victim]
    assert _marks(marks, "finish") == []
