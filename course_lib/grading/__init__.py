"""Graded assignments. This package root is the trainee's surface: the format check.

Released notebooks call :func:`check_answer` before submitting; it never sees a key. The
instructor side lives in submodules that trainees never need: :mod:`.items` (the registry of
graded items), :mod:`.scoring`, :mod:`.keys` (reading keys from solution notebooks),
:mod:`.hidden` (writing test cells), :mod:`.answers`, and the hand-over of an answer out
of the trainee's kernel (:mod:`.handover`, run in the kernel) and into the grader
(:mod:`.received`).
"""

from course_lib.grading.check import (
    AnswerFormatError,
    FormatReport,
    check_answer,
    validate_answer,
)
from course_lib.grading.items import assignment_ids, item_spec, load_assignment_specs

__all__ = [
    "AnswerFormatError",
    "FormatReport",
    "assignment_ids",
    "check_answer",
    "item_spec",
    "load_assignment_specs",
    "validate_answer",
]
