"""``pmcourse demo``: the whole instructor pipeline on a bundled synthetic cohort.

Builds a temporary course (a copy of ``nbgrader_config.py`` and ``solutions/``), writes the
cohort listed in ``course_lib/data/demo/cohort.csv`` (correct, partial, broken and tampered
submissions, made by :mod:`.cohort`), then runs release, grade, report and audit, checks each
trainee's score and audit findings against what the cohort's kind must get
(:func:`.cohort.expected_score` and :func:`.cohort.expected_flagged`), and prints where the
report is.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from course_lib._pipeline.audit import run_audit
from course_lib._pipeline.demo import cohort as cohorts
from course_lib._pipeline.errors import EXIT_FAILURES, EXIT_OK, PipelineError
from course_lib._pipeline.export import export_grades, item_scores
from course_lib._pipeline.grade import grade_cohort
from course_lib._pipeline.release import release_assignment
from course_lib._pipeline.report import write_report
from course_lib._pipeline.settings import CONFIG_FILE, CourseSettings, load_settings

__all__ = ["DEMO_SEED", "build_demo_course", "demo_cohort", "find_course_source", "run_demo"]

DEMO_COHORT = "cohort.csv"
DEMO_SEED = 2024


def demo_cohort(students: int | None = None) -> dict[str, str]:
    """The bundled cohort: student id -> submission kind (first ``students`` rows if given)."""
    text = resources.files("course_lib").joinpath("data", "demo", DEMO_COHORT).read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    cohort = {row["student"]: row["kind"] for row in rows}
    if students is None:
        return cohort
    names = list(cohort)
    if students <= len(names):
        return {name: cohort[name] for name in names[:students]}
    extra = {
        f"trainee_{index:03d}": cohort[names[index % len(names)]]
        for index in range(len(names), students)
    }
    return {**cohort, **extra}


def find_course_source(source: Path | None) -> Path:
    """The course to copy: ``source``, else the current directory, else this checkout."""
    candidates = (
        [source]
        if source is not None
        else [
            Path.cwd(),
            Path(__file__).resolve().parents[3],
        ]
    )
    for candidate in candidates:
        if candidate is not None and (candidate / CONFIG_FILE).is_file():
            return candidate.resolve()
    where = source if source is not None else Path.cwd()
    raise PipelineError(
        f"no {CONFIG_FILE} in {where}: the demo copies a course (its config and solutions/). "
        "Run it from a course folder (`pmcourse quickstart DIR` lays one out) or pass "
        "--source <course folder>."
    )


def build_demo_course(
    source: Path, target: Path, cohort: dict[str, str], assignments: Sequence[str] | None
) -> tuple[CourseSettings, list[str]]:
    """Copy the course's config and source notebooks into ``target`` and write the cohort."""

    # The course folders alone: a demo must not write into a gradebook the Jupyter config
    # path points at (a hub's), nor stop on its course id.
    original = load_settings(source, jupyter_path=False)
    chosen = list(assignments) if assignments else original.assignments()
    for name in chosen:
        original.check_assignment(name)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / CONFIG_FILE, target / CONFIG_FILE)
    source_name = original.source_dir.relative_to(original.root)
    for name in chosen:
        shutil.copytree(
            original.source_dir / name,
            target / source_name / name,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            dirs_exist_ok=True,
        )
    settings = load_settings(target, jupyter_path=False)
    unsupported = sorted(set(cohort.values()) - set(cohorts.SUBMISSION_KINDS))
    if unsupported:
        raise PipelineError(
            f"the demo cohort uses unknown submission kinds {unsupported}; "
            f"the demo cohort knows: {', '.join(cohorts.SUBMISSION_KINDS)}."
        )
    return settings, chosen


