"""The coordinator's side of grading: each result written into the course, exactly once.

Workers grade against private copies of the release and bring everything back
(:mod:`course_lib._pipeline.tasks`); only here is the course touched. For each result the
recorder replaces the submission's ``autograded/`` and ``feedback/`` folders (written aside,
then swapped in), then writes to the gradebook what nbgrader's autograde writes, as it
writes it: the submission and its timestamp, each grade's automatic score with
``needs_manual_grade`` set as ``SaveAutoGrades`` sets it (a manual grade already given is kept
and flagged for review), each automatic comment, and the late penalty
(``AssignLatePenalties``' plugin, from the gradebook's own due date, extension and score).

A fixed number of recorder threads (``c.PmCourse.db_connections``, one for SQLite) each hold
one gradebook connection for the whole run, whatever the number of workers. A transient
database error (busy, no free connection, dropped, serialization) is retried with backoff
(:func:`course_lib._pipeline.db_errors.retry_transient`); a result whose submission was
already recorded in this run is ignored.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties

from course_lib._pipeline.db_errors import retry_transient
from course_lib._pipeline.fingerprint import FileTree, write_tree
from course_lib._pipeline.log import GradeOutcome
from course_lib._pipeline.settings import CourseSettings, shown_url
from course_lib._pipeline.tasks import GradingResult

__all__ = ["Recorder", "record_in_gradebook", "replace_folder"]

_DONE = None


def replace_folder(target: Path, tree: FileTree) -> None:
    """Make ``target`` hold exactly ``tree`` (removed when ``tree`` is empty): written next to
    it first, then swapped in, so that a reader sees the old folder or the new one."""
    staging = target.with_name(f".{target.name}.pmcourse-new")
    retired = target.with_name(f".{target.name}.pmcourse-old")
    for folder in (staging, retired):
        shutil.rmtree(folder, ignore_errors=True)
    if tree:
        write_tree(tree, staging)
    if target.exists():
        target.rename(retired)
    if tree:
        staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def record_in_gradebook(
    gradebook: Gradebook, result: GradingResult, late: AssignLatePenalties
) -> None:
    """Write ``result`` into ``gradebook`` as nbgrader's autograde does (see the module)."""
    if not result.submitted:
        return  # nbgrader stopped before it recorded the submission
    options: dict[str, Any] = {}
    if result.timestamp is not None:
        options["timestamp"] = result.timestamp
    submission = gradebook.update_or_create_submission(result.assignment, result.student, **options)
    if result.grades is None:
        gradebook.db.commit()
        return
    for notebook in submission.notebooks:
        recorded = result.grades.get(notebook.name)
        if recorded is None:
            continue
        for grade in notebook.grades:
            if grade.name in recorded.scores:
                grade.auto_score = recorded.scores[grade.name]
                # As SaveAutoGrades: a manual grade, or no automatic score, needs a review.
                grade.needs_manual_grade = (
                    grade.manual_score is not None or grade.auto_score is None
                )
        for comment in notebook.comments:
            if comment.name in recorded.comments:
                comment.auto_comment = recorded.comments[comment.name]
    gradebook.db.commit()
    seconds_late = submission.total_seconds_late
    for notebook in submission.notebooks:
        # As AssignLatePenalties, with the gradebook's own scores, due date and extension.
        notebook.late_submission_penalty = None
        if seconds_late > 0:
            penalty = late.plugin_inst.late_submission_penalty(
                result.student, notebook.score, seconds_late
            )
            if penalty is not None:
                notebook.late_submission_penalty = late._check_late_penalty(notebook, penalty)
    gradebook.db.commit()


