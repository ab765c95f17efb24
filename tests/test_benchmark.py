"""The grading benchmark runs end to end in quick mode (its timings are printed, not asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_quick_mode_compares_stock_and_pmcourse() -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_grading.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
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
