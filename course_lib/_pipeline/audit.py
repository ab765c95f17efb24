"""``pmcourse audit``: what the instructor should know about a graded cohort, beyond scores.

Grading already trusts nothing the kernel runs: keys never enter it and the grader scores the
handed-over answers itself (``docs/grading.md``), so the audit no longer re-scores anything.
It reads the grading log, the submitted notebooks against the release, and the outcome the
grader recorded in each autograded test cell, and reports per submission:

- ``not_graded``: nbgrader could not grade the submission (its reason is kept), or its
  autograded notebook is missing;
- ``grade_cell_changed``: a grade or locked cell of the release is missing, duplicated,
  retyped or edited in the submitted notebook (nbgrader restored it before grading);
- ``handover_missing``: a test cell handed no answer over although the kernel was running,
  so the cell did not run as written (an input transformer or similar rewrote it);
- ``handover_invalid``: a test cell handed over more than one answer, or data that is not
  in the hand-over format;
- ``kernel_stopped``: the kernel died or could not be interrupted (``os._exit``, a loop that
  ignores interrupts); the test cells after it scored 0;
- ``gradebook_differs``: the gradebook's automatic score of a test differs from the score the
  grader recorded in the autograded notebook (the gradebook was changed after grading).

An honest submission (extra prints, comments, helper variables or functions in answer
cells) triggers none of these: ``tests/test_sandbox_grading.py`` checks it on a cohort.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import nbformat as _nbformat
from nbgrader.api import Gradebook, MissingEntry

from course_lib import _notebook as nbmeta
from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.log import GradeOutcome, read_grading_log
from course_lib._pipeline.settings import CourseSettings
from course_lib._pipeline.workers import progress_bar
from course_lib.nbgrader_plugins.scoring import METADATA_KEY

# nbformat ships no type hints; go through one Any-typed name.
nbformat: Any = _nbformat

__all__ = [
    "AUDIT_CSV",
    "CHECKS",
    "AuditResult",
    "Finding",
    "grade_cell_changes",
    "run_audit",
    "write_audit_csv",
]

AUDIT_CSV = "audit.csv"
CHECKS = (
    "not_graded",
    "grade_cell_changed",
    "handover_missing",
    "handover_invalid",
    "kernel_stopped",
    "gradebook_differs",
)
SCORE_TOLERANCE = 1e-6
_INVALID = {"repeated", "malformed"}


@dataclass(frozen=True)
class Finding:
    """One thing the audit found in one submission."""

    assignment: str
    student: str
    check: str
    item: str
    detail: str


@dataclass
class AuditResult:
    """All findings of one audit run, the submissions checked and where the CSV is."""

    findings: list[Finding]
    checked: int
    path: Path
    assignments: list[str] = field(default_factory=list)

    @property
    def flagged_students(self) -> list[str]:
        """Students with at least one finding, sorted."""
        return sorted({finding.student for finding in self.findings})

    def summary(self) -> str:
        """A few lines for the instructor: counts per check, then each flagged student."""
        flagged = self.flagged_students
        lines = [
            f"audit of {', '.join(self.assignments)}: {self.checked} submissions checked, "
            f"{len(flagged)} student(s) flagged"
        ]
        counts = Counter(finding.check for finding in self.findings)
        lines += [f"  {check}: {counts[check]}" for check in CHECKS if counts[check]]
        by_student: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings:
            by_student.setdefault((finding.student, finding.assignment), []).append(finding)
        for (student, assignment), found in sorted(by_student.items()):
            first = found[0]
            more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
            lines.append(
                f"  {student}/{assignment}: {first.check} {first.item}: {first.detail}{more}"
            )
        if not flagged:
            lines.append("  nothing flagged: every test cell handed its answer over as written")
        return "\n".join(lines)


def _read_notebook(path: Path) -> Any:
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:
        raise PipelineError(
            f"cannot read notebook {path} ({type(error).__name__}: {error}). "
            "Regenerate it (pmcourse release) or restore it from version control."
        ) from error


def grade_cell_changes(released: Any, submitted: Any) -> list[str]:
    """What a trainee changed in the release's grade and locked cells, one line per cell."""
    cells: dict[str, list[Any]] = {}
    for cell in submitted.cells:
        grade_id = nbmeta.grade_id(cell)
        if grade_id:
            cells.setdefault(grade_id, []).append(cell)
    changes = []
    for original in released.cells:
        grade_id = nbmeta.grade_id(original)
        if not grade_id or not nbmeta.is_protected(original):
            continue
        copies = cells.get(grade_id, [])
        if not copies:
            changes.append(f"{grade_id} deleted")
        elif len(copies) > 1:
            changes.append(f"{grade_id} duplicated ({len(copies)} copies)")
        elif copies[0].cell_type != original.cell_type:
            changes.append(f"{grade_id} retyped ({original.cell_type} -> {copies[0].cell_type})")
        elif copies[0].source.strip() != original.source.strip():
            changes.append(f"{grade_id} edited")
    return changes


