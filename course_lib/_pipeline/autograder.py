"""The worker side of grading: nbgrader's own Autograde and GenerateFeedback in a private course.

A worker process (in the local pool or on a Dask worker) keeps one :class:`Autograder`: a
private folder (0700, removed when the process ends), a kernel template that has done the
imports (``course_lib._pipeline.kernels``) and, per assignment bundle, a private nbgrader course:
the source folder's data files and a SQLite gradebook holding the release
(:func:`course_lib._pipeline.bundle.install_bundle`). Grading a task writes the submission into
that course, runs ``NbGraderAPI.autograde`` (the course's whole autograde pipeline: repair,
key-blind test cells, the sandboxed kernel, grader-side scoring) and the feedback app, and
returns the autograded and feedback folders with what nbgrader recorded in the private
gradebook. Nothing is written where the coordinator looks, so a task can run twice.

Why nbgrader's app in a private course rather than a hand-made pipeline: plain ``nbgrader
autograde`` and ``pmcourse grade`` keep running exactly the steps listed in
``nbgrader_config.py``, on one machine or many; the private gradebook is what keeps workers
off the course's database (their number does not bound its connections) and off any shared
folder.
"""

from __future__ import annotations

import contextlib
import copy
import multiprocessing.util
import os
import shutil
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from course_lib._pipeline.bundle import AssignmentBundle, install_bundle, versions
from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.feedback import feedback_app, write_feedback
from course_lib._pipeline.fingerprint import read_tree, write_tree
from course_lib._pipeline.kernels import (
    KernelTemplate,
    grading_config,
    template_supported,
    use_template,
)
from course_lib._pipeline.nbgrader_tuning import forget_private, tune_worker
from course_lib._pipeline.results import failure_reason
from course_lib._pipeline.tasks import (
    GradingResult,
    GradingTask,
    NotebookGrades,
    WorkerOptions,
    failed_result,
)
from course_lib._sandbox import SandboxUnavailable, check_support

__all__ = [
    "TRANSIENT_ATTEMPTS",
    "Autograder",
    "grade_in_this_process",
    "is_transient_failure",
    "require_sandbox",
    "sandbox_config",
]

TRANSIENT_ATTEMPTS = 3
_TRANSIENT = ("database is locked", "Address already in use", "Kernel died before replying")


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


def is_transient_failure(result: dict[str, Any]) -> bool:
    """Whether a failed autograde hit trouble worth one more try (a kernel that could not
    start, a busy database), rather than a problem of the submission."""
    text = f"{result.get('log', '')}\n{result.get('error', '')}"
    return any(marker in text for marker in _TRANSIENT)


@dataclass
class _PrivateCourse:
    """One assignment's private nbgrader course inside a worker."""

    root: Path
    config: Config
    api: Any
    feedback: Any
    gradebook: Gradebook

    def folder(self, kind: str, task: GradingTask) -> Path:
        name = self.config.CourseDirectory.get(f"{kind}_directory", kind)
        return self.root / str(name) / task.student / task.assignment


