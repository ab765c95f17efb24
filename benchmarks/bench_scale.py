"""Benchmark: ``pmcourse grade`` of a large course, on this machine and on a Dask cluster.

Builds synthetic cohorts (``course_lib._pipeline.demo.cohort``, kinds that grade in ordinary
time) of ``--sizes`` trainees x every assignment of the course, then, in one run:

1. the floor: a bare kernel executing one trivial cell (start, run, shut down), averaged;
2. ``pmcourse grade`` of each cohort on this machine, each in its own process: wall time,
   time per submission, the coordinator's own peak RSS (``ru_maxrss`` of that process, not of
   its workers or kernels), its CPU, the gradebook's size, then ``pmcourse report``'s time;
3. on the largest cohort, a re-run after ``--changed`` submissions changed (incremental);
4. the smallest cohort again on a local Dask cluster (a scheduler and two single-thread
   worker processes on 127.0.0.1, started here) with ``pmcourse grade --scheduler``;
5. where one submission's CPU goes: a handful of submissions graded in this process with one
   worker under cProfile (CPU clock), plus the CPU of the kernel processes (sampled from
   /proc: the kernel template reaps its kernels itself, so no rusage of ours counts them);

checks that every submission was graded with the score its kind must get, that the re-run
graded exactly the changed ones and that Dask gave the same scores as local grading, and
prints the figures beside the targets (two cores: 1,000 x 4 graded in under 15 minutes, aim
10; growth 1,000 vs 500 <= 2.1; re-run under 5% of the full run). Times are printed, never
asserted.

    .venv/bin/python benchmarks/bench_scale.py                      # 250, 500, 1000 x 4
    .venv/bin/python benchmarks/bench_scale.py --sizes 50 --no-dask
    .venv/bin/python benchmarks/bench_scale.py --quick              # 6 and 12 x 2
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_grading import BENCH_KINDS, floor_seconds
from distributed import LocalCluster
from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties

from course_lib._pipeline.autograder import Autograder
from course_lib._pipeline.bundle import build_bundle
from course_lib._pipeline.demo import build_demo_course
from course_lib._pipeline.demo.cohort import expected_score, write_cohort
from course_lib._pipeline.export import export_grades, item_scores
from course_lib._pipeline.fingerprint import read_tree, tree_digest
from course_lib._pipeline.gradebook import create_students, ensure_in_gradebook, open_gradebook
from course_lib._pipeline.log import read_grading_log
from course_lib._pipeline.record import record_in_gradebook, replace_folder
from course_lib._pipeline.release import release_assignment
from course_lib._pipeline.settings import CourseSettings, load_settings
from course_lib._pipeline.tasks import GradingResult, GradingTask, WorkerOptions
from course_lib._pipeline.workers import default_workers

TARGET_MINUTES, AIM_MINUTES, TARGET_AT = 15.0, 10.0, 1000
TARGET_GROWTH = 2.1  # time for 1,000 trainees / time for 500
TARGET_RERUN = 0.05  # re-run with a few changed submissions / full run
SEED = 11

#: Run in a subprocess: ``pmcourse`` (its ``main``), then this process's own rusage as JSON.
RUNNER = """
import json, resource, sys
from course_lib.cli import main
code = main(sys.argv[2:])
me = resource.getrusage(resource.RUSAGE_SELF)
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "maxrss_kib": me.ru_maxrss, "cpu": me.ru_utime + me.ru_stime}, out)
"""

#: Profile buckets: (file ending, function) whose cumulative CPU each bucket is. What
#: nbgrader's autograde spends outside the kernel's start and the cells is its conversion
#: (reading, preprocessors, writing) and its gradebook writes.
KERNEL_START = (("nbclient/client.py", "setup_kernel"),)
EXECUTION = (("nbconvert/preprocessors/execute.py", "preprocess_cell"),)
AUTOGRADE = (("nbgrader/apps/api.py", "autograde"),)
FEEDBACK = (("course_lib/_pipeline/feedback.py", "write_feedback"),)
RECORD = (
    ("course_lib/_pipeline/record.py", "replace_folder"),
    ("course_lib/_pipeline/record.py", "record_in_gradebook"),
    ("course_lib/_pipeline/export.py", "export_grades"),
)


@dataclass(frozen=True)
class Run:
    """One ``pmcourse`` command: wall time and the coordinator's own figures."""

    seconds: float
    code: int
    maxrss_mib: float
    cpu: float
    output: str


