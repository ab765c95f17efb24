"""``pmcourse return-feedback``: nbgrader's ``generate_feedback`` then ``release_feedback``.

Feedback is generated again first, with the course's feedback pipeline (hidden tests never
shown), so manual grades and comments given in Formgrader since ``pmcourse grade`` are in it.
``release_feedback`` then puts each file in the exchange under a name only its trainee's
submission can find (nbgrader hashes it with that submission's secret): trainees get theirs
with ``nbgrader fetch_feedback`` and nobody else's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from course_lib._pipeline.exchange import exchange_api, run_step
from course_lib._pipeline.feedback import feedback_app, write_feedback
from course_lib._pipeline.results import failure_reason
from course_lib._pipeline.settings import CourseSettings
from course_lib._pipeline.workers import progress_bar

__all__ = ["Returned", "graded_students", "return_assignment_feedback"]


@dataclass(frozen=True)
class Returned:
    """What ``return-feedback`` did for ``assignment``: feedback released per student, and
    the students whose feedback could not be generated, with the reason."""

    assignment: str
    released: list[str]
    failed: dict[str, str]

    def summary(self) -> str:
        """One line: how many feedback files went to the exchange, and failures."""
        text = f"{self.assignment}: feedback released for {len(self.released)} trainee(s)"
        if self.failed:
            text += f"; not generated for {', '.join(sorted(self.failed))}"
        return text


def graded_students(settings: CourseSettings, assignment: str) -> list[str]:
    """Students whose submission of ``assignment`` nbgrader autograded, sorted."""
    return sorted(
        student
        for student in settings.students(assignment)
        if settings.autograded_notebook(student, assignment).is_file()
    )


def return_assignment_feedback(
    settings: CourseSettings,
    assignment: str,
    students: Sequence[str] = (),
    *,
    progress: bool = False,
) -> Returned:
    """Generate feedback for the autograded submissions of ``assignment`` (those of
    ``students`` only, when given) and release it to the exchange."""
    settings.check_assignment(assignment)
    chosen = [s for s in graded_students(settings, assignment) if not students or s in students]
    api = exchange_api(settings)
    app = feedback_app(api)
    released: list[str] = []
    failed: dict[str, str] = {}
    with progress_bar(len(chosen), progress, f"feedback {assignment}") as bar:
        for student in chosen:
            result = write_feedback(app, assignment, student)
            if result.get("success"):
                released.append(student)
            else:
                failed[student] = failure_reason(result, settings.feedback_dir / student)
            bar.update(1)
    for student in released:
        run_step(
            settings,
            "release_feedback",
            assignment,
            api.release_feedback(assignment, student_id=student),
        )
    return Returned(assignment, released, failed)
