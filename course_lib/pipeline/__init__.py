"""The instructor pipeline behind ``pmcourse``: release, grade, feedback, export, report, audit.

Every step goes through nbgrader itself (its API and converters); this package adds a parallel
grading pool, feedback that never shows hidden tests, a per-item grades export, an item-analysis
report and an integrity audit. Importing it imports nbgrader, so ``import course_lib`` does not.
"""

from __future__ import annotations

from course_lib.pipeline._errors import EXIT_FAILURES, EXIT_OK, EXIT_USAGE, PipelineError
from course_lib.pipeline._settings import CourseSettings, load_settings

__all__ = [
    "EXIT_FAILURES",
    "EXIT_OK",
    "EXIT_USAGE",
    "CourseSettings",
    "PipelineError",
    "load_settings",
]
