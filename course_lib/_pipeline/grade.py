"""Autograde a cohort with nbgrader and write its feedback: on this machine or on a Dask cluster.

The coordinating process (this one) decides what to grade, hands tasks out and records what
comes back; workers never touch the course's folders or gradebook:

1. every submission folder is hashed (:mod:`.fingerprint`); one that was graded before with
   the same files and the same release is skipped, unless ``force`` or its student is named;
2. each assignment's release is read from the gradebook once into a bundle (:mod:`.bundle`);
3. each submission becomes a task carrying its files (:mod:`.tasks`), graded in a pool of
   forked processes (:mod:`.pool`) or on a Dask cluster (:mod:`.cluster`, imported only
   then): nbgrader's own autograde and feedback in a private course (:mod:`.autograder`),
   a fresh sandboxed kernel forked from a pre-imported template per submission;
4. the recorder (:mod:`.record`) writes each result once: folders, then the gradebook, over
   at most ``c.PmCourse.db_connections`` connections;
5. the grading log keeps each submission's outcome and hashes.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from course_lib._pipeline.autograder import require_sandbox
from course_lib._pipeline.bundle import AssignmentBundle, build_bundle
from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.fingerprint import read_tree, tree_digest
from course_lib._pipeline.gradebook import create_students, ensure_in_gradebook, open_gradebook
from course_lib._pipeline.log import GradeOutcome, read_grading_log, write_grading_log
from course_lib._pipeline.pool import local_results
from course_lib._pipeline.record import Recorder
from course_lib._pipeline.settings import CourseSettings
from course_lib._pipeline.tasks import GradingResult, GradingTask, WorkerOptions
from course_lib._pipeline.workers import default_workers, progress_bar
from course_lib.nbgrader_plugins.execute import NO_SANDBOX_WARNING

__all__ = ["GradingRun", "PlannedSubmission", "grade_cohort", "plan_grading"]


@dataclass(frozen=True)
class GradingRun:
    """What one ``grade`` did: ``graded`` in this run, ``outcomes`` of every current
    submission of the assignments (those skipped keep their last outcome)."""

    graded: list[GradeOutcome]
    outcomes: list[GradeOutcome]

    @property
    def skipped(self) -> int:
        """Submissions left as they were (unchanged since they were graded)."""
        return len(self.outcomes) - len(self.graded)

    @property
    def failed(self) -> list[GradeOutcome]:
        """Current submissions that are not graded (this run or before)."""
        return [outcome for outcome in self.outcomes if not outcome.ok]


@dataclass(frozen=True)
class PlannedSubmission:
    """A current submission and the content hash of its folder."""

    assignment: str
    student: str
    submission_hash: str


def _submissions(
    settings: CourseSettings, assignments: Sequence[str], students: Collection[str]
) -> list[PlannedSubmission]:
    """Every current submission of ``assignments`` (of ``students`` only, when given), hashed."""
    ignore = list(settings.config.CourseDirectory.get("ignore", []))
    found = []
    for assignment in assignments:
        settings.check_assignment(assignment)
        for student in settings.students(assignment):
            files = read_tree(settings.submission_dir(student, assignment), ignore)
            found.append(PlannedSubmission(assignment, student, tree_digest(files)))
    if students:
        missing = sorted(set(students) - {planned.student for planned in found})
        if missing:
            raise PipelineError(
                f"no submission of {', '.join(assignments)} from {', '.join(missing)} under "
                f"{settings.submitted_dir}. Check the student ids (folder names there), or "
                "collect their submissions first."
            )
    if not found:
        raise PipelineError(
            f"no submissions of {', '.join(assignments)} under {settings.submitted_dir}. "
            "Collect them first (nbgrader collect / zip_collect) so that each is at "
            "submitted/<student>/<assignment>/<assignment>.ipynb."
        )
    return found


def plan_grading(
    settings: CourseSettings,
    planned: Sequence[PlannedSubmission],
    digests: Mapping[str, str],
    *,
    force: bool,
    students: Collection[str],
) -> tuple[list[PlannedSubmission], dict[tuple[str, str], GradeOutcome]]:
    """Which submissions to grade, and the last outcome of every other current one.

    Graded: all with ``force``; else those of ``students`` when given; else each new one,
    one whose files or release changed since it was graded, and one whose autograded
    notebook is gone.
    """
    previous = {(old.assignment, old.student): old for old in read_grading_log(settings)}
    to_grade, kept = [], {}
    for item in planned:
        old = previous.get((item.assignment, item.student))
        if students:
            chosen = item.student in students
        else:
            chosen = (
                force
                or old is None
                or old.submission_hash != item.submission_hash
                or old.assignment_hash != digests[item.assignment]
                or (old.ok and not settings.autograded_notebook(item.student, item.assignment)
                    .is_file())
            )  # fmt: skip
        if chosen:
            to_grade.append(item)
        elif old is not None:
            kept[(item.assignment, item.student)] = old
    return to_grade, kept


def _tasks(
    settings: CourseSettings, planned: Sequence[PlannedSubmission], digests: Mapping[str, str]
) -> Iterator[GradingTask]:
    """One task per planned submission, its files read when the task is handed out."""
    ignore = list(settings.config.CourseDirectory.get("ignore", []))
    for item in planned:
        folder = settings.submission_dir(item.student, item.assignment)
        files = read_tree(folder, ignore)
        yield GradingTask(
            assignment=item.assignment,
            student=item.student,
            files=files,
            submission_hash=tree_digest(files),
            bundle_digest=digests[item.assignment],
            origin=str(folder),
        )


def _results(
    settings: CourseSettings,
    tasks: Iterator[GradingTask],
    bundles: Mapping[str, AssignmentBundle],
    options: WorkerOptions,
    workers: int,
    scheduler: str,
    recorder: Recorder,
) -> Iterator[GradingResult]:
    if scheduler:
        # Imported here, not at the top: Dask's import costs seconds that local runs skip.
        from course_lib._pipeline.cluster import cluster_results

        return cluster_results(scheduler, tasks, bundles, options)
    worker_log = settings.reports_dir / "grading_workers.log"
    worker_log.write_text("")
    return local_results(tasks, bundles, options, workers, str(worker_log), recorder.paused)


def grade_cohort(
    settings: CourseSettings,
    assignments: Sequence[str],
    *,
    workers: int | None = None,
    progress: bool = True,
    forked_kernels: bool = True,
    sandbox: bool = True,
    force: bool = False,
    students: Collection[str] = (),
    scheduler: str | None = None,
    expected_failures: Mapping[tuple[str, str], str] | None = None,
) -> GradingRun:
    """Autograde the submissions of ``assignments`` that need it (see :func:`plan_grading`).

    A submission nbgrader cannot grade is recorded with its reason and the run goes on; a
    failure listed in ``expected_failures`` (``(assignment, student)`` -> why) is printed as
    expected. ``scheduler`` (default ``c.PmCourse.scheduler``) grades on that Dask cluster;
    ``workers`` (default ``c.PmCourse.workers``, else :func:`default_workers`) is the local
    pool's size. ``forked_kernels`` False starts every kernel from scratch, as nbgrader does;
    ``sandbox`` False grades without the sandbox, with a warning.
    """
    scheduler = settings.options.scheduler if scheduler is None else scheduler
    if not sandbox:
        print(f"warning: {NO_SANDBOX_WARNING}", file=sys.stderr)
    elif not scheduler:
        require_sandbox()
    planned = _submissions(settings, assignments, set(students))
    for assignment in assignments:
        if settings.students(assignment) and ensure_in_gradebook(settings, assignment):
            print(f"released {assignment} first: it was not in the gradebook", file=sys.stderr)
    create_students(settings, (item.student for item in planned))
    with open_gradebook(settings) as gradebook:
        bundles = {name: build_bundle(settings, gradebook, name) for name in assignments}
    digests = {name: bundle.digest for name, bundle in bundles.items()}
    to_grade, kept = plan_grading(settings, planned, digests, force=force, students=set(students))

    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    count = max(1, min(workers or settings.options.workers or default_workers(), len(to_grade)))
    options = WorkerOptions(settings.config, forked_kernels=forked_kernels, sandbox=sandbox)
    expected = expected_failures or {}
    with progress_bar(len(to_grade), progress, "grading") as bar:

        def recorded(outcome: GradeOutcome) -> None:
            bar.update(1)
            if not outcome.ok:
                why = expected.get((outcome.assignment, outcome.student))
                status = f"failed as expected ({why})" if why else "failed"
                bar.write(f"  {status}: {outcome.student}/{outcome.assignment}: {outcome.reason}")

        recorder = Recorder(settings, settings.options.db_connections, recorded)
        try:
            if to_grade:
                tasks = _tasks(settings, to_grade, digests)
                by_digest = {bundle.digest: bundle for bundle in bundles.values()}
                with recorder:
                    for result in _results(
                        settings, tasks, by_digest, options, count, scheduler, recorder
                    ):
                        recorder.record(result)
        finally:
            # What was recorded is logged even when the run is interrupted.
            graded = sorted(recorder.outcomes, key=lambda o: (o.assignment, o.student))
            current = {**kept, **{(o.assignment, o.student): o for o in graded}}
            outcomes = sorted(current.values(), key=lambda o: (o.assignment, o.student))
            write_grading_log(settings, outcomes)
    return GradingRun(graded=graded, outcomes=outcomes)