@dataclass
class Row:
    """One line of the table."""

    cohort: int
    where: str
    submissions: int
    grade: Run
    gradebook_bytes: int
    report: Run | None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def pmcourse(course: Path, arguments: Sequence[str], timeout: float = 7200.0) -> Run:
    """Run ``pmcourse ARGUMENTS`` in its own process (and session) in ``course``; stop on a
    usage error, or after ``timeout`` seconds (its whole session killed)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as figures:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", RUNNER, figures.name, *arguments], cwd=course, env=_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its workers and kernel templates too
            process.communicate()
            raise SystemExit(
                f"pmcourse {' '.join(arguments)} in {course} still ran after {timeout:.0f} s: "
                "stopped (a hung grading pool?)"
            ) from None
        except BaseException:  # the benchmark interrupted (Ctrl-C, SIGTERM): no grading left
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            raise
        seconds = time.perf_counter() - start
        text = Path(figures.name).read_text() or "{}"
    measured = json.loads(text)
    if process.returncode != 0 or measured.get("code") not in (0, 1):
        sys.stderr.write(stdout[-3000:] + stderr[-3000:])
        raise SystemExit(f"pmcourse {' '.join(arguments)} failed in {course}")
    return Run(seconds, measured["code"], measured["maxrss_kib"] / 1024, measured["cpu"], stdout)


def kinds_of(size: int) -> dict[str, str]:
    """Student id -> submission kind for a cohort of ``size``."""
    return {f"t{index:04d}": BENCH_KINDS[index % len(BENCH_KINDS)] for index in range(size)}


def build_base(source: Path, target: Path, assignments: Sequence[str]) -> None:
    """The course's config and the assignments' solutions in ``target``, released."""
    settings, _ = build_demo_course(source, target, {}, assignments)
    for name in assignments:
        release_assignment(settings, name)


def cohort_course(base: Path, target: Path, kinds: Mapping[str, str], names: Sequence[str]) -> None:
    """A copy of the released ``base`` with one submission per student of ``kinds`` each."""
    shutil.copytree(base, target)
    for name in names:
        write_cohort(target, name, kinds, SEED)


def settings_of(course: Path) -> CourseSettings:
    """The course's settings (its own folder only: a throwaway course)."""
    return load_settings(course, jupyter_path=False)


def item_dict(course: Path, names: Sequence[str]) -> dict[tuple[str, str, str], float]:
    """(assignment, student, item) -> score from a course's gradebook."""
    table = item_scores(settings_of(course), names)
    keys = zip(table["assignment"], table["student"], table["item"], strict=True)
    scores = table["score"].astype(float).round(4).tolist()
    return {(str(a), str(s), str(i)): score for (a, s, i), score in zip(keys, scores, strict=True)}


def check_graded(
    course: Path, names: Sequence[str], kinds: Mapping[str, str]
) -> tuple[list[str], dict[tuple[str, str, str], float]]:
    """Problems (a submission not graded, or not with the score its kind must get), and the
    scores per item."""
    settings = settings_of(course)
    problems = []
    log = {(outcome.assignment, outcome.student): outcome for outcome in read_grading_log(settings)}
    scores = item_dict(course, names)
    table = item_scores(settings, names)
    auto = table[table["graded_by"] == "auto"]
    totals: dict[tuple[str, str], float] = {}
    for key, score in zip(zip(auto["assignment"], auto["student"], strict=True),
                          auto["score"].astype(float).tolist(), strict=True):  # fmt: skip
        totals[(str(key[0]), str(key[1]))] = totals.get((str(key[0]), str(key[1])), 0.0) + score
    for name in names:
        for student, kind in kinds.items():
            outcome = log.get((name, student))
            if outcome is None or not outcome.ok:
                problems.append(f"{student}/{name} not graded: {outcome and outcome.reason}")
                continue
            want, got = expected_score(name, kind), totals.get((name, student))
            if got is None or abs(got - want) > 1e-6:
                problems.append(f"{student}/{name} ({kind}) scored {got}, expected {want}")
    return problems, scores


def gradebook_bytes(course: Path) -> int:
    """Size of the SQLite gradebook with its journal files."""
    return sum(path.stat().st_size for path in course.glob("gradebook.db*"))


def grade_and_report(
    course: Path, cohort: int, names: Sequence[str], workers: int, scheduler: str = ""
) -> Row:
    """``pmcourse grade`` (locally with ``workers``, or on ``scheduler``) then, locally,
    ``pmcourse report`` of the whole course."""
    extra = ["--scheduler", scheduler] if scheduler else ["--workers", str(workers)]
    grade = pmcourse(course, ["grade", "--no-progress", *extra])
    report = None if scheduler else pmcourse(course, ["report", "--no-progress"])
    where = "dask (2 workers)" if scheduler else f"local ({workers} workers)"
    return Row(cohort, where, cohort * len(names), grade, gradebook_bytes(course), report)