def handover_findings(
    autograded: Any, gradebook: dict[str, float | None]
) -> list[tuple[str, str, str]]:
    """(check, grade_id, detail) for the hand-overs the grader recorded in a notebook, and for
    scores the gradebook holds that differ from the recorded ones."""
    found: list[tuple[str, str, str]] = []
    stopped = False
    for cell in autograded.cells:
        record = cell.get("metadata", {}).get(METADATA_KEY, {})
        grade_id = nbmeta.grade_id(cell) or ""
        if record.get("not_run") and not stopped:
            stopped = True
            found.append(("kernel_stopped", grade_id, str(record["not_run"])))
        status = record.get("handover")
        if status == "missing":
            found.append(
                ("handover_missing", grade_id, "the test cell handed no answer over: it did "
                 "not run as written (scored 0)")
            )  # fmt: skip
        elif status in _INVALID:
            found.append(("handover_invalid", grade_id, f"hand-over {status} (scored 0)"))
        recorded, stored = record.get("score"), gradebook.get(grade_id)
        if (
            isinstance(recorded, int | float)
            and stored is not None
            and abs(float(recorded) - float(stored)) > SCORE_TOLERANCE
        ):
            detail = f"the grader scored {recorded:.2f}; the gradebook holds {stored:.2f}"
            found.append(("gradebook_differs", grade_id, detail))
    return found


def _audit_submission(
    settings: CourseSettings, assignment: str, student: str, outcome: GradeOutcome | None,
    released: Any, gradebook: dict[str, float | None],
) -> list[Finding]:  # fmt: skip
    found: list[Finding] = []

    def flag(check: str, item: str, detail: str) -> None:
        found.append(Finding(assignment, student, check, item, detail))

    if outcome is not None and not outcome.ok:
        flag("not_graded", "", outcome.reason)
        return found
    try:
        submitted = nbformat.read(settings.submitted_notebook(student, assignment), as_version=4)
    except Exception as error:
        flag("not_graded", "", f"submitted notebook unreadable: {type(error).__name__}: {error}")
        return found
    for change in grade_cell_changes(released, submitted):
        flag("grade_cell_changed", change.split(" ")[0], change)
    autograded_path = settings.autograded_notebook(student, assignment)
    if not autograded_path.is_file():
        flag("not_graded", "", f"no autograded notebook at {autograded_path}")
        return found
    try:
        autograded = nbformat.read(autograded_path, as_version=4)
    except Exception as error:
        flag("not_graded", "", f"autograded notebook unreadable: {error}")
        return found
    for check, item, detail in handover_findings(autograded, gradebook):
        flag(check, item, detail)
    return found


def automatic_scores(
    settings: CourseSettings, assignment: str
) -> dict[str, dict[str, float | None]]:
    """``{student: {grade_id: automatic score}}`` of ``assignment`` in the gradebook."""
    scores: dict[str, dict[str, float | None]] = {}
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            return scores
        for submission in submissions:
            grades = scores.setdefault(submission.student.id, {})
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grades[grade.name] = grade.auto_score
    return scores


def write_audit_csv(path: Path, findings: Sequence[Finding]) -> Path:
    """Write the findings as CSV (a header only when there are none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(Finding)])
        writer.writeheader()
        writer.writerows(asdict(finding) for finding in findings)
    return path


def _jobs(
    settings: CourseSettings, assignments: Sequence[str]
) -> Iterator[tuple[str, str, GradeOutcome | None]]:
    outcomes = {(o.assignment, o.student): o for o in read_grading_log(settings)}
    for assignment in assignments:
        students = set(settings.students(assignment))
        students |= {student for (name, student) in outcomes if name == assignment}
        for student in sorted(students):
            yield assignment, student, outcomes.get((assignment, student))


def run_audit(
    settings: CourseSettings,
    assignments: Sequence[str],
    *,
    workers: int | None = None,
    progress: bool = True,
) -> AuditResult:
    """Audit every submission of ``assignments``; writes ``reports/audit.csv``.

    Reading notebooks is all it does, in this process; ``workers`` is accepted for the
    command line's sake and not needed.
    """
    released: dict[str, Any] = {}
    for assignment in assignments:
        path = settings.release_dir / assignment / settings.source_notebook(assignment).name
        if not path.is_file():
            raise PipelineError(
                f"no released notebook at {path}: the audit compares grade cells with the "
                f"release. Run `pmcourse release {assignment}` first."
            )
        released[assignment] = _read_notebook(path)
    stored = {assignment: automatic_scores(settings, assignment) for assignment in assignments}
    jobs = list(_jobs(settings, assignments))
    findings: list[Finding] = []
    with progress_bar(len(jobs), progress, "auditing") as bar:
        for assignment, student, outcome in jobs:
            try:
                findings += _audit_submission(
                    settings,
                    assignment,
                    student,
                    outcome,
                    released[assignment],
                    stored[assignment].get(student, {}),
                )
            except Exception as error:  # one broken submission must not stop the audit
                findings.append(
                    Finding(assignment, student, "not_graded", "", f"audit failed: {error!r}")
                )
            bar.update(1)
    findings.sort(key=lambda f: (f.assignment, f.student, CHECKS.index(f.check), f.item))
    path = write_audit_csv(settings.reports_dir / AUDIT_CSV, findings)
    return AuditResult(findings, len(jobs), path, list(assignments))
