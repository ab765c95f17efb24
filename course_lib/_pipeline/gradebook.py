"""The nbgrader gradebook as the pipeline uses it: assignments released, students known."""

from __future__ import annotations

from collections.abc import Iterable

from nbgrader.api import Gradebook, MissingEntry

from course_lib._pipeline.release import release_assignment
from course_lib._pipeline.settings import CourseSettings

__all__ = ["create_students", "ensure_in_gradebook"]


def ensure_in_gradebook(settings: CourseSettings, assignment: str) -> bool:
    """Make sure nbgrader knows ``assignment``; releases it first if not. True if released."""
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        try:
            notebooks = gradebook.find_assignment(assignment).notebooks
        except MissingEntry:
            notebooks = []
    if notebooks:
        return False
    release_assignment(settings, assignment)
    return True


def create_students(settings: CourseSettings, students: Iterable[str]) -> None:
    """Add every student of ``students`` to the gradebook (those already there are kept)."""
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        for student in sorted(set(students)):
            gradebook.update_or_create_student(student)
