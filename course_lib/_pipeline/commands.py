"""The ``pmcourse`` subcommands as functions: each prints what it did and returns an exit code.

Each step lives in its own module of ``course_lib._pipeline`` (see its docstring); they
import nbgrader, so a plain ``import course_lib`` does not load them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from course_lib._pipeline.audit import run_audit
from course_lib._pipeline.demo import run_demo
from course_lib._pipeline.errors import EXIT_FAILURES, EXIT_OK, PipelineError
from course_lib._pipeline.export import export_grades
from course_lib._pipeline.grade import grade_cohort
from course_lib._pipeline.release import release_assignment
from course_lib._pipeline.report import write_report
from course_lib._pipeline.settings import CourseSettings, load_settings
from course_lib._pipeline.workers import default_workers

__all__ = ["audit", "demo", "grade", "release", "report"]


def _say(message: str) -> None:
    print(message, flush=True)


def _chosen(settings: CourseSettings, assignments: Sequence[str] | None) -> list[str]:
    """The assignments named (each checked), or every assignment of the course."""
    if assignments:
        for assignment in assignments:
            settings.check_assignment(assignment)
        return list(dict.fromkeys(assignments))
    known = settings.assignments()
    if not known:
        raise PipelineError(
            f"no assignments in {settings.source_dir}: expected one folder per assignment "
            "with its source notebook (e.g. solutions/a1_roles/a1_roles.ipynb)."
        )
    return known


def _graded(settings: CourseSettings, assignments: Sequence[str] | None) -> list[str]:
    """The assignments named, or those with autograded submissions; error if none graded."""
    chosen = _chosen(settings, assignments)
    graded = [name for name in chosen if any(settings.autograded_dir.glob(f"*/{name}"))]
    if not graded:
        raise PipelineError(
            f"nothing graded yet for {', '.join(chosen)} under {settings.autograded_dir}. "
            "Run `pmcourse grade` first."
        )
    return graded if not assignments else chosen


def release(course_dir: Path | None, assignment: str | None) -> int:
    """``pmcourse release [ASSIGNMENT]``."""
    settings = load_settings(course_dir)
    for name in _chosen(settings, [assignment] if assignment else None):
        folder = release_assignment(settings, name)
        _say(f"released {name} -> {folder}")
    return EXIT_OK


def grade(
    course_dir: Path | None,
    assignments: Sequence[str] | None,
    workers: int | None,
    progress: bool,
    fresh_kernels: bool = False,
    *,
    sandbox: bool = True,
) -> int:
    """``pmcourse grade``: autograde, feedback, grades export."""
    settings = load_settings(course_dir)
    chosen = _chosen(settings, assignments)
    if not assignments:
        chosen = [name for name in chosen if settings.students(name)]
        if not chosen:
            raise PipelineError(
                f"no submissions under {settings.submitted_dir}. Collect them first "
                "(nbgrader collect / zip_collect) so that each is at "
                "submitted/<student>/<assignment>/<assignment>.ipynb."
            )
    count = workers or default_workers()
    _say(f"grading {', '.join(chosen)} with {count} worker processes")
    outcomes = grade_cohort(
        settings,
        chosen,
        workers=count,
        progress=progress,
        forked_kernels=not fresh_kernels,
        sandbox=sandbox,
    )
    failed = [outcome for outcome in outcomes if not outcome.ok]
    grades = export_grades(settings, chosen)
    _say(
        f"graded {len(outcomes) - len(failed)} of {len(outcomes)} submissions; "
        f"feedback in {settings.feedback_dir}; grades in {grades}"
    )
    for outcome in failed:
        _say(f"  not graded: {outcome.student}/{outcome.assignment}: {outcome.reason}")
    return EXIT_FAILURES if failed else EXIT_OK


def report(course_dir: Path | None, assignments: Sequence[str] | None) -> int:
    """``pmcourse report``: item analysis HTML + CSV files."""

    settings = load_settings(course_dir)
    page = write_report(settings, _graded(settings, assignments))
    _say(f"report: {page}")
    return EXIT_OK


def audit(course_dir: Path | None, assignments: Sequence[str] | None, progress: bool) -> int:
    """``pmcourse audit``: integrity check; exit 1 when anything is flagged."""

    settings = load_settings(course_dir)
    result = run_audit(settings, _graded(settings, assignments), progress=progress)
    _say(result.summary())
    _say(f"audit details: {result.path}")
    return EXIT_FAILURES if result.flagged_students else EXIT_OK


def demo(
    *,
    source: Path | None,
    output: Path | None,
    students: int | None,
    assignments: Sequence[str] | None,
    workers: int | None,
    progress: bool,
    sandbox: bool = True,
) -> int:
    """``pmcourse demo``: the whole pipeline on a synthetic cohort in a temporary course."""
    return run_demo(
        source=source,
        output=output,
        students=students,
        assignments=assignments,
        workers=workers,
        progress=progress,
        sandbox=sandbox,
        say=_say,
        err=lambda message: print(message, file=sys.stderr, flush=True),
    )
