"""The default number of grading workers follows the CPUs pmcourse may really use: its CPU
affinity and a cgroup CPU quota (a container's ``--cpus``), not the host's core count.

The cgroup files are fakes laid out as the kernel shows them (``/proc/self/mountinfo``,
``/proc/self/cgroup`` and the controller files under the mount point); the affinity is set
for real in a child process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib._pipeline.workers import (
    MAX_DEFAULT_WORKERS,
    available_cpus,
    cgroup_cpu_quota,
    default_workers,
)


def _v2(tmp_path: Path, limits: dict[str, str]) -> tuple[Path, Path]:
    """A cgroup v2 hierarchy mounted at ``tmp_path/cg``; this process in ``/app.slice/job``;
    ``limits`` maps a cgroup folder (relative) to its ``cpu.max``."""
    mount = tmp_path / "cg"
    for folder, value in limits.items():
        (mount / folder).mkdir(parents=True, exist_ok=True)
        (mount / folder / "cpu.max").write_text(f"{value}\n")
    (mount / "app.slice" / "job").mkdir(parents=True, exist_ok=True)
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
        f"35 22 0:30 / {mount} rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw,nsdelegate\n"
    )
    cgroup = tmp_path / "cgroup"
    cgroup.write_text("0::/app.slice/job\n")
    return mountinfo, cgroup


def test_a_cgroup_v2_quota_is_the_tightest_of_the_cgroup_and_its_parents(tmp_path: Path) -> None:
    mountinfo, cgroup = _v2(tmp_path, {"app.slice/job": "150000 100000", "app.slice": "max 100000"})
    assert cgroup_cpu_quota(mountinfo, cgroup) == pytest.approx(1.5)
    (tmp_path / "cg" / "app.slice" / "cpu.max").write_text("50000 100000\n")
    assert cgroup_cpu_quota(mountinfo, cgroup) == pytest.approx(0.5)


def test_no_quota_in_cgroup_v2_means_none(tmp_path: Path) -> None:
    mountinfo, cgroup = _v2(tmp_path, {"app.slice/job": "max 100000"})
    assert cgroup_cpu_quota(mountinfo, cgroup) is None
    assert cgroup_cpu_quota(tmp_path / "missing", cgroup) is None


def test_a_cgroup_v1_cfs_quota(tmp_path: Path) -> None:
    mount = tmp_path / "cpu"
    job = mount / "docker" / "abc"
    job.mkdir(parents=True)
    (job / "cpu.cfs_quota_us").write_text("250000\n")
    (job / "cpu.cfs_period_us").write_text("100000\n")
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        f"40 30 0:35 / {mount} rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
        f"41 30 0:36 / {tmp_path / 'memory'} rw,nosuid - cgroup cgroup rw,memory\n"
    )
    cgroup = tmp_path / "cgroup"
    cgroup.write_text("5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n")
    assert cgroup_cpu_quota(mountinfo, cgroup) == pytest.approx(2.5)
    (job / "cpu.cfs_quota_us").write_text("-1\n")  # no limit
    assert cgroup_cpu_quota(mountinfo, cgroup) is None


@pytest.mark.parametrize(
    ("cpus", "workers"),
    [(0.5, 2), (1.0, 2), (1.5, 3), (2.0, 4), (3.0, 6), (64.0, MAX_DEFAULT_WORKERS)],
)
def test_default_workers_is_two_per_cpu_within_bounds(cpus: float, workers: int) -> None:
    assert default_workers(cpus) == workers


def test_available_cpus_never_exceed_this_process_affinity() -> None:
    assert 0 < available_cpus() <= len(os.sched_getaffinity(0))


def test_a_process_pinned_to_one_cpu_gets_two_workers() -> None:
    first = min(os.sched_getaffinity(0))
    code = (
        "import os\n"
        f"os.sched_setaffinity(0, {{{first}}})\n"
        "from course_lib._pipeline.workers import available_cpus, default_workers\n"
        "print(available_cpus(), default_workers())\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert float(shown[0]) <= 1.0
    assert int(shown[1]) == 2