def run_demo(
    *,
    source: Path | None,
    output: Path | None,
    students: int | None,
    assignments: Sequence[str] | None,
    workers: int | None,
    progress: bool,
    sandbox: bool = True,
    say: Callable[[str], None],
    err: Callable[[str], None],
) -> int:
    """Run the demo; 0 when every trainee got the score and audit flag their kind must get."""

    started = time.perf_counter()
    course_source = find_course_source(source)
    target = output if output is not None else Path(tempfile.mkdtemp(prefix="pmcourse-demo-"))
    target = target.resolve()
    if target.exists() and any(target.iterdir()):
        raise PipelineError(
            f"demo folder {target} is not empty. Pass --output with a new or empty folder, "
            "or leave it out to use a fresh temporary folder."
        )
    cohort = demo_cohort(students)
    say(f"[1/5] building a demo course in {target} from {course_source}")
    settings, chosen = build_demo_course(course_source, target, cohort, assignments)
    say(f"[2/5] release: {', '.join(chosen)}")
    for name in chosen:
        release_assignment(settings, name)
        cohorts.write_cohort(settings.root, name, cohort, DEMO_SEED)
    kinds = sorted(set(cohort.values()))
    say(
        f"      wrote {len(cohort)} trainees x {len(chosen)} assignments "
        f"({len(kinds)} kinds of submission: {', '.join(kinds)})"
    )
    say(f"[3/5] grade: {len(cohort) * len(chosen)} submissions through nbgrader")
    expected_failures = {
        (name, student): f"{kind}: {cohorts.SUBMISSION_KINDS[kind]}"
        for name in chosen
        for student, kind in cohort.items()
        if "not_graded" in cohorts.expected_flagged(name, kind).checks
    }
    outcomes = grade_cohort(
        settings,
        chosen,
        workers=workers,
        progress=progress,
        sandbox=sandbox,
        expected_failures=expected_failures,
    ).outcomes
    grades = export_grades(settings, chosen)
    failed = [outcome for outcome in outcomes if not outcome.ok]
    as_expected = [o for o in failed if (o.assignment, o.student) in expected_failures]
    say(
        f"      graded {len(outcomes) - len(failed)}, not gradable {len(failed)} "
        f"({len(as_expected)} of them as expected: broken on purpose; each recorded with its "
        f"reason); grades: {grades}"
    )
    say("[4/5] report: item analysis")
    page = write_report(settings, chosen)
    say("[5/5] audit: grade cells, hand-overs, kernels stopped, gradebook against the grader")
    audit = run_audit(settings, chosen, workers=workers, progress=progress)
    say(audit.summary())

    scores = item_scores(settings, chosen)
    totals = scores.groupby(["assignment", "student"])["score"].sum()
    ok = {(o.assignment, o.student): o.ok for o in outcomes}
    flagged: dict[tuple[str, str], set[str]] = {}
    for finding in audit.findings:
        flagged.setdefault((finding.assignment, finding.student), set()).add(finding.check)
    surprises = []
    for name in chosen:
        for student, kind in cohort.items():
            expected = float(cohorts.expected_score(name, kind))
            got = float(totals.get((name, student), 0.0)) if ok.get((name, student)) else 0.0
            if abs(got - expected) > 1e-3:
                surprises.append(f"{student}/{name} ({kind}): score {got:g}, expected {expected:g}")
            must = cohorts.expected_flagged(name, kind)
            found = flagged.get((name, student), set())
            if found != must.checks:
                surprises.append(
                    f"{student}/{name} ({kind}): the audit flagged "
                    f"{', '.join(sorted(found)) or 'nothing'}; expected "
                    f"{', '.join(sorted(must.checks)) or 'nothing'} ({must.reason})"
                )
    minutes = (time.perf_counter() - started) / 60
    if surprises:
        err(f"demo: {len(surprises)} result(s) differ from what the cohort's kinds must get:")
        for line in surprises:
            err(f"  {line}")
    else:
        say(
            "every trainee got the score their submission kind must get, and the audit "
            "flagged exactly what each kind must trigger (broken notebooks, tampering, changed "
            "grade cells)"
        )
    say(f"done in {minutes:.1f} min. Report: {page}")
    say(f"grades: {grades}; audit: {audit.path}; feedback: {settings.feedback_dir}")
    return EXIT_FAILURES if surprises else EXIT_OK
