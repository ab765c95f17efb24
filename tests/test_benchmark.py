"""The grading benchmark runs end to end in quick mode (its timings are printed, not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]


def _quick(script: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``benchmarks/<script> --quick`` with this venv's tools on PATH (nbgrader's alembic)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_benchmark_quick_mode_compares_stock_and_pmcourse() -> None:
    result = _quick("bench_grading.py", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    out = result.stdout
    assert "submissions: 4 of a1_roles" in out
    for line in (
        "floor (bare kernel, one trivial cell):",
        "stock nbgrader autograde:",
        "pmcourse grade (incl. feedback + export):",
        "per-submission cost / floor:",
        "pmcourse grade / stock:",
    ):
        assert line in out
    assert "scores identical: yes" in out


def test_scale_benchmark_quick_mode_grades_every_submission_and_reruns_the_changed() -> None:
    result = _quick("bench_scale.py", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "cohorts [6, 12] x 2 assignments" in out
    for line in (
        "floor (bare kernel, one trivial cell):",
        "growth 12 vs 6 trainees",
        "6 trainees: 12 of 12 submissions graded with their kind's score",
        "12 trainees: 24 of 24 submissions graded with their kind's score",
        "regraded exactly the changed ones: yes",
        "Dask scores equal local scores (6 trainees): yes",
        "where one submission's CPU goes",
        "checks: all passed",
    ):
        assert line in out
    words = [line.split() for line in out.splitlines()]
    rows = [row for row in words if len(row) > 4 and row[1] in {"local", "dask"}]
    assert [(row[0], row[1], row[4]) for row in rows] == [
        ("6", "local", "12"),
        ("12", "local", "24"),
        ("6", "dask", "12"),
    ]
