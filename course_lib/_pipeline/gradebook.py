"""The course's nbgrader gradebook as the pipeline uses it: opened with retries, assignments
released, students known.

Only the coordinating process opens it (workers grade against private copies of the release,
:mod:`course_lib._pipeline.bundle`), one connection per open gradebook.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from nbgrader.api import Gradebook, MissingEntry

from course_lib._pipeline.db_errors import retry_transient
from course_lib._pipeline.release import release_assignment
from course_lib._pipeline.settings import CourseSettings

__all__ = ["create_students", "ensure_in_gradebook", "open_gradebook"]


@contextmanager
def open_gradebook(settings: CourseSettings) -> Iterator[Gradebook]:
    """The course's gradebook, opened for ``settings.course_id`` (retried while the server
    is busy, has no free connection or drops it); closed afterwards."""
    gradebook = retry_transient(lambda: Gradebook(settings.db_url, settings.course_id))
    try:
        yield gradebook
    finally:
        gradebook.close()


def ensure_in_gradebook(settings: CourseSettings, assignment: str) -> bool:
    """Make sure nbgrader knows ``assignment``; releases it first if not. True if released."""

    def notebooks() -> list[object]:
        with open_gradebook(settings) as gradebook:
            try:
                return list(gradebook.find_assignment(assignment).notebooks)
            except MissingEntry:
                return []

    if retry_transient(notebooks):
        return False
    release_assignment(settings, assignment)
    return True


def create_students(settings: CourseSettings, students: Iterable[str]) -> None:
    """Add every student of ``students`` to the gradebook (those already there are kept).

    Done by the coordinator before grading: two connections creating one new student at once
    conflict on PostgreSQL.
    """
    wanted = sorted(set(students))

    def create() -> None:
        with open_gradebook(settings) as gradebook:
            known = {student.id for student in gradebook.students}
            for student in wanted:
                if student not in known:
                    gradebook.update_or_create_student(student)

    retry_transient(create)
