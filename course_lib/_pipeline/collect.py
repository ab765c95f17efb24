"""``pmcourse collect``: nbgrader's ``collect`` for each assignment, with what changed.

Submissions move from the exchange's inbound folder to ``submitted/<student>/<assignment>/``
(nbgrader keeps the latest submission of each trainee; ``before_duedate`` keeps the latest one
made before the due date instead). The summary names who was collected for the first time,
whose newer submission replaced the one collected before, and who submitted after the due
date set in the gradebook (``nbgrader db assignment add ID --duedate=...``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.utils import capture_log, parse_utc, temp_attrs

from course_lib._pipeline.exchange import exchange_api, run_step
from course_lib._pipeline.settings import CourseSettings

__all__ = ["Collected", "collect_submissions", "submission_timestamps"]


@dataclass(frozen=True)
class Collected:
    """What one ``collect`` did for ``assignment``."""

    assignment: str
    new: list[str]
    updated: list[str]
    unchanged: list[str]
    late: list[str]

    def summary(self) -> str:
        """One line: how many were collected, updated, unchanged and late."""
        text = (
            f"{self.assignment}: {len(self.new)} collected, {len(self.updated)} updated with a "
            f"newer submission, {len(self.unchanged)} unchanged"
        )
        if self.late:
            text += f"; late: {', '.join(self.late)}"
        return text


def submission_timestamps(settings: CourseSettings, assignment: str) -> dict[str, str]:
    """Student -> the text of ``timestamp.txt`` of each collected submission ('' if none)."""
    stamps = {}
    for student in settings.students(assignment):
        path = settings.submission_dir(student, assignment) / "timestamp.txt"
        stamps[student] = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    return stamps


def _duedate(settings: CourseSettings, assignment: str) -> datetime | None:
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        try:
            duedate: datetime | None = gradebook.find_assignment(assignment).duedate
        except MissingEntry:
            return None
    return duedate


def collect_submissions(
    settings: CourseSettings, assignment: str, *, before_duedate: bool = False
) -> Collected:
    """Run nbgrader's ``collect`` (with ``--update``) for ``assignment``; what changed."""
    settings.check_assignment(assignment)
    before = submission_timestamps(settings, assignment)
    result = _collect(exchange_api(settings), assignment, before_duedate)
    run_step(settings, "collect", assignment, result)
    after = submission_timestamps(settings, assignment)
    duedate = _duedate(settings, assignment)
    late = [
        student
        for student, stamp in after.items()
        if duedate is not None and stamp and parse_utc(stamp) > duedate
    ]
    return Collected(
        assignment=assignment,
        new=sorted(set(after) - set(before)),
        updated=sorted(s for s in after if s in before and before[s] != after[s]),
        unchanged=sorted(s for s in after if s in before and before[s] == after[s]),
        late=sorted(late),
    )


def _collect(api: NbGraderAPI, assignment: str, before_duedate: bool) -> Any:
    """nbgrader's collect app run as ``NbGraderAPI.collect`` runs it, ``before_duedate`` set."""
    with temp_attrs(api.coursedir, assignment_id=assignment):
        app = api.exchange.Collect(
            coursedir=api.coursedir, authenticator=api.authenticator, parent=api
        )
        app.update = True
        app.before_duedate = before_duedate
        return capture_log(app)