def folder_ids(course: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(student, assignment) -> (inode, mtime) of each autograded folder."""
    found = {}
    for folder in (course / "autograded").glob("*/*"):
        status = folder.stat()
        found[(folder.parent.name, folder.name)] = (status.st_ino, status.st_mtime_ns)
    return found


def rerun_changed(
    course: Path, names: Sequence[str], kinds: dict[str, str], changed: int, workers: int
) -> tuple[Run, list[str]]:
    """Change ``changed`` submissions (another kind), grade again without --force; the run
    and the problems found (regraded set not exactly the changed one, wrong scores)."""
    students = sorted(kinds)
    picked: dict[tuple[str, str], str] = {}
    for index in range(changed):
        student = students[index * len(students) // changed]
        name = names[index % len(names)]
        picked[(student, name)] = "partial" if kinds[student] == "correct" else "correct"
    for (student, name), kind in picked.items():
        write_cohort(course, name, {student: kind}, SEED)
    before = folder_ids(course)
    run = pmcourse(course, ["grade", "--no-progress", "--workers", str(workers)])
    after = folder_ids(course)
    regraded = {key for key, ident in after.items() if before.get(key) != ident}
    wanted = set(picked)
    problems = []
    if regraded != wanted:
        problems.append(f"re-run regraded {sorted(regraded)}, changed were {sorted(wanted)}")
    settings = settings_of(course)
    table = item_scores(settings, names)
    for (student, name), kind in picked.items():
        mine = table[(table.student == student) & (table.assignment == name)]
        got = float(mine[mine.graded_by == "auto"].score.sum())
        if abs(got - expected_score(name, kind)) > 1e-6:
            problems.append(f"changed {student}/{name} ({kind}) scored {got} after the re-run")
    return run, problems


@contextlib.contextmanager
def dask_cluster() -> Iterator[str]:
    """A scheduler and two single-thread worker processes on 127.0.0.1: its address."""
    with LocalCluster(  # type: ignore[no-untyped-call]  # distributed has no type hints
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield str(cluster.scheduler_address)


class KernelCpu:
    """CPU of every descendant of a process (the kernel template's sandboxes and kernels),
    sampled from /proc every few milliseconds until stopped."""

    def __init__(self, root: int, interval: float = 0.01) -> None:
        self.root, self.interval = root, interval
        self.seconds: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.tick = os.sysconf("SC_CLK_TCK")

    def _children(self, pid: int) -> list[int]:
        found = []
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    found += [int(child) for child in (task / "children").read_text().split()]
        return found

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            pending = self._children(self.root)
            while pending:
                pid = pending.pop()
                pending += self._children(pid)
                with contextlib.suppress(OSError, ValueError, IndexError):
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    used = (int(fields[11]) + int(fields[12])) / self.tick  # utime, stime
                    self.seconds[pid] = max(self.seconds.get(pid, 0.0), used)

    def __enter__(self) -> KernelCpu:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def total(self) -> float:
        """CPU seconds used by the descendants seen."""
        return sum(self.seconds.values())


def bucket_seconds(stats: pstats.Stats, functions: Sequence[tuple[str, str]]) -> float:
    """Cumulative CPU of the functions listed (file ending, name)."""
    table = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    total = 0.0
    for (filename, _, name), (_, _, _, cumulative, _) in table.items():
        if any(filename.endswith(end) and name == want for end, want in functions):
            total += cumulative
    return float(total)


def profile(base: Path, target: Path, names: Sequence[str], count: int) -> list[str]:
    """Grade ``count`` submissions in this process (one worker, as the pool's worker does,
    then record them as the coordinator does); lines of where their CPU goes."""
    kinds = kinds_of(count + 1)
    cohort_course(base, target, kinds, names)
    settings = settings_of(target)
    for name in names:
        ensure_in_gradebook(settings, name)
    create_students(settings, kinds)
    with open_gradebook(settings) as gradebook:
        bundles = {name: build_bundle(settings, gradebook, name) for name in names}
    tasks = []
    for index, student in enumerate(sorted(kinds)):
        name = names[index % len(names)]
        files = read_tree(settings.submission_dir(student, name))
        bundle = bundles[name]
        tasks.append(GradingTask(name, student, files, tree_digest(files), bundle.digest))
    warnings.simplefilter("ignore")  # as in a pool worker: nbgrader's warnings are logged
    autograder = Autograder(WorkerOptions(settings.config))
    results: list[GradingResult] = []
    try:
        autograder.grade(tasks[0], bundles[tasks[0].assignment])  # warm-up: template, courses
        assert autograder.template is not None, "the benchmark needs forked kernels (Linux)"
        profiler = cProfile.Profile(time.process_time)
        with KernelCpu(autograder.template.pid) as kernels:
            profiler.enable()
            results = [autograder.grade(task, bundles[task.assignment]) for task in tasks[1:]]
            late = AssignLatePenalties(config=settings.config)
            late.init_plugin()
            with Gradebook(settings.db_url, settings.course_id) as gradebook:
                for result in results:
                    replace_folder(
                        settings.autograded_notebook(result.student, result.assignment).parent,
                        result.autograded,
                    )
                    feedback = settings.feedback_dir / result.student / result.assignment
                    replace_folder(feedback, result.feedback)
                    record_in_gradebook(gradebook, result, late)
            export_grades(settings, names)
            profiler.disable()
    finally:
        autograder.close()
    failed = [f"{r.student}/{r.assignment}: {r.reason}" for r in results if not r.ok]
    stats = pstats.Stats(profiler)
    total = float(stats.total_tt)  # type: ignore[attr-defined]  # untyped in typeshed
    start, execution = bucket_seconds(stats, KERNEL_START), bucket_seconds(stats, EXECUTION)
    buckets = {
        "kernel start + shutdown (grader side)": start,
        "cell execution (grader side: messages)": execution,
        "kernel processes (sandbox + kernel: start after fork, execution)": kernels.total,
        "nbgrader conversion + private gradebook writes": bucket_seconds(stats, AUTOGRADE)
        - start
        - execution,
        "feedback (nbgrader GenerateFeedback)": bucket_seconds(stats, FEEDBACK),
        "recording + export (coordinator: folders, gradebook, grades.csv)": bucket_seconds(
            stats, RECORD
        ),
    }
    buckets["other (task set-up, results read back)"] = total - sum(
        value for key, value in buckets.items() if not key.startswith("kernel processes")
    )
    whole = total + kernels.total
    done = len(tasks) - 1
    lines = [
        f"where one submission's CPU goes ({done} submissions in this process, one worker; "
        f"{whole / done:.2f} s CPU per submission):"
    ]
    for name, seconds in buckets.items():
        lines.append(f"  {name:<66} {seconds / done:6.3f} s  {100 * seconds / whole:5.1f}%")
    return lines + [f"  NOT GRADED in the profile: {line}" for line in failed]


def table(rows: Sequence[Row], floor: float) -> list[str]:
    """The figures of every grading run, one line each."""
    head = (
        f"{'cohort':>6}  {'where':<18} {'subm.':>6} {'wall s':>8} {'s/subm.':>8} "
        f"{'x floor':>7} {'peak RSS MiB':>12} {'CPU s':>7} {'gradebook B':>12} "
        f"{'report s':>8}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        per = row.grade.seconds / row.submissions
        report = f"{row.report.seconds:8.1f}" if row.report else f"{'-':>8}"
        lines.append(
            f"{row.cohort:>6}  {row.where:<18} {row.submissions:>6} {row.grade.seconds:8.1f} "
            f"{per:8.3f} {per / floor:7.2f} {row.grade.maxrss_mib:12.0f} {row.grade.cpu:7.1f} "
            f"{row.gradebook_bytes:>12} {report}"
        )
    return lines


def growth(rows: Sequence[Row]) -> list[str]:
    """Largest cohort against the one half its size (else the next smaller one)."""
    local = sorted((row for row in rows if row.where.startswith("local")), key=lambda r: r.cohort)
    if len(local) < 2:
        return ["growth: needs two cohort sizes"]
    big = local[-1]
    small = next((row for row in local if 2 * row.cohort == big.cohort), local[-2])
    scale = big.cohort / small.cohort
    target = TARGET_GROWTH * scale / 2
    return [
        f"growth {big.cohort} vs {small.cohort} trainees (x{scale:.2f} submissions): wall time "
        f"x{big.grade.seconds / small.grade.seconds:.2f} (target <= {target:.2f}), "
        f"gradebook x{big.gradebook_bytes / small.gradebook_bytes:.2f}, "
        f"coordinator peak RSS x{big.grade.maxrss_mib / small.grade.maxrss_mib:.2f}, "
        f"report x{_ratio(big.report, small.report)}"
    ]


def _ratio(big: Run | None, small: Run | None) -> str:
    return f"{big.seconds / small.seconds:.2f}" if big and small else "-"


def projection(rows: Sequence[Row], count: int) -> str:
    """1,000 trainees x ``count`` assignments, at the largest local cohort's pace."""
    local = [row for row in rows if row.where.startswith("local")]
    row = max(local, key=lambda r: r.cohort)
    minutes = row.grade.seconds / row.submissions * TARGET_AT * count / 60
    how = "measured" if row.cohort == TARGET_AT else f"projected from {row.cohort}"
    return (
        f"{TARGET_AT} trainees x {count} assignments on {os.cpu_count()} cores: "
        f"{minutes:.1f} min ({how}; target < {TARGET_MINUTES:.0f} min, aim {AIM_MINUTES:.0f})"
    )


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 0 when every check passed, else 1."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="sizes 6,12, two assignments, 2 changed, 2 profiled"
    )
    parser.add_argument("--sizes", default=None, help="cohort sizes (default 250,500,1000)")
    parser.add_argument(
        "--assignments",
        default=None,
        help="comma-separated assignment ids (default: all of the course)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="local grading workers (default: pmcourse grade's, two per available CPU)",
    )
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    parser.add_argument("--changed", type=int, default=None, help="changed for the re-run (10)")
    parser.add_argument("--profiled", type=int, default=None, help="submissions profiled (6)")
    parser.add_argument(
        "--course",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="course to take the config and solutions from",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)  # so that a running pmcourse is stopped with us
    sizes = sorted(
        {
            int(size)
            for size in (args.sizes or ("6,12" if args.quick else "250,500,1000")).split(",")
        }
    )
    course = args.course.resolve()
    known = settings_of(course).assignments()
    names = args.assignments.split(",") if args.assignments else known[: 2 if args.quick else None]
    changed = args.changed or (2 if args.quick else 10)
    profiled = args.profiled or (2 if args.quick else 6)
    workers = args.workers
    os.environ["PATH"] = _env()["PATH"]
    print(
        f"cohorts {sizes} x {len(names)} assignments ({', '.join(names)}); "
        f"{os.cpu_count()} cores, {workers} local workers (pmcourse grade's default here: "
        f"{default_workers()})",
        flush=True,
    )

    problems: list[str] = []
    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pmcourse-scale-") as scratch:
        base = Path(scratch) / "base"
        build_base(course, base, names)
        print("floor: a bare kernel running one trivial cell ...", flush=True)
        floor = floor_seconds(2 if args.quick else 5)
        local_scores: dict[tuple[str, str, str], float] = {}
        for size in sizes:
            kinds = kinds_of(size)
            folder = Path(scratch) / f"local-{size}"
            print(f"{size} trainees: building, grading, reporting ...", flush=True)
            cohort_course(base, folder, kinds, names)
            rows.append(grade_and_report(folder, size, names, workers))
            found, scores = check_graded(folder, names, kinds)
            problems += found
            notes.append(
                f"{size} trainees: {size * len(names) - len(found)} of "
                f"{size * len(names)} submissions graded with their kind's score"
            )
            if size == sizes[0]:
                local_scores = scores
            if size == sizes[-1]:
                print(f"re-run with {changed} changed submissions ...", flush=True)
                rerun, found = rerun_changed(folder, names, kinds, changed, workers)
                problems += found
                share = rerun.seconds / rows[-1].grade.seconds
                notes.append(
                    f"re-run of {size} x {len(names)} with {changed} changed: {rerun.seconds:.1f} s"
                    f" = {100 * share:.1f}% of the full run (target < {100 * TARGET_RERUN:.0f}%);"
                    f" regraded exactly the changed ones: {'no' if found else 'yes'}"
                )
            shutil.rmtree(folder)
        if not args.no_dask:
            size = sizes[0]
            folder = Path(scratch) / f"dask-{size}"
            print(f"{size} trainees on a local Dask cluster (2 workers) ...", flush=True)
            cohort_course(base, folder, kinds_of(size), names)
            with dask_cluster() as address:
                rows.append(grade_and_report(folder, size, names, workers, address))
            same = item_dict(folder, names) == local_scores and bool(local_scores)
            if not same:
                problems.append(f"Dask scores differ from local scores for {size} trainees")
            notes.append(
                f"Dask scores equal local scores ({size} trainees): " + ("yes" if same else "NO")
            )
        print("profiling a few submissions in this process ...", flush=True)
        breakdown = profile(base, Path(scratch) / "profile", names, profiled)

    lines = [f"floor (bare kernel, one trivial cell): {floor:.2f} s", *table(rows, floor)]
    lines += [*growth(rows), projection(rows, len(names)), *notes, *breakdown]
    lines.append("checks: " + ("all passed" if not problems else f"{len(problems)} FAILED"))
    print("\n".join(lines + [f"  {problem}" for problem in problems[:40]]))
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
