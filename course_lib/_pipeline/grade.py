"""Autograde a cohort with nbgrader and write its feedback, in a pool of forked workers.

nbgrader's own start costs seconds (most of it imports), so this module imports it once and
forks the workers, which share one gradebook and keep one ``NbGraderAPI`` each. Every
submission still gets its own fresh kernel (nbgrader's ``Execute``): nothing a trainee runs
can leak into another's grading.
More workers than cores keep both cores busy while kernels start and the gradebook is written.
"""

from __future__ import annotations

import copy
import multiprocessing
import sys
import time
import warnings
from collections.abc import Sequence
from typing import Any

from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.feedback import feedback_app, write_feedback
from course_lib._pipeline.gradebook import create_students, ensure_in_gradebook
from course_lib._pipeline.kernels import (
    KernelTemplate,
    grading_config,
    template_supported,
    use_template,
)
from course_lib._pipeline.log import GradeOutcome, write_grading_log
from course_lib._pipeline.results import failure_reason
from course_lib._pipeline.settings import CourseSettings
from course_lib._pipeline.workers import default_workers, progress_bar, redirect_output
from course_lib._sandbox import SandboxUnavailable, check_support
from course_lib.nbgrader_plugins.execute import NO_SANDBOX_WARNING

__all__ = ["TRANSIENT_ATTEMPTS", "grade_cohort", "require_sandbox", "sandbox_config"]


# Per-worker state, set by the pool initializer in each forked worker.
_WORKER: dict[str, Any] = {}


def sandbox_config(config: Config, sandbox: bool) -> Config:
    """A copy of ``config`` whose kernels run sandboxed, or not (``--no-sandbox``)."""
    result = copy.deepcopy(config)
    result.GradingExecute.sandbox = sandbox
    return result


def require_sandbox() -> None:
    """Stop with a PipelineError naming the missing kernel feature when this machine cannot
    run trainee code sandboxed."""
    try:
        check_support()
    except SandboxUnavailable as error:
        raise PipelineError(str(error)) from error


def _init_worker(
    settings: CourseSettings, worker_log: str, forked_kernels: bool, sandbox: bool
) -> None:
    """Give this worker one NbGraderAPI (and a kernel template) and send its console noise
    to ``worker_log``."""
    warnings.simplefilter("ignore")  # nbgrader and SQLAlchemy warnings are logged, not raised
    redirect_output(worker_log)
    config = sandbox_config(settings.config, sandbox)
    if forked_kernels:
        config = grading_config(config, sandbox)
        use_template(KernelTemplate.start())
    _WORKER["api"] = NbGraderAPI(config=config)
    _WORKER["feedback"] = feedback_app(NbGraderAPI(config=settings.config))
    _WORKER["settings"] = settings


TRANSIENT_ATTEMPTS = 3
_TRANSIENT = ("database is locked", "Address already in use", "Kernel died before replying")


def _transient(result: dict[str, Any]) -> bool:
    """Whether a failed autograde hit trouble worth one more try (a busy gradebook, a kernel
    that could not start), rather than a problem of the submission."""
    text = f"{result.get('log', '')}\n{result.get('error', '')}"
    return any(marker in text for marker in _TRANSIENT)


def _grade_one(job: tuple[str, str]) -> GradeOutcome:
    assignment, student = job
    settings: CourseSettings = _WORKER["settings"]
    start = time.perf_counter()
    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        try:
            result = _WORKER["api"].autograde(assignment, student, force=True, create=True)
        except Exception as error:  # a crash in nbgrader must not stop the cohort
            result = {"success": False, "error": f"{type(error).__name__}: {error}"}
        if result.get("success") or not _transient(result) or attempt == TRANSIENT_ATTEMPTS:
            break
        time.sleep(0.5 * attempt)
    folder = settings.submission_dir(student, assignment)
    if not result.get("success"):
        reason = failure_reason(result, folder)
        return GradeOutcome(assignment, student, False, reason, time.perf_counter() - start)
    feedback = write_feedback(_WORKER["feedback"], assignment, student)
    if not feedback.get("success"):
        reason = "graded, but feedback failed: " + failure_reason(feedback, folder)
        return GradeOutcome(assignment, student, False, reason, time.perf_counter() - start)
    return GradeOutcome(assignment, student, True, "", time.perf_counter() - start)


def grade_cohort(
    settings: CourseSettings,
    assignments: Sequence[str],
    *,
    workers: int | None = None,
    progress: bool = True,
    forked_kernels: bool = True,
    sandbox: bool = True,
) -> list[GradeOutcome]:
    """Autograde every submission of ``assignments``; one outcome per submission.

    A submission nbgrader cannot grade is recorded with its reason and the run goes on.
    Re-running regrades everything (``force``), so scores are the same each time.
    ``forked_kernels`` starts each submission's fresh kernel by forking a pre-imported
    template (see ``course_lib._pipeline.kernels``); False starts every kernel from scratch,
    as nbgrader does. ``sandbox`` (the default) runs every kernel confined
    (``course_lib._sandbox``); a machine that cannot is a PipelineError naming why, and
    False grades without it, with a warning.
    """
    if sandbox:
        require_sandbox()
    else:
        print(f"warning: {NO_SANDBOX_WARNING}", file=sys.stderr)
    jobs: list[tuple[str, str]] = []
    for assignment in assignments:
        settings.check_assignment(assignment)
        jobs.extend((assignment, student) for student in settings.students(assignment))
    if not jobs:
        raise PipelineError(
            f"no submissions of {', '.join(assignments)} under {settings.submitted_dir}. "
            "Collect them first (nbgrader collect / zip_collect) so that each is at "
            "submitted/<student>/<assignment>/<assignment>.ipynb."
        )
    for assignment in assignments:
        if settings.students(assignment) and ensure_in_gradebook(settings, assignment):
            print(f"released {assignment} first: it was not in the gradebook", file=sys.stderr)
    create_students(settings, (student for _, student in jobs))
    forked_kernels = forked_kernels and template_supported()

    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    worker_log = settings.reports_dir / "grading_workers.log"
    worker_log.write_text("")
    count = max(1, min(workers or default_workers(), len(jobs)))
    outcomes: list[GradeOutcome] = []
    context = multiprocessing.get_context("fork")
    with (
        context.Pool(
            count, _init_worker, (settings, str(worker_log), forked_kernels, sandbox)
        ) as pool,
        progress_bar(len(jobs), progress, "grading") as bar,
    ):
        for outcome in pool.imap_unordered(_grade_one, jobs):
            outcomes.append(outcome)
            bar.update(1)
            if not outcome.ok:
                bar.write(f"  failed: {outcome.student}/{outcome.assignment}: {outcome.reason}")
    outcomes.sort(key=lambda outcome: (outcome.assignment, outcome.student))
    write_grading_log(settings, outcomes)
    return outcomes
