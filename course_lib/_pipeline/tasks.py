"""A grading task and its result, as plain data that crosses process and machine boundaries.

A :class:`GradingTask` carries one submission's files in; a :class:`GradingResult` brings back
the autograded folder, the feedback folder and what nbgrader recorded (each grade's automatic
score, each automatic comment, the submission's timestamp). The worker writes nothing the
coordinator needs: the coordinator records the result (:mod:`course_lib._pipeline.record`),
so running a task twice (a worker that died) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from traitlets.config import Config

from course_lib._pipeline.fingerprint import FileTree

__all__ = ["GradingResult", "GradingTask", "NotebookGrades", "WorkerOptions", "failed_result"]


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker grades: the course's merged nbgrader config, kernels forked from a
    pre-imported template or started from scratch, sandboxed or not."""

    config: Config
    forked_kernels: bool = True
    sandbox: bool = True


@dataclass(frozen=True)
class GradingTask:
    """One submission to grade: its folder's files, the digest of its assignment's bundle
    (:class:`course_lib._pipeline.bundle.AssignmentBundle`) and, for messages, where the
    folder is on the coordinator (``origin``)."""

    assignment: str
    student: str
    files: FileTree
    submission_hash: str
    bundle_digest: str
    origin: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """``(assignment, student)``: what the gradebook records once."""
        return self.assignment, self.student


@dataclass(frozen=True)
class NotebookGrades:
    """What autograding one notebook recorded: grade cell -> automatic score (None: needs a
    manual grade), solution or task cell -> automatic comment."""

    scores: dict[str, float | None]
    comments: dict[str, str | None]


@dataclass(frozen=True)
class GradingResult:
    """What grading one submission produced (``ok`` False: ``reason`` says why).

    ``grades`` is None when nbgrader could not grade it; ``submitted`` says whether nbgrader
    got as far as recording the submission (with ``timestamp``, from ``timestamp.txt``).
    """

    assignment: str
    student: str
    ok: bool
    reason: str
    seconds: float
    submission_hash: str
    bundle_digest: str
    submitted: bool = False
    timestamp: datetime | None = None
    grades: dict[str, NotebookGrades] | None = None
    autograded: FileTree = field(default_factory=dict)
    feedback: FileTree = field(default_factory=dict)
    worker: str = ""
    profile: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """``(assignment, student)``."""
        return self.assignment, self.student


def failed_result(task: GradingTask, reason: str, seconds: float = 0.0) -> GradingResult:
    """A result saying ``task`` could not be graded, for ``reason``."""
    return GradingResult(
        assignment=task.assignment,
        student=task.student,
        ok=False,
        reason=reason,
        seconds=seconds,
        submission_hash=task.submission_hash,
        bundle_digest=task.bundle_digest,
    )