class Autograder:
    """One worker process's grading machinery (see the module docstring)."""

    def __init__(self, options: WorkerOptions) -> None:
        if options.sandbox:
            require_sandbox()
        self.options = options
        self.folder = Path(tempfile.mkdtemp(prefix="pmcourse-grader-"))
        tune_worker(self.folder)
        config = sandbox_config(options.config, options.sandbox)
        self.template: KernelTemplate | None = None
        if options.forked_kernels and template_supported():
            config = grading_config(config, options.sandbox)
            self.template = KernelTemplate.start()
            use_template(self.template)
        self.config = config
        self.courses: dict[str, _PrivateCourse] = {}
        multiprocessing.util.Finalize(self, self.close, exitpriority=10)

    def _course(self, bundle: AssignmentBundle) -> _PrivateCourse:
        course = self.courses.get(bundle.digest)
        if course is not None:
            return course
        root = self.folder / bundle.digest[:16]
        config = copy.deepcopy(self.config)
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
        config.CourseDirectory.course_id = bundle.course_id
        source = str(config.CourseDirectory.get("source_directory", "source"))
        write_tree(bundle.files, root / source / bundle.assignment)
        install_bundle(bundle, config.CourseDirectory.db_url)
        api = NbGraderAPI(config=config)
        course = _PrivateCourse(
            root=root,
            config=config,
            api=api,
            feedback=feedback_app(api),
            gradebook=Gradebook(config.CourseDirectory.db_url, bundle.course_id),
        )
        self.courses[bundle.digest] = course
        return course

    def grade(self, task: GradingTask, bundle: AssignmentBundle) -> GradingResult:
        """Grade ``task`` against ``bundle``; every failure becomes a result saying why."""
        start = time.perf_counter()
        if bundle.versions != versions():
            return failed_result(
                task,
                f"worker {os.uname().nodename} has {versions()}, the coordinator "
                f"{bundle.versions}: install the same versions on every worker",
            )
        course = self._course(bundle)
        folders = {kind: course.folder(kind, task) for kind in ("submitted", "autograded")}
        folders["feedback"] = course.folder("feedback", task)
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        write_tree(task.files, folders["submitted"])
        try:
            return self._grade(task, course, folders, start)
        finally:
            self._forget(course, task)
            for folder in folders.values():
                shutil.rmtree(folder, ignore_errors=True)

    def _grade(
        self, task: GradingTask, course: _PrivateCourse, folders: dict[str, Path], start: float
    ) -> GradingResult:
        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            try:
                outcome = course.api.autograde(task.assignment, task.student, force=True)
            except Exception as error:  # a crash in nbgrader must not stop the cohort
                outcome = {"success": False, "error": f"{type(error).__name__}: {error}"}
            if outcome.get("success") or not is_transient_failure(outcome):
                break
            if attempt < TRANSIENT_ATTEMPTS:
                time.sleep(0.5 * attempt)
        submitted, timestamp, grades = self._recorded(course, task)
        base = failed_result(task, "")
        origin = Path(task.origin) if task.origin else folders["submitted"]
        if not outcome.get("success"):
            reason = failure_reason(outcome, origin)
            return replace(base, reason=reason, submitted=submitted, timestamp=timestamp,
                            autograded=read_tree(folders["autograded"]),
                            seconds=time.perf_counter() - start)  # fmt: skip
        feedback = write_feedback(course.feedback, task.assignment, task.student)
        autograded = read_tree(folders["autograded"])
        common = {"submitted": submitted, "timestamp": timestamp, "grades": grades,
                  "autograded": autograded, "worker": os.uname().nodename}  # fmt: skip
        if not feedback.get("success"):
            why = failure_reason(feedback, origin)
            reason = f"graded, but feedback failed: {why}"
            return replace(base, reason=reason, seconds=time.perf_counter() - start, **common)
        return replace(base, ok=True, feedback=read_tree(folders["feedback"]),
                        seconds=time.perf_counter() - start, **common)  # fmt: skip

    @staticmethod
    def _recorded(
        course: _PrivateCourse, task: GradingTask
    ) -> tuple[bool, Any, dict[str, NotebookGrades] | None]:
        """What nbgrader recorded for ``task`` in the private gradebook."""
        gradebook = course.gradebook
        try:
            submission = gradebook.find_submission(task.assignment, task.student)
        except MissingEntry:
            gradebook.db.commit()
            return False, None, None
        grades = {
            notebook.name: NotebookGrades(
                scores={grade.name: grade.auto_score for grade in notebook.grades},
                comments={comment.name: comment.auto_comment for comment in notebook.comments},
            )
            for notebook in submission.notebooks
        }
        timestamp = submission.timestamp
        gradebook.db.commit()
        return True, timestamp, grades

    @staticmethod
    def _forget(course: _PrivateCourse, task: GradingTask) -> None:
        """Remove the submission from the private gradebook (it stays small and a task can
        run again)."""
        with contextlib.suppress(MissingEntry):
            course.gradebook.remove_submission(task.assignment, task.student)
        course.gradebook.db.commit()

    def close(self) -> None:
        """Close the private gradebooks, stop the template, remove the private folder."""
        for course in self.courses.values():
            course.gradebook.close()
        forget_private(self.folder)
        self.courses.clear()
        if self.template is not None:
            use_template(None)
            self.template.close()
            self.template = None
        shutil.rmtree(self.folder, ignore_errors=True)


_PROCESS: dict[str, Autograder] = {}
_PROCESS_LOCK = threading.Lock()


def grade_in_this_process(
    task: GradingTask, bundle: AssignmentBundle, options: WorkerOptions
) -> GradingResult:
    """Grade ``task`` with this process's :class:`Autograder` (made on first use with
    ``options``), one task at a time: the entry point of Dask tasks."""
    with _PROCESS_LOCK:
        autograder = _PROCESS.get("autograder")
        if autograder is None:
            warnings.simplefilter("ignore")  # nbgrader and SQLAlchemy warnings are logged
            autograder = _PROCESS["autograder"] = Autograder(options)
        return autograder.grade(task, bundle)
