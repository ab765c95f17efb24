"""Grades read from nbgrader's gradebook as tables: one row per item, one per assignment.

Every student on the roster (``nbgrader db student ...``) gets a row for every assignment in
the gradebook, submitted or not; nbgrader's late penalties (``AssignLatePenalties``, with the
``LateSubmissionPlugin``'s method) are applied as nbgrader's own CSV export applies them:
``score = max(0, raw score - penalty)``. A few SQL queries read the whole gradebook, so a large
cohort does not cost one query per grade.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from nbgrader.api import (
    Assignment,
    BaseCell,
    Grade,
    Gradebook,
    Notebook,
    SubmittedAssignment,
    SubmittedNotebook,
)

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "ITEM_COLUMNS",
    "LATE_PENALTY_ITEM",
    "assignment_table",
    "item_table",
    "roster_table",
]

#: Columns of :func:`item_table`. ``graded_by`` is ``auto`` (autograder tests), ``manual``
#: (answers and tasks a person grades) or ``penalty`` (the late-submission penalty row).
ITEM_COLUMNS = [
    "assignment",
    "student",
    "notebook",
    "item",
    "graded_by",
    "score",
    "max_score",
    "auto_score",
    "manual_score",
    "extra_credit",
    "needs_manual_grade",
    "submitted",
]
#: Columns of :func:`assignment_table`.
ASSIGNMENT_COLUMNS = [
    "student",
    "first_name",
    "last_name",
    "email",
    "lms_user_id",
    "assignment",
    "duedate",
    "submitted",
    "timestamp",
    "raw_score",
    "late_penalty",
    "score",
    "max_score",
    "auto_score",
    "auto_max_score",
    "manual_score",
    "manual_max_score",
    "needs_manual_grade",
]
#: The item name of a notebook's late-submission penalty (nbgrader's column name).
LATE_PENALTY_ITEM = "late_submission_penalty"


def _wanted(names: Sequence[str], chosen: Sequence[str]) -> list[str]:
    """``names`` kept in order, only those in ``chosen`` when it is not empty."""
    keep = {str(name) for name in chosen}
    return [name for name in names if not keep or name in keep]


def roster_table(gradebook: Gradebook, students: Sequence[str] = ()) -> pd.DataFrame:
    """Every student in the gradebook (or those of ``students``): id, names, email and
    ``lms_user_id`` (empty strings where nbgrader has none), sorted by id."""
    rows = [
        {
            "student": str(student.id),
            "first_name": student.first_name or "",
            "last_name": student.last_name or "",
            "email": student.email or "",
            "lms_user_id": student.lms_user_id or "",
        }
        for student in gradebook.students
    ]
    columns = ["student", "first_name", "last_name", "email", "lms_user_id"]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame[frame["student"].isin(_wanted(list(frame["student"]), students))]
    return frame.sort_values("student", ignore_index=True)


def _cells(gradebook: Gradebook, assignments: Sequence[str]) -> pd.DataFrame:
    """The graded cells of each assignment: assignment, notebook, item, graded_by, max_score."""
    rows = []
    for assignment in gradebook.assignments:
        if assignment.name not in assignments:
            continue
        for notebook in assignment.notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            graded = [(cell, cell.name in answers) for cell in notebook.grade_cells]
            graded += [(cell, True) for cell in notebook.task_cells]
            for cell, manual in graded:
                rows.append(
                    {
                        "assignment": assignment.name,
                        "notebook": notebook.name,
                        "item": cell.name,
                        "graded_by": "manual" if manual else "auto",
                        "max_score": float(cell.max_score or 0.0),
                    }
                )
    return pd.DataFrame(rows, columns=["assignment", "notebook", "item", "graded_by", "max_score"])


def _grades(gradebook: Gradebook) -> pd.DataFrame:
    """Every grade of every submission, in one query."""
    query = (
        gradebook.db.query(
            Assignment.name,
            SubmittedAssignment.student_id,
            Notebook.name,
            BaseCell.name,
            Grade.score,
            Grade.auto_score,
            Grade.manual_score,
            Grade.extra_credit,
            Grade.needs_manual_grade,
        )
        .select_from(Grade)
        .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
        .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
        .join(BaseCell, Grade.cell_id == BaseCell.id)
    )
    columns = ["assignment", "student", "notebook", "item", "score", "auto_score"]
    columns += ["manual_score", "extra_credit", "needs_manual_grade"]
    return pd.DataFrame([tuple(row) for row in query.all()], columns=columns)


def _submissions(gradebook: Gradebook) -> dict[tuple[str, str], Any]:
    """(assignment, student) -> the submission's timestamp (None when nbgrader has none)."""
    query = (
        gradebook.db.query(
            Assignment.name, SubmittedAssignment.student_id, SubmittedAssignment.timestamp
        )
        .select_from(SubmittedAssignment)
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
    )
    return {(str(a), str(s)): timestamp for a, s, timestamp in query.all()}


