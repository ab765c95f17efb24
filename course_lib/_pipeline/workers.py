"""Plumbing shared by the pipeline's process pools: worker count, output, progress."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

__all__ = [
    "MAX_DEFAULT_WORKERS",
    "available_cpus",
    "cgroup_cpu_quota",
    "default_workers",
    "progress_bar",
    "redirect_output",
]

MAX_DEFAULT_WORKERS = 16
"""Cap on the default worker count: each worker holds a kernel template and a kernel (about
300 MB); the gradebook's connections do not grow with workers (the coordinator records)."""

_PROC_SELF = Path("/proc/self")


def _cgroup_mounts(mountinfo: Path) -> dict[str, tuple[Path, str]]:
    """(mount point, cgroup folder mounted there) of the cgroup v2 hierarchy (key ``""``) and
    of the v1 ``cpu`` controller (key ``"cpu"``)."""
    mounts: dict[str, tuple[Path, str]] = {}
    for line in mountinfo.read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or not tail:
            continue
        if tail[0] == "cgroup2":
            mounts.setdefault("", (Path(fields[4]), fields[3]))
        elif tail[0] == "cgroup" and "cpu" in tail[-1].split(","):
            mounts.setdefault("cpu", (Path(fields[4]), fields[3]))
    return mounts


def _quota_v2(folder: Path) -> float | None:
    try:
        quota, period = (folder / "cpu.max").read_text().split()
    except (OSError, ValueError):
        return None
    return None if quota == "max" else int(quota) / int(period)


def _quota_v1(folder: Path) -> float | None:
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return None if quota <= 0 or period <= 0 else quota / period


def cgroup_cpu_quota(mountinfo: Path, cgroup: Path) -> float | None:
    """CPUs the cgroup quota allows this process (cgroup v2 ``cpu.max``, else v1's CFS
    quota), the tightest of its cgroup and their parents; None without a quota.

    ``mountinfo`` and ``cgroup`` are ``/proc/self/mountinfo`` and ``/proc/self/cgroup``.
    """
    try:
        mounts = _cgroup_mounts(mountinfo)
        lines = cgroup.read_text().splitlines()
    except OSError:
        return None
    quotas: list[float] = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and "" in mounts:
            (mount, mounted), read = mounts[""], _quota_v2
        elif "cpu" in controllers.split(",") and "cpu" in mounts:
            (mount, mounted), read = mounts["cpu"], _quota_v1
        else:
            continue
        # The process's cgroup is named from the hierarchy's root; the mount may show a part.
        relative = Path(path).relative_to(mounted) if Path(path).is_relative_to(mounted) else None
        if relative is None:
            continue
        folder = mount / relative
        while True:
            quota = read(folder)
            if quota is not None:
                quotas.append(quota)
            if folder == mount or mount not in folder.parents:
                break
            folder = folder.parent
    return min(quotas) if quotas else None


def available_cpus() -> float:
    """CPUs this process may use: its CPU affinity, lowered by a cgroup quota (a container's
    ``--cpus``), whatever ``os.cpu_count()`` says about the host."""
    cpus = float(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else 0.0
    cpus = cpus or float(os.cpu_count() or 1)
    quota = cgroup_cpu_quota(_PROC_SELF / "mountinfo", _PROC_SELF / "cgroup")
    return min(cpus, quota) if quota is not None else cpus


def default_workers(cpus: float | None = None) -> int:
    """Worker processes: two per available CPU (``cpus``, default :func:`available_cpus`), so
    kernel start-up waits overlap with work; at least 2, at most ``MAX_DEFAULT_WORKERS``."""
    count = math.ceil(2 * (available_cpus() if cpus is None else cpus))
    return max(2, min(MAX_DEFAULT_WORKERS, count))


def redirect_output(path: str) -> None:
    """Send this process's stdout and stderr (and its children's) to the file ``path``."""
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for fd in (1, 2):
        os.dup2(log_fd, fd)
    os.close(log_fd)
    # Python-level streams may wrap other descriptors (a test runner's capture): rebind them.
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115


def progress_bar(total: int, enabled: bool, description: str, unit: str = "submission") -> Any:
    """Progress on stderr: a bar on a terminal, plain ``description: done/total`` lines at every
    tenth elsewhere (cron logs, CI), nothing when ``enabled`` is False. Used as a context
    manager; ``update(n)`` and ``write(text)`` as on a tqdm bar."""
    if enabled and not sys.stderr.isatty():
        return _ProgressLines(total, description, unit)
    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr, disable=not enabled)


class _ProgressLines:
    """tqdm's interface, printing one plain line per tenth of the work done."""

    def __init__(self, total: int, description: str, unit: str) -> None:
        self.total, self.description, self.unit = total, description, unit
        self.done = self.shown = 0

    def __enter__(self) -> _ProgressLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, count: int = 1) -> None:
        self.done += count
        if self.total and self.done * 10 // self.total > self.shown * 10 // self.total:
            self._show()

    def write(self, text: str) -> None:
        print(text, flush=True)  # on stdout, as tqdm.write prints

    def close(self) -> None:
        if self.done != self.shown:
            self._show()

    def _show(self) -> None:
        self.shown = self.done
        print(f"{self.description}: {self.done}/{self.total} {self.unit}s", file=sys.stderr)