class Recorder:
    """Recorder threads writing results into the course (see the module docstring).

    Use as a context manager; :meth:`record` queues a result, ``on_recorded`` is called (one
    call at a time) with each outcome once it is written; :attr:`outcomes` lists them.
    """

    def __init__(
        self,
        settings: CourseSettings,
        connections: int,
        on_recorded: Callable[[GradeOutcome], None] = lambda outcome: None,
    ) -> None:
        self.settings = settings
        sqlite = settings.db_url.startswith("sqlite")
        self.connections = 1 if sqlite else max(1, connections)
        self.on_recorded = on_recorded
        self.outcomes: list[GradeOutcome] = []
        self._queue: queue.Queue[GradingResult | None] = queue.Queue(maxsize=8 * self.connections)
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str]] = set()
        # Forking while a recorder thread is inside an import or a library lock leaves that
        # lock held forever in the child: pools fork only while the recorders are paused.
        self._state = threading.Condition()
        self._working = 0
        self._paused = False
        self._threads = [
            threading.Thread(target=self._run, name=f"pmcourse-recorder-{index}", daemon=True)
            for index in range(self.connections)
        ]

    def __enter__(self) -> Recorder:
        # nbgrader's add_submission trips SQLAlchemy's "not in session" warning (harmless,
        # and hidden inside nbgrader's own autograde, which ignores warnings).
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def record(self, result: GradingResult) -> bool:
        """Queue ``result``; False (and nothing queued) when its submission was already."""
        with self._lock:
            if result.key in self._seen:
                return False
            self._seen.add(result.key)
        self._queue.put(result)
        return True

    def close(self) -> None:
        """Wait until every queued result is written; stop the threads."""
        for _ in self._threads:
            self._queue.put(_DONE)
        for thread in self._threads:
            thread.join()
        self._warnings.__exit__(None, None, None)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No recorder thread works inside this block (it waits for those working to finish):
        the moment to fork worker processes."""
        with self._state:
            self._paused = True
            self._state.wait_for(lambda: self._working == 0)
        try:
            yield
        finally:
            with self._state:
                self._paused = False
                self._state.notify_all()

    @contextlib.contextmanager
    def _working_block(self) -> Iterator[None]:
        with self._state:
            self._state.wait_for(lambda: not self._paused)
            self._working += 1
        try:
            yield
        finally:
            with self._state:
                self._working -= 1
                self._state.notify_all()

    def _open(self) -> Gradebook:
        return retry_transient(lambda: Gradebook(self.settings.db_url, self.settings.course_id))

    def _run(self) -> None:
        gradebook: Gradebook | None = None
        opening_error = ""
        late = AssignLatePenalties(config=self.settings.config)
        try:
            with self._working_block():
                late.init_plugin()
                gradebook = self._open()
        except Exception as error:
            opening_error = (
                f"cannot open the gradebook {shown_url(self.settings.db_url)}: "
                f"{type(error).__name__}: {error}"
            )
        try:
            while (result := self._queue.get()) is not _DONE:
                with self._working_block():
                    outcome = self._record(gradebook, late, result, opening_error)
                with self._lock:
                    self.outcomes.append(outcome)
                    try:
                        self.on_recorded(outcome)
                    except Exception as error:  # the display; the thread must drain the queue
                        print(f"warning: progress display failed: {error}", file=sys.stderr)
        finally:
            if gradebook is not None:
                gradebook.close()

    def _record(
        self,
        gradebook: Gradebook | None,
        late: AssignLatePenalties,
        result: GradingResult,
        opening_error: str,
    ) -> GradeOutcome:
        settings = self.settings
        ok, reason = result.ok, result.reason
        try:
            replace_folder(settings.autograded_dir / result.student / result.assignment,
                           result.autograded)  # fmt: skip
            replace_folder(settings.feedback_dir / result.student / result.assignment,
                           result.feedback)  # fmt: skip
            if gradebook is None:
                raise RuntimeError(opening_error)
            retry_transient(
                lambda: record_in_gradebook(gradebook, result, late),
                before_retry=lambda error: gradebook.db.rollback(),
            )
        except Exception as error:
            if gradebook is not None:
                with contextlib.suppress(Exception):
                    gradebook.db.rollback()
            ok = False
            reason = f"graded, but not recorded: {type(error).__name__}: {error}".splitlines()[0]
        return GradeOutcome(
            assignment=result.assignment,
            student=result.student,
            ok=ok,
            reason=reason,
            seconds=result.seconds,
            submission_hash=result.submission_hash,
            assignment_hash=result.bundle_digest,
        )
