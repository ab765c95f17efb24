"""The ``pmcourse`` subcommands as functions: each prints what it did and returns an exit code.

Each step lives in its own module of ``course_lib._pipeline`` (see its docstring); they
import nbgrader, so a plain ``import course_lib`` does not load them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from course_lib._pipeline.audit import run_audit
from course_lib._pipeline.collect import collect_submissions
from course_lib._pipeline.demo import run_demo
from course_lib._pipeline.errors import EXIT_FAILURES, EXIT_OK, PipelineError
from course_lib._pipeline.exchange import release_to_exchange
from course_lib._pipeline.export import export_grades
from course_lib._pipeline.grade import grade_cohort
from course_lib._pipeline.quickstart import lay_out_course
from course_lib._pipeline.release import release_assignment
from course_lib._pipeline.report import write_report
from course_lib._pipeline.return_feedback import graded_students, return_assignment_feedback
from course_lib._pipeline.settings import CONFIG_FILE, CourseSettings, load_settings
from course_lib._pipeline.workers import default_workers, progress_bar

__all__ = [
    "audit",
    "collect",
    "demo",
    "export",
    "grade",
    "quickstart",
    "release",
    "report",
    "return_feedback",
]


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


def release(
    course_dir: Path | None,
    assignment: str | None,
    *,
    exchange: bool = False,
    progress: bool = True,
) -> int:
    """``pmcourse release [ASSIGNMENT] [--exchange]``."""
    settings = load_settings(course_dir)
    chosen = _chosen(settings, [assignment] if assignment else None)
    with progress_bar(len(chosen), progress, "release", unit="assignment") as bar:
        for name in chosen:
            folder = release_assignment(settings, name)
            bar.write(f"released {name} -> {folder}")
            if exchange:
                bar.write(f"  in the exchange for trainees: {release_to_exchange(settings, name)}")
            bar.update(1)
    return EXIT_OK


def grade(
    course_dir: Path | None,
    assignments: Sequence[str] | None,
    workers: int | None,
    progress: bool,
    fresh_kernels: bool = False,
    *,
    sandbox: bool = True,
    force: bool = False,
    students: Sequence[str] = (),
    scheduler: str | None = None,
) -> int:
    """``pmcourse grade``: autograde what changed, feedback, grades export (everyone)."""
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
    address = settings.options.scheduler if scheduler is None else scheduler
    if address:
        _say(f"grading {', '.join(chosen)} on the Dask cluster at {address}")
    else:
        count = workers or settings.options.workers or default_workers()
        _say(f"grading {', '.join(chosen)} with {count} worker processes")
    run = grade_cohort(
        settings,
        chosen,
        workers=workers,
        progress=progress,
        forked_kernels=not fresh_kernels,
        sandbox=sandbox,
        force=force,
        students=students,
        scheduler=address,
    )
    grades = export_grades(settings, chosen)
    failed_now = [outcome for outcome in run.graded if not outcome.ok]
    _say(
        f"graded {len(run.graded) - len(failed_now)} of {len(run.graded)} submissions"
        f" ({run.skipped} unchanged since they were graded, left as they were); "
        f"feedback in {settings.feedback_dir}; grades of everyone in {grades}"
    )
    graded_now = {(outcome.assignment, outcome.student) for outcome in run.graded}
    for outcome in run.failed:
        when = "" if (outcome.assignment, outcome.student) in graded_now else " (unchanged)"
        _say(f"  not graded{when}: {outcome.student}/{outcome.assignment}: {outcome.reason}")
    return EXIT_FAILURES if run.failed else EXIT_OK


def report(course_dir: Path | None, assignments: Sequence[str] | None, progress: bool) -> int:
    """``pmcourse report``: item analysis HTML + CSV files."""

    settings = load_settings(course_dir)
    page = write_report(settings, _graded(settings, assignments), progress=progress)
    _say(f"report: {page}")
    return EXIT_OK


def export(
    course_dir: Path | None, assignments: Sequence[str] | None, fmt: str, to: Path | None
) -> int:
    """``pmcourse export --format FORMAT``: the gradebook as it stands, nothing regraded."""
    settings = load_settings(course_dir)
    path = export_grades(settings, list(assignments or ()), exporter=fmt, to=to)
    _say(f"{fmt} grades: {path}")
    return EXIT_OK


def collect(
    course_dir: Path | None, assignments: Sequence[str] | None, before_duedate: bool
) -> int:
    """``pmcourse collect``: nbgrader collect (with --update) for each assignment."""
    settings = load_settings(course_dir)
    for name in _chosen(settings, assignments):
        _say(collect_submissions(settings, name, before_duedate=before_duedate).summary())
    _say(f"submissions in {settings.submitted_dir}; next: pmcourse grade")
    return EXIT_OK


def return_feedback(
    course_dir: Path | None, assignments: Sequence[str] | None, progress: bool
) -> int:
    """``pmcourse return-feedback``: generate_feedback, then release_feedback."""
    settings = load_settings(course_dir)
    chosen = _chosen(settings, assignments)
    graded = [name for name in chosen if graded_students(settings, name)]
    if not graded:
        raise PipelineError(
            f"no autograded submissions of {', '.join(chosen)} under "
            f"{settings.autograded_dir}. Run `pmcourse collect` and `pmcourse grade` first."
        )
    failed = False
    for name in graded:
        returned = return_assignment_feedback(settings, name, progress=progress)
        failed = failed or bool(returned.failed)
        _say(returned.summary())
        for student, reason in sorted(returned.failed.items()):
            _say(f"  not generated: {student}/{name}: {reason}")
    _say("trainees get theirs with: nbgrader fetch_feedback <assignment>")
    return EXIT_FAILURES if failed else EXIT_OK


def quickstart(directory: Path, course_id: str | None, force: bool) -> int:
    """``pmcourse quickstart DIR``: lay out the packaged course in DIR."""
    written = lay_out_course(directory, course_id=course_id, force=force)
    _say(f"wrote {written} files to {directory.resolve()}: {CONFIG_FILE}, solutions/, course/")
    _say(
        f"next: cd {directory}; pmcourse release (exercises/ for trainees); "
        "pmcourse demo (the whole pipeline on a synthetic cohort); jupyter lab course/"
    )
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
