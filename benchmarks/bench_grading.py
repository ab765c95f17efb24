"""Benchmark: ``pmcourse grade`` against stock ``nbgrader autograde`` and a bare-kernel floor.

Builds a synthetic cohort (default 60 submissions of one assignment, ``--quick`` for a few) from
the course's solutions with ``course_lib._pipeline.demo.cohort``, then, in one run, times:

1. the floor: a bare kernel executing one trivial cell (start, run, shut down), averaged;
2. stock ``nbgrader autograde <assignment>`` on the cohort (one process, fresh gradebook);
3. ``pmcourse grade <assignment>`` on the same cohort (fresh gradebook; it also writes the
   feedback and the grades CSV);

checks that both gave every submission the same score per graded item, and prints the
per-submission cost against the floor and ``pmcourse grade`` against stock as ratios.
Targets on a 2-core machine: pmcourse/stock <= 0.5, per-submission cost / floor <= 1.3.

    .venv/bin/python benchmarks/bench_grading.py            # 60 submissions
    .venv/bin/python benchmarks/bench_grading.py --quick    # 4 submissions
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

# Kinds that grade in ordinary time: an infinite loop would time the per-cell timeout instead.
BENCH_KINDS = ("correct", "partial", "blank", "raising", "grade_cell_edited", "cheat_builtins")
TARGET_VS_STOCK = 0.5
TARGET_VS_FLOOR = 1.3


def _bin_dir() -> Path:
    return Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
    return env


def floor_seconds(runs: int) -> float:
    """Mean wall time of a fresh kernel executing one trivial cell (start to shutdown)."""
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    total = 0.0
    for _ in range(runs):
        notebook = new_notebook(cells=[new_code_cell("1 + 1")], metadata={"kernelspec": spec})
        start = time.perf_counter()
        NotebookClient(notebook, kernel_name="python3", timeout=60).execute()
        total += time.perf_counter() - start
    return total / runs


def build_course(source: Path, target: Path, assignment: str, submissions: int, seed: int) -> None:
    """Copy the config and one assignment's solution, release it, write the cohort."""
    from course_lib._pipeline.demo import cohort
    from course_lib._pipeline.release import release_assignment
    from course_lib._pipeline.settings import load_settings

    original = load_settings(source)
    target.mkdir(parents=True)
    shutil.copy2(source / "nbgrader_config.py", target / "nbgrader_config.py")
    relative = original.source_dir.relative_to(original.root)
    shutil.copytree(original.source_dir / assignment, target / relative / assignment)
    settings = load_settings(target)
    release_assignment(settings, assignment)
    kinds = {f"s{index:03d}": BENCH_KINDS[index % len(BENCH_KINDS)] for index in range(submissions)}
    cohort.write_cohort(settings.root, assignment, kinds, seed)


def fresh_copy(course: Path, target: Path) -> None:
    """A copy of the released course with its own gradebook and no graded output."""
    shutil.copytree(
        course,
        target,
        ignore=shutil.ignore_patterns("autograded", "feedback", "reports", "gradebook.db*"),
    )
    from course_lib._pipeline.gradebook import ensure_in_gradebook
    from course_lib._pipeline.settings import load_settings

    settings = load_settings(target)
    for assignment in settings.assignments():
        ensure_in_gradebook(settings, assignment)


def timed(command: Sequence[str], cwd: Path) -> float:
    """Run ``command`` in ``cwd`` and return its wall time; stop on failure with its output."""
    start = time.perf_counter()
    done = subprocess.run(
        list(command), cwd=cwd, env=_env(), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"{' '.join(command)} failed with exit code {done.returncode}")
    return seconds


def scores(course: Path, assignment: str) -> dict[tuple[str, str], float]:
    """(student, item) -> score from a course's gradebook."""
    from course_lib._pipeline.export import item_scores
    from course_lib._pipeline.settings import load_settings

    table = item_scores(load_settings(course), [assignment])
    return {
        (str(row.student), str(row.item)): round(float(row.score), 4)
        for row in table.itertuples(index=False)
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 0 when both graders agree on every score, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 submissions, 2 floor runs")
    parser.add_argument("--submissions", type=int, default=None, help="cohort size (default 60)")
    parser.add_argument("--assignment", default="a1_roles", help="assignment to grade")
    parser.add_argument("--workers", type=int, default=None, help="pmcourse grade workers")
    parser.add_argument(
        "--course",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="course to take the config and solution from (default: this checkout)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    submissions = args.submissions or (4 if args.quick else 60)
    floor_runs = 2 if args.quick else 5
    os.environ["PATH"] = _env()["PATH"]

    with tempfile.TemporaryDirectory(prefix="pmcourse-bench-") as scratch:
        base = Path(scratch) / "course"
        print(
            f"building a cohort of {submissions} submissions of {args.assignment} ...", flush=True
        )
        build_course(args.course.resolve(), base, args.assignment, submissions, args.seed)
        stock_dir, ours_dir = Path(scratch) / "stock", Path(scratch) / "pmcourse"
        fresh_copy(base, stock_dir)
        fresh_copy(base, ours_dir)

        print(f"floor: a bare kernel running one trivial cell, {floor_runs} runs ...", flush=True)
        floor = floor_seconds(floor_runs)
        print("stock: nbgrader autograde ...", flush=True)
        stock = timed(["nbgrader", "autograde", args.assignment, "--force"], stock_dir)
        print("pmcourse grade ...", flush=True)
        command = ["pmcourse", "grade", args.assignment, "--no-progress"]
        if args.workers:
            command += ["--workers", str(args.workers)]
        ours = timed(command, ours_dir)

        stock_scores = scores(stock_dir, args.assignment)
        our_scores = scores(ours_dir, args.assignment)
    identical = stock_scores == our_scores and len(stock_scores) > 0
    per_submission = ours / submissions
    lines = [
        f"submissions: {submissions} of {args.assignment}, {os.cpu_count()} cores",
        f"floor (bare kernel, one trivial cell): {floor:.2f} s",
        f"stock nbgrader autograde: {stock:.1f} s total, "
        f"{stock / submissions:.2f} s per submission ({stock / submissions / floor:.2f}x floor)",
        f"pmcourse grade (incl. feedback + export): {ours:.1f} s total, "
        f"{per_submission:.2f} s per submission",
        f"per-submission cost / floor: {per_submission / floor:.2f}x "
        f"(target <= {TARGET_VS_FLOOR}x)",
        f"pmcourse grade / stock: {ours / stock:.2f}x (target <= {TARGET_VS_STOCK}x)",
        "scores identical: "
        + ("yes" if identical else f"NO ({len(stock_scores)} vs {len(our_scores)} grades)"),
    ]
    print("\n".join(lines))
    if not identical:
        for key in sorted(set(stock_scores) | set(our_scores)):
            if stock_scores.get(key) != our_scores.get(key):
                print(f"  {key}: stock {stock_scores.get(key)}, pmcourse {our_scores.get(key)}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
