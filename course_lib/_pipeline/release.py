"""``pmcourse release``: nbgrader's ``generate_assignment`` from the source into the release."""

from __future__ import annotations

from pathlib import Path

from nbgrader.apps import NbGraderAPI

from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.results import failure_reason
from course_lib._pipeline.settings import CourseSettings

__all__ = ["release_assignment"]


def release_assignment(settings: CourseSettings, assignment: str) -> Path:
    """Generate the student version of ``assignment``; returns its release folder."""
    settings.check_assignment(assignment)
    api = NbGraderAPI(config=settings.config)
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result.get("success"):
        raise PipelineError(
            f"nbgrader could not release {assignment} from {settings.source_dir / assignment}: "
            f"{failure_reason(result)}. Fix the source notebook and run release again."
        )
    return settings.release_dir / assignment
