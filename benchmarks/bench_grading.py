"""Benchmark: ``pmcourse grade`` against stock ``nbgrader autograde`` and a bare-kernel floor.

Builds a synthetic cohort (default 60 submissions of one assignment, ``--quick`` for a few) from
the course's solutions with ``course_lib._pipeline.demo.cohort``, then, in one run, times:

1. the floor: a bare kernel executing one trivial cell (start, run, shut down), averaged;
2. stock ``nbgrader autograde <assignment>`` on the cohort with the course config (one
   process, fresh gradebook; sandboxed kernels, grader-side scoring);
3. ``pmcourse grade <assignment>`` on the same cohort (fresh gradebook; it also writes the
   feedback and the grades CSV);
4. the baseline: ``pmcourse grade`` of the course as it was before the sandbox and the
   grader-side scoring (git revision ``--baseline``, default 8013b9c: keys in the kernel,
   no sandbox), on its own cohort of the same kinds and seed, taken from git in this run;

checks that stock and pmcourse gave every submission the same score per graded item and that
the baseline gave the same scores to every submission, and prints the ratios. Targets on a
2-core machine: pmcourse/stock <= 0.5, per-submission cost / floor <= 1.3, the sandbox and
grader-side scoring at most 10% slower than the baseline.

    .venv/bin/python benchmarks/bench_grading.py            # 60 submissions
    .venv/bin/python benchmarks/bench_grading.py --quick    # 4 submissions
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

# Kinds that grade in ordinary time: an infinite loop would time the per-cell timeout instead.
BENCH_KINDS = ("correct", "partial", "blank", "raising", "grade_cell_edited", "cheat_builtins")
TARGET_VS_STOCK = 0.5
TARGET_VS_FLOOR = 1.3
TARGET_VS_BASELINE = 1.10
#: The course just before grading moved out of the kernel and into the sandbox.
BASELINE = "8013b9c"


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


def timed(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Run ``command`` in ``cwd`` and return its wall time; stop on failure with its output."""
    start = time.perf_counter()
    done = subprocess.run(
        list(command), cwd=cwd, env=env or _env(), capture_output=True, text=True, check=False
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


BASELINE_BUILD = """
import sys
from pathlib import Path
from course_lib import cohort
from course_lib._pipeline_release import release_assignment
from course_lib._pipeline_settings import load_settings
root, assignment, count, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
kinds = {f"s{i:03d}": sys.argv[5].split(",")[i % len(sys.argv[5].split(","))] for i in range(count)}
release_assignment(load_settings(root), assignment)
cohort.write_cohort(root, assignment, kinds, seed)
"""
BASELINE_SCORES = """
import json, sys
from pathlib import Path
from course_lib._pipeline_export import item_scores
from course_lib._pipeline_settings import load_settings
table = item_scores(load_settings(Path(sys.argv[1])), [sys.argv[2]])
print(json.dumps([[r.student, r.item, round(float(r.score), 4)] for r in table.itertuples()]))
"""


def baseline_course(
    repository: Path, revision: str, target: Path, assignment: str, submissions: int, seed: int
) -> tuple[Path, dict[str, str]] | str:
    """The course at ``revision`` (its package and its course files, from git) with a cohort
    written by its own code: (course folder, environment to run it with), or why not."""
    code = target / "code"
    code.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(repository), "archive", revision], capture_output=True, check=False
    )
    if archive.returncode != 0:
        return f"git revision {revision} is not available ({archive.stderr.decode()[:200]})"
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    course = target / "course"
    course.mkdir()
    shutil.copy2(code / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(code / "solutions" / assignment, course / "solutions" / assignment)
    env = _env()
    env["PYTHONPATH"] = str(code)  # its course_lib, in the grader and in every kernel
    build = [sys.executable, "-c", BASELINE_BUILD, str(course), assignment, str(submissions)]
    # Run from the course folder: the checkout's own course_lib must not come first on sys.path.
    subprocess.run([*build, str(seed), ",".join(BENCH_KINDS)], env=env, cwd=course, check=True)
    return course, env


def baseline_scores(course: Path, assignment: str, env: dict[str, str]) -> dict[Any, float]:
    """(student, item) -> score from the baseline course's gradebook, read by its own code."""
    done = subprocess.run(
        [sys.executable, "-c", BASELINE_SCORES, str(course), assignment],
        env=env,
        cwd=course,
        capture_output=True,
        text=True,
        check=True,
    )
    return {(student, item): score for student, item, score in json.loads(done.stdout)}


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
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help=f"git revision of the course to compare with (default {BASELINE}; '' to skip)",
    )
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

        baseline: float | None = None
        base_scores: dict[Any, float] = {}
        prepared: tuple[Path, dict[str, str]] | str = "skipped (--baseline '')"
        if args.baseline:
            print(f"baseline: pmcourse grade at {args.baseline} ...", flush=True)
            prepared = baseline_course(
                args.course.resolve(), args.baseline, Path(scratch) / "baseline",
                args.assignment, submissions, args.seed,
            )  # fmt: skip
        if not isinstance(prepared, str):
            base_dir, base_env = prepared
            baseline = timed(command, base_dir, base_env)
            base_scores = baseline_scores(base_dir, args.assignment, base_env)
    identical = stock_scores == our_scores and len(stock_scores) > 0
    same_as_baseline = baseline is None or base_scores == our_scores
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
    if baseline is None:
        lines.append(f"baseline: {prepared}")
    else:
        lines += [
            f"baseline pmcourse grade at {args.baseline} (keys in the kernel, no sandbox): "
            f"{baseline:.1f} s total, {baseline / submissions:.2f} s per submission",
            f"sandbox + grader-side scoring / baseline: {ours / baseline:.2f}x "
            f"(target <= {TARGET_VS_BASELINE:.2f}x)",
            "scores unchanged from the baseline: " + ("yes" if same_as_baseline else "NO"),
        ]
    print("\n".join(lines))
    for other, name in ((stock_scores, "stock"), (base_scores if baseline else our_scores, "base")):
        for key in sorted(set(other) | set(our_scores)):
            if other.get(key) != our_scores.get(key):
                print(f"  {key}: {name} {other.get(key)}, pmcourse {our_scores.get(key)}")
    return 0 if identical and same_as_baseline else 1


if __name__ == "__main__":
    raise SystemExit(main())