def _penalties(gradebook: Gradebook) -> pd.DataFrame:
    """Late-submission penalties nbgrader recorded, one row per penalised notebook."""
    query = (
        gradebook.db.query(
            Assignment.name,
            SubmittedAssignment.student_id,
            Notebook.name,
            SubmittedNotebook.late_submission_penalty,
        )
        .select_from(SubmittedNotebook)
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
        .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
        .filter(SubmittedNotebook.late_submission_penalty > 0)
    )
    rows = [tuple(row) for row in query.all()]
    return pd.DataFrame(rows, columns=["assignment", "student", "notebook", "penalty"])


def _assignment_names(gradebook: Gradebook, assignments: Sequence[str]) -> list[str]:
    """Assignments of the gradebook (those of ``assignments`` only, when given), by due date
    then name; unknown names raise ValueError naming the known ones."""
    known = sorted(
        gradebook.assignments,
        key=lambda a: (a.duedate is None, a.duedate or 0, a.name),
    )
    names = [str(assignment.name) for assignment in known]
    unknown = sorted({str(a) for a in assignments} - set(names))
    if unknown:
        raise ValueError(
            f"unknown assignment(s) {unknown} in the gradebook; it knows: "
            f"{', '.join(names) or 'none'}. Release (nbgrader generate_assignment) first."
        )
    return _wanted(names, assignments)


def item_table(
    gradebook: Gradebook, assignments: Sequence[str] = (), students: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per roster student, assignment and graded item (tidy long format).

    Items of an assignment a student did not submit score 0 with ``submitted`` False. A
    notebook nbgrader penalised for lateness adds a row ``item = late_submission_penalty`` with
    the penalty as a negative score, so summing ``score`` gives the penalised total. Columns:
    :data:`ITEM_COLUMNS`.
    """
    names = _assignment_names(gradebook, assignments)
    roster = roster_table(gradebook, students)["student"]
    cells = _cells(gradebook, names)
    grid = roster.to_frame().merge(cells, how="cross")
    grades = _grades(gradebook)
    table = grid.merge(grades, on=["assignment", "student", "notebook", "item"], how="left")
    submitted = _submissions(gradebook)
    table["submitted"] = [
        (a, s) in submitted for a, s in zip(table["assignment"], table["student"], strict=True)
    ]
    table["score"] = table["score"].astype(float).fillna(0.0)
    table["needs_manual_grade"] = table["needs_manual_grade"].fillna(False).astype(bool)
    penalties = _penalties(gradebook)
    penalties = penalties[
        penalties["assignment"].isin(names) & penalties["student"].isin(set(roster))
    ]
    late = pd.DataFrame(
        {
            "assignment": penalties["assignment"],
            "student": penalties["student"],
            "notebook": penalties["notebook"],
            "item": LATE_PENALTY_ITEM,
            "graded_by": "penalty",
            "score": -penalties["penalty"].astype(float),
            "max_score": 0.0,
            "needs_manual_grade": False,
            "submitted": True,
        }
    )
    if not late.empty:
        table = pd.concat([table, late], ignore_index=True)
    order = {name: index for index, name in enumerate(names)}
    table = table.reindex(columns=ITEM_COLUMNS)
    table["rank"] = table["assignment"].map(order)
    table = table.sort_values(["rank", "student", "notebook", "graded_by", "item"])
    return table.drop(columns="rank").reset_index(drop=True)


def assignment_table(
    gradebook: Gradebook, assignments: Sequence[str] = (), students: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per roster student and assignment: raw score, late penalty, the score after it
    (never below 0), autograded and manual points apart. Columns: :data:`ASSIGNMENT_COLUMNS`."""
    items = item_table(gradebook, assignments, students)
    roster = roster_table(gradebook, students)
    duedates = {str(a.name): a.duedate for a in gradebook.assignments}
    submitted = _submissions(gradebook)
    rows = []
    keys = ["assignment", "student"]
    for (assignment_name, student_id), part in items.groupby(keys, sort=False):
        assignment, student = str(assignment_name), str(student_id)
        graded = part[part["graded_by"] != "penalty"]
        auto = graded[graded["graded_by"] == "auto"]
        manual = graded[graded["graded_by"] == "manual"]
        raw = float(graded["score"].sum())
        penalty = -float(part.loc[part["graded_by"] == "penalty", "score"].sum())
        rows.append(
            {
                "student": student,
                "assignment": assignment,
                "duedate": duedates.get(assignment),
                "submitted": (assignment, student) in submitted,
                "timestamp": submitted.get((assignment, student)),
                "raw_score": raw,
                "late_penalty": penalty,
                "score": max(0.0, raw - penalty),
                "max_score": float(graded["max_score"].sum()),
                "auto_score": float(auto["score"].sum()),
                "auto_max_score": float(auto["max_score"].sum()),
                "manual_score": float(manual["score"].sum()),
                "manual_max_score": float(manual["max_score"].sum()),
                "needs_manual_grade": int(graded["needs_manual_grade"].sum()),
            }
        )
    own = ["student"] + [c for c in ASSIGNMENT_COLUMNS if c not in roster.columns]
    table = pd.DataFrame(rows, columns=own).merge(roster, on="student", how="left")
    return table.reindex(columns=ASSIGNMENT_COLUMNS)
