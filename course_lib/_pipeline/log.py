"""The grading log: how grading each submission went, kept across runs in a CSV file.

Each row also keeps the content hashes the submission was graded with (its folder's and its
assignment's release, :mod:`course_lib._pipeline.fingerprint`): incremental grading skips a
submission whose hashes are unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from course_lib._pipeline.settings import CourseSettings

__all__ = ["GRADING_LOG", "GradeOutcome", "read_grading_log", "write_grading_log"]

GRADING_LOG = "grading_log.csv"


@dataclass(frozen=True)
class GradeOutcome:
    """How grading one submission went; ``reason`` says why when ``ok`` is False.

    ``submission_hash`` and ``assignment_hash`` identify what was graded (empty in logs
    written before they were recorded: such submissions are graded again).
    """

    assignment: str
    student: str
    ok: bool
    reason: str
    seconds: float
    submission_hash: str = ""
    assignment_hash: str = ""


def write_grading_log(settings: CourseSettings, outcomes: Sequence[GradeOutcome]) -> Path:
    """Record the outcomes as a CSV: they replace every earlier row of their assignments
    (pass every current submission of an assignment, graded in this run or not); rows of
    other assignments are kept."""
    path = settings.reports_dir / GRADING_LOG
    kept = {
        (old.assignment, old.student): old
        for old in read_grading_log(settings)
        if old.assignment not in {outcome.assignment for outcome in outcomes}
    }
    kept.update({(outcome.assignment, outcome.student): outcome for outcome in outcomes})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[field.name for field in fields(GradeOutcome)])
        writer.writeheader()
        for key in sorted(kept):
            row = asdict(kept[key])
            row["seconds"] = f"{row['seconds']:.2f}"
            writer.writerow(row)
    return path


def read_grading_log(settings: CourseSettings) -> list[GradeOutcome]:
    """Outcomes recorded by earlier ``grade`` runs (empty if none)."""
    path = settings.reports_dir / GRADING_LOG
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            GradeOutcome(
                assignment=row["assignment"],
                student=row["student"],
                ok=row["ok"] == "True",
                reason=row["reason"],
                seconds=float(row["seconds"]),
                submission_hash=row.get("submission_hash") or "",
                assignment_hash=row.get("assignment_hash") or "",
            )
            for row in csv.DictReader(handle)
        ]
