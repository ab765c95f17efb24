"""A real Dask distributed cluster for the tests: one scheduler and worker processes.

``dask_cluster`` starts ``dask scheduler`` and ``dask worker`` as separate processes on
127.0.0.1 (random ports, no dashboards, a private Dask config folder), waits until every
worker is registered, yields the scheduler's address with the processes' ids, and stops
them all afterwards, checking that no process of theirs survives.

Workers run without a nanny (``--no-nanny``, one thread each): the worker *is* the process
the test started, so killing it is a real worker death, and the scheduler re-runs its task
elsewhere as long as the task has not been in flight on more than ``allowed-failures``
dying workers (Dask's default 3; beyond that the task errs with ``KilledWorker``). In a
production cluster a nanny restarts a dead worker; the re-run works either way.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from distributed import Client

TESTS = Path(__file__).resolve().parent
DASK = Path(sys.executable).parent / "dask"


@dataclass(frozen=True)
class DaskCluster:
    """A running cluster: the scheduler's address and the pid of each worker by name."""

    address: str
    scheduler_pid: int
    worker_pids: dict[str, int]
    folder: Path

    def logs(self) -> str:
        """The tail of every process's log, for failure messages."""
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-15:]
            parts.append(f"--- {log.name}\n" + "\n".join(lines))
        return "\n".join(parts)


def _environment(folder: Path, allowed_failures: int) -> dict[str, str]:
    """The processes' environment: no user Dask config, the tests folder importable (so
    functions defined in test modules unpickle on the workers)."""
    env = dict(os.environ)
    config = folder / "dask-config"
    config.mkdir(exist_ok=True)
    env["DASK_CONFIG"] = str(config)
    env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(allowed_failures)
    env["PATH"] = f"{DASK.parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    return env


def _start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            command, cwd=log.parent, env=env, stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


def _scheduler_address(
    scheduler_file: Path, process: subprocess.Popen[bytes], timeout: float
) -> str:
    """Wait for the scheduler to write its address to ``scheduler_file``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with code {process.returncode}")
        with suppress(OSError, ValueError, KeyError):
            return str(json.loads(scheduler_file.read_text())["address"])
        time.sleep(0.1)
    raise RuntimeError(f"dask scheduler wrote no address to {scheduler_file} in {timeout:.0f} s")


@contextmanager
def dask_cluster(
    folder: Path, *, workers: int = 2, allowed_failures: int = 3, timeout: float = 90.0
) -> Iterator[DaskCluster]:
    """Start a scheduler and ``workers`` single-thread workers; yield once all registered."""
    folder.mkdir(parents=True, exist_ok=True)
    env = _environment(folder, allowed_failures)
    scheduler_file = folder / "scheduler.json"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        scheduler = _start(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(scheduler_file), "--idle-timeout", "600s"],
            folder / "scheduler.log", env,
        )  # fmt: skip
        processes.append(scheduler)
        address = _scheduler_address(scheduler_file, scheduler, timeout)
        worker_pids = {}
        for index in range(workers):
            name = f"worker-{index}"
            worker = _start(
                [str(DASK), "worker", "--scheduler-file", str(scheduler_file),
                 "--host", "127.0.0.1", "--no-dashboard", "--no-nanny", "--nthreads", "1",
                 "--name", name, "--local-directory", str(folder / name),
                 "--death-timeout", "60"],
                folder / f"{name}.log", env,
            )  # fmt: skip
            processes.append(worker)
            worker_pids[name] = worker.pid
        cluster = DaskCluster(address, scheduler.pid, worker_pids, folder)
        with Client(address, timeout=timeout) as client:
            try:
                client.wait_for_workers(workers, timeout=timeout)
            except TimeoutError as error:
                raise RuntimeError(f"workers did not register:\n{cluster.logs()}") from error
        yield cluster
    finally:
        _stop_all(processes)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM workers first, then the scheduler; SIGKILL what does not exit within 15 s.
    Raise if any process of their process groups is still there afterwards."""
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    survivors = [process.pid for process in processes if _group_alive(process.pid)]
    for group in survivors:
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    if survivors:
        raise RuntimeError(f"Dask processes survived the cluster's shutdown: groups {survivors}")


def _group_alive(group: int) -> bool:
    """Whether any process is left in process group ``group``."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
