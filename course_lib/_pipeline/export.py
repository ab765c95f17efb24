"""Grades from nbgrader's gradebook: one row per graded item, and the wide grades CSV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook, MissingEntry

from course_lib import _notebook as nbmeta
from course_lib._pipeline.log import GradeOutcome, read_grading_log
from course_lib._pipeline.settings import CourseSettings

__all__ = ["GRADES_CSV", "ITEM_COLUMNS", "export_grades", "grades_table", "item_scores"]

GRADES_CSV = "grades.csv"
ITEM_COLUMNS = ["assignment", "student", "notebook", "item", "score", "max_score", "manual"]


def item_scores(settings: CourseSettings, assignments: Sequence[str]) -> pd.DataFrame:
    """Every graded item of every submission in the gradebook, as nbgrader scored it.

    Columns: assignment, student, notebook, item (the grade cell's ``grade_id``), score,
    max_score, manual (True while the item still needs a manual grade).
    """
    rows: list[dict[str, object]] = []
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        for assignment in assignments:
            try:
                submissions = gradebook.find_assignment(assignment).submissions
            except MissingEntry:
                continue
            for submission in submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        rows.append(
                            {
                                "assignment": assignment,
                                "student": submission.student.id,
                                "notebook": notebook.name,
                                "item": grade.name,
                                "score": float(grade.score or 0.0),
                                "max_score": float(grade.max_score or 0.0),
                                "manual": bool(grade.needs_manual_grade),
                            }
                        )
    frame = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    return frame.sort_values(["assignment", "student", "item"], ignore_index=True)


def grades_table(
    scores: pd.DataFrame,
    outcomes: Sequence[GradeOutcome],
    assignments: Sequence[str],
    item_order: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """One row per student: ``<assignment>.<item>`` per graded item, per-assignment
    score/max/status, and the totals. A submission that failed to grade scores 0 with its reason.
    Items come in ``item_order[assignment]`` (notebook order) when given, else sorted.
    """
    status = {
        (o.assignment, o.student): "graded" if o.ok else f"failed: {o.reason}" for o in outcomes
    }
    failed = {key for key, value in status.items() if value != "graded"}
    students = sorted({o.student for o in outcomes} | set(scores["student"]))
    table = pd.DataFrame(index=pd.Index(students, name="student"))
    total = pd.Series(0.0, index=table.index)
    total_max = pd.Series(0.0, index=table.index)
    for assignment in assignments:
        part = scores[scores["assignment"] == assignment]
        if part.empty and not any(key[0] == assignment for key in status):
            continue
        points = part.groupby("item")["max_score"].max()
        order = (item_order or {}).get(assignment, [])
        rank = {item: index for index, item in enumerate(order)}
        points = points.loc[
            sorted(points.index, key=lambda item: (rank.get(item, len(rank)), item))
        ]
        per_item = part.pivot_table(index="student", columns="item", values="score", aggfunc="sum")
        per_item = per_item.reindex(index=table.index, columns=points.index)
        for student in table.index:
            if (assignment, student) in failed:
                per_item.loc[student] = 0.0
        for item in points.index:
            table[f"{assignment}.{item}"] = per_item[item]
        table[f"{assignment}.score"] = per_item.sum(axis=1, min_count=1)
        table[f"{assignment}.max_score"] = float(points.sum())
        manual = part[part["manual"]].groupby("student").size()
        table[f"{assignment}.status"] = [
            status.get((assignment, student), "not submitted")
            if student not in manual.index or (assignment, student) in failed
            else "graded; needs manual grading"
            for student in table.index
        ]
        total = total + table[f"{assignment}.score"].fillna(0.0)
        total_max = total_max + float(points.sum())
    table["total_score"] = total
    table["total_max_score"] = total_max
    return table.reset_index()


def notebook_item_order(settings: CourseSettings, assignment: str) -> list[str]:
    """The grade ids of ``assignment``'s graded cells in source-notebook order."""
    notebook = nbmeta.read_notebook_json(settings.source_notebook(assignment))
    return [
        str(nbmeta.grade_id(cell)) for cell in nbmeta.grade_cells(notebook) if nbmeta.is_grade(cell)
    ]


def export_grades(settings: CourseSettings, assignments: Sequence[str]) -> Path:
    """Write ``reports/grades.csv`` for ``assignments`` from the gradebook; returns its path."""
    outcomes = [o for o in read_grading_log(settings) if o.assignment in set(assignments)]
    order = {name: notebook_item_order(settings, name) for name in assignments}
    table = grades_table(item_scores(settings, assignments), outcomes, assignments, order)
    path = settings.reports_dir / GRADES_CSV
    path.parent.mkdir(parents=True, exist_ok=True)
    table.round(4).to_csv(path, index=False)
    return path
