"""The local grading pool leaves nothing behind: killing ``pmcourse grade`` (SIGKILL, no
clean-up of its own) ends its worker processes, their kernel templates and kernels too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cohort_support import released_course
from nbgrader_support import nbgrader_env

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

WAIT = 120.0


def _children(pid: int) -> set[int]:
    """Every living descendant of process ``pid`` (zombies left out)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in parents.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_killing_the_coordinator_ends_its_workers_and_kernels(tmp_path: Path) -> None:
    kinds = {"lou": "infinite_loop", "max": "infinite_loop"}
    course = released_course(tmp_path / "course", {"a1_roles": kinds})
    command = [sys.executable, "-m", "course_lib", "grade", "--course-dir", str(course),
               "--no-progress", "--workers", "2"]  # fmt: skip
    coordinator = subprocess.Popen(
        command, env=nbgrader_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # Wait until both workers run a kernel (a worker, its template, a kernel: depth 3+).
        deadline = time.monotonic() + WAIT
        descendants: set[int] = set()
        while time.monotonic() < deadline and coordinator.poll() is None:
            descendants = _children(coordinator.pid)
            if len(descendants) >= 6:
                break
            time.sleep(0.2)
        assert len(descendants) >= 6, f"the pool never started: {descendants}"
    finally:
        coordinator.send_signal(signal.SIGKILL)
        coordinator.wait(timeout=30)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and any(_alive(pid) for pid in descendants):
        time.sleep(0.2)
    left = sorted(pid for pid in descendants if _alive(pid))
    for pid in left:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert left == []
