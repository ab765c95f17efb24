"""Autograde a cohort with nbgrader and write its feedback, in a pool of forked workers.

nbgrader's own start costs seconds (most of it imports), so the parent imports it once and
forks the workers, which share one gradebook and keep one ``NbGraderAPI`` each. Every
submission still gets its own fresh kernel (nbgrader's ``Execute``): nothing a trainee runs
can leak into another's grading.
More workers than cores keep both cores busy while kernels start and the gradebook is written.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import re
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from course_lib._pipeline_errors import PipelineError
from course_lib._pipeline_feedback import feedback_config
from course_lib._pipeline_kernels import (
    KernelTemplate,
    grading_config,
    template_supported,
    use_template,
)
from course_lib._pipeline_settings import CourseSettings

GRADING_LOG = "grading_log.csv"

_ERROR_LINE = re.compile(r"^\s*(?:[\w.]+\.)?(\w+(?:Error|Exception|Timeout)): (.*)$")


@dataclass(frozen=True)
class GradeOutcome:
    """How grading one submission went; ``reason`` says why when ``ok`` is False."""

    assignment: str
    student: str
    ok: bool
    reason: str
    seconds: float


def default_workers() -> int:
    """Worker processes: two per core, so kernel start-up waits overlap with work."""
    return max(2, 2 * (os.cpu_count() or 1))


def failure_reason(result: dict[str, Any], notebook: Path | None = None) -> str:
    """A one-line reason from an nbgrader API result (its log and traceback)."""
    text = "\n".join(str(result.get(key, "")) for key in ("log", "error"))
    reasons = [
        f"{match.group(1)}: {match.group(2).strip()}"
        for line in text.splitlines()
        if (match := _ERROR_LINE.match(line)) and "NbGraderException" not in match.group(1)
    ]
    reason = reasons[-1] if reasons else "nbgrader autograde failed (see its log)"
    reason = reason if len(reason) <= 300 else reason[:297] + "..."
    return f"{reason} [{notebook}]" if notebook is not None else reason


def ensure_in_gradebook(settings: CourseSettings, assignment: str) -> bool:
    """Make sure nbgrader knows ``assignment``; releases it first if not. True if released."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        try:
            notebooks = gradebook.find_assignment(assignment).notebooks
        except MissingEntry:
            notebooks = []
    if notebooks:
        return False
    from course_lib._pipeline_release import release_assignment

    release_assignment(settings, assignment)
    return True


def _create_students(settings: CourseSettings, students: Iterable[str]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        for student in sorted(set(students)):
            gradebook.update_or_create_student(student)


def redirect_output(path: str) -> None:
    """Send this process's stdout and stderr (and its children's) to the file ``path``."""
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for fd in (1, 2):
        os.dup2(log_fd, fd)
    os.close(log_fd)
    # Python-level streams may wrap other descriptors (a test runner's capture): rebind them.
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115


# Per-worker state, set by the pool initializer in each forked worker.
_WORKER: dict[str, Any] = {}


def _init_worker(settings: CourseSettings, worker_log: str, forked_kernels: bool) -> None:
    """Give this worker one NbGraderAPI (and a kernel template) and send its console noise
    to ``worker_log``."""
    from nbgrader.apps import NbGraderAPI

    warnings.simplefilter("ignore")  # nbgrader and SQLAlchemy warnings are logged, not raised
    redirect_output(worker_log)
    config = settings.config
    if forked_kernels:
        config = grading_config(config)
        use_template(KernelTemplate.start())
    _WORKER["api"] = NbGraderAPI(config=config)
    _WORKER["feedback"] = _feedback_app(NbGraderAPI(config=feedback_config(settings.config)))
    _WORKER["settings"] = settings


def _feedback_app(api: Any) -> Any:
    """One nbgrader ``GenerateFeedback`` app per worker, set up as ``NbGraderAPI`` sets it up
    (re-used for every submission: building it costs more than rendering one notebook)."""
    from nbgrader.converters import GenerateFeedback
    from traitlets.config import Config

    template = Config()
    template.HTMLExporter.template_name = "feedback"
    app = GenerateFeedback(coursedir=api.coursedir, parent=api)
    app.update_config(template)
    app.force = True
    return app


def _write_feedback(app: Any, assignment: str, student: str) -> dict[str, Any]:
    """Run the worker's feedback app for one submission; nbgrader's result dict."""
    from nbgrader.utils import capture_log, temp_attrs

    with temp_attrs(app.coursedir, assignment_id=assignment, student_id=student):
        result: dict[str, Any] = capture_log(app)
    return result


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
    folder = settings.submitted_dir / student / assignment
    if not result.get("success"):
        reason = failure_reason(result, folder)
        return GradeOutcome(assignment, student, False, reason, time.perf_counter() - start)
    feedback = _write_feedback(_WORKER["feedback"], assignment, student)
    if not feedback.get("success"):
        reason = "graded, but feedback failed: " + failure_reason(feedback, folder)
        return GradeOutcome(assignment, student, False, reason, time.perf_counter() - start)
    return GradeOutcome(assignment, student, True, "", time.perf_counter() - start)


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total, desc="grading", unit="submission", file=sys.stderr, disable=not enabled
    )


def grade_cohort(
    settings: CourseSettings,
    assignments: Sequence[str],
    *,
    workers: int | None = None,
    progress: bool = True,
    forked_kernels: bool = True,
) -> list[GradeOutcome]:
    """Autograde every submission of ``assignments``; one outcome per submission.

    A submission nbgrader cannot grade is recorded with its reason and the run goes on.
    Re-running regrades everything (``force``), so scores are the same each time.
    ``forked_kernels`` starts each submission's fresh kernel by forking a pre-imported
    template (see ``course_lib._pipeline_kernels``); False starts every kernel from scratch,
    as nbgrader does.
    """
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
    _create_students(settings, (student for _, student in jobs))
    import nbgrader.apps  # noqa: F401  (import once here; forked workers inherit it)

    forked_kernels = forked_kernels and template_supported()

    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    worker_log = settings.reports_dir / "grading_workers.log"
    worker_log.write_text("")
    count = max(1, min(workers or default_workers(), len(jobs)))
    outcomes: list[GradeOutcome] = []
    context = multiprocessing.get_context("fork")
    with (
        context.Pool(count, _init_worker, (settings, str(worker_log), forked_kernels)) as pool,
        _progress(len(jobs), progress) as bar,
    ):
        for outcome in pool.imap_unordered(_grade_one, jobs):
            outcomes.append(outcome)
            bar.update(1)
            if not outcome.ok:
                bar.write(f"  failed: {outcome.student}/{outcome.assignment}: {outcome.reason}")
    outcomes.sort(key=lambda outcome: (outcome.assignment, outcome.student))
    write_grading_log(settings, outcomes)
    return outcomes


def write_grading_log(settings: CourseSettings, outcomes: Sequence[GradeOutcome]) -> Path:
    """Record the outcomes (merged with earlier runs of other assignments) as a CSV."""
    path = settings.reports_dir / GRADING_LOG
    kept = {
        (old.assignment, old.student): old
        for old in read_grading_log(settings)
        if old.assignment not in {outcome.assignment for outcome in outcomes}
    }
    kept.update({(outcome.assignment, outcome.student): outcome for outcome in outcomes})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[field.name for field in fields(GradeOutcome)])
        writer.writeheader()
        for key in sorted(kept):
            row = asdict(kept[key])
            row["seconds"] = f"{row['seconds']:.2f}"
            writer.writerow(row)
    return path


def read_grading_log(settings: CourseSettings) -> list[GradeOutcome]:
    """Outcomes recorded by earlier ``grade`` runs (empty if none)."""
    path = settings.reports_dir / GRADING_LOG
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            GradeOutcome(
                assignment=row["assignment"],
                student=row["student"],
                ok=row["ok"] == "True",
                reason=row["reason"],
                seconds=float(row["seconds"]),
            )
            for row in csv.DictReader(handle)
        ]
