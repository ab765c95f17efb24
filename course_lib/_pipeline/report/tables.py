"""The report's tables: scores, items, most-missed tasks, the cohort against the frameworks.

Scores come from nbgrader's gradebook. Per-task results come from the sorting answers read as
data from the submitted notebooks (``ast.literal_eval``) and the keys in the solutions' hidden
tests, scored with the same rule as the hidden tests (``course_lib.grading.scoring``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from course_lib import _notebook as nbmeta
from course_lib._content import load_blackblot_roles, load_pragmatic_grid, load_tasks
from course_lib._labels import normalize_label
from course_lib._partitions import PartitionComparison, compare_partitions, partition
from course_lib._pipeline.export import item_scores
from course_lib._pipeline.log import read_grading_log
from course_lib._pipeline.report.scores import score_table
from course_lib._pipeline.settings import CourseSettings, read_solution_keys
from course_lib.grading.answers import LiteralAnswer, read_literal_answers
from course_lib.grading.hidden import FRAMEWORK_LITERALS
from course_lib.grading.items import AssignmentSpec, ItemSpec, load_assignment_specs
from course_lib.grading.keys import ItemKey
from course_lib.grading.scoring import canonical_answer, score_sort

__all__ = [
    "FRAMEWORKS",
    "ReportTables",
    "build_tables",
    "framework_partitions",
    "item_table",
    "partition_tables",
    "task_tables",
    "task_texts",
]


#: The frameworks the cohort's majority partition is drawn against.
FRAMEWORKS = ("Pragmatic", "Blackblot")


@dataclass(frozen=True)
class ReportTables:
    """The report's tables, each also written as a CSV file."""

    scores: pd.DataFrame
    items: pd.DataFrame
    tasks: pd.DataFrame
    partitions: pd.DataFrame
    partition_tasks: pd.DataFrame
    #: (assignment, item, cohort against one framework) for the heat maps.
    comparisons: list[tuple[str, str, PartitionComparison]] = field(default_factory=list)


def _label(kind: str, value: Any) -> str | None:
    """The canonical label of ``value``, or None when it is not a known label."""
    if not isinstance(value, str) or not kind:
        return None
    try:
        return normalize_label(kind, value)
    except (ValueError, TypeError):
        return None


def item_table(scores: pd.DataFrame, specs: dict[str, AssignmentSpec]) -> pd.DataFrame:
    """Per graded item: title, points, mean score, share correct and share with full marks.

    ``scores`` should hold the submissions nbgrader graded (failed ones are reported apart).
    """
    rows = []
    for (assignment, item), part in scores.groupby(["assignment", "item"]):
        points = float(part["max_score"].max())
        spec = _spec_for(specs, str(assignment), str(item))
        share = part["score"] / points if points else part["score"] * 0
        rows.append(
            {
                "assignment": assignment,
                "item": item,
                "title": spec.title if spec is not None else "",
                "kind": spec.kind if spec is not None else "",
                "graded_by": str(part["graded_by"].iloc[0]),
                "points": points,
                "submissions": len(part),
                "mean_score": float(part["score"].mean()),
                "share_correct": float(share.mean()),
                "share_full_marks": float((part["score"] >= points - 1e-9).mean()),
                "needs_manual_grading": int(part["needs_manual_grade"].sum()),
            }
        )
    columns = [
        "assignment",
        "item",
        "title",
        "kind",
        "graded_by",
        "points",
        "submissions",
        "mean_score",
        "share_correct",
        "share_full_marks",
        "needs_manual_grading",
    ]
    return pd.DataFrame(rows, columns=columns)


def _spec_for(specs: dict[str, AssignmentSpec], assignment: str, grade_id: str) -> ItemSpec | None:
    spec = specs.get(assignment)
    if spec is None:
        return None
    for item in spec.items:
        if grade_id in (item.grade_id, item.answer_grade_id):
            return item
    return None


_TASK_COMMENT = re.compile(r"""^\s*["'](?P<task>[^"']+)["']\s*:[^#]*#\s*(?P<text>.+?)\s*$""")


def task_texts(notebook_path: Path, answer_grade_id: str) -> dict[str, str]:
    """Task id -> the text written next to it (``"id": ...,  # text``) in an answer cell."""
    notebook = nbmeta.read_notebook_json(notebook_path)
    for cell in nbmeta.grade_cells(notebook):
        if nbmeta.grade_id(cell) != answer_grade_id:
            continue
        text = nbmeta.cell_source(cell)
        return {
            match.group("task"): match.group("text")
            for line in text.splitlines()
            if (match := _TASK_COMMENT.match(line))
        }
    return {}


def framework_partitions(
    settings: CourseSettings, assignment: str, key: ItemKey
) -> dict[str, pd.Series]:
    """The Pragmatic and Blackblot roles of a sorting item's tasks, where the course has them.

    Looked up, in order: ``_PRAGMATIC`` / ``_BLACKBLOT`` literals next to the key in the hidden
    test; CSV files in the assignment's source folder with ``task`` and ``pragmatic_box`` /
    ``blackblot_owner`` columns (mapped to roles with the grid and the Blackblot roles); the
    course catalog. Tasks none of these know are left out.
    """
    tasks = [str(task) for task in key.key]
    found: dict[str, dict[str, str]] = {"Pragmatic": {}, "Blackblot": {}}
    for name, literal in FRAMEWORK_LITERALS.items():
        value = key.extra.get(literal)
        if isinstance(value, dict):
            found[name].update({str(t): str(v) for t, v in value.items() if str(t) in tasks})
    box_role = load_pragmatic_grid()["role"].to_dict()
    owner_role = load_blackblot_roles()["course_role"].to_dict()
    folder = settings.source_dir / assignment
    for path in sorted(folder.glob("*.csv")):
        try:
            table = pd.read_csv(path, dtype=str)
        except (OSError, ValueError, pd.errors.ParserError):
            continue
        if "task" not in table.columns:
            continue
        for column, name, mapping in (
            ("pragmatic_box", "Pragmatic", box_role),
            ("blackblot_owner", "Blackblot", owner_role),
        ):
            if column in table.columns:
                for task, value in zip(table["task"], table[column], strict=True):
                    if task in tasks and value in mapping:
                        found[name].setdefault(str(task), str(mapping[value]))
    catalog = load_tasks()
    known = [task for task in tasks if task in catalog.index]
    if known:
        for name, scheme in (("Pragmatic", "pragmatic_role"), ("Blackblot", "blackblot_role")):
            labels = partition(catalog.loc[known], scheme)
            for task, label in labels.items():
                found[name].setdefault(str(task), str(label))
    return {name: pd.Series(labels, name=name) for name, labels in found.items() if labels}


def _sort_answers(
    settings: CourseSettings, assignment: str, students: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Student -> {answer grade_id: literal value} read from the submitted notebooks."""
    answers: dict[str, dict[str, Any]] = {}
    for student in students:
        path = settings.submitted_notebook(student, assignment)
        try:
            literals = read_literal_answers(path)
        except Exception:  # an unreadable submission has no answers to analyse
            continue
        answers[student] = {
            grade_id: answer.value
            for grade_id, answer in literals.items()
            if isinstance(answer, LiteralAnswer)
        }
    return answers


def task_tables(
    settings: CourseSettings,
    assignments: Sequence[str],
    specs: dict[str, AssignmentSpec],
    tick: Callable[[], None] = lambda: None,
) -> tuple[
    pd.DataFrame, dict[tuple[str, str], pd.Series], dict[tuple[str, str], dict[str, pd.Series]]
]:
    """Per task of every sorting item: share right, expected label, commonest wrong label.

    ``task_text`` is the task as the trainee read it (the comment next to its id in the answer
    cell); ``explanation`` is why the key gives it its label (``ItemKey.explanations``, from
    the hidden test), or the task text where the solution gives no reason.

    Also returns the cohort's majority partition per sorting item and, where the solution
    gives them (``_PRAGMATIC`` / ``_BLACKBLOT`` next to the key), the frameworks' partitions.
    """
    rows = []
    majorities: dict[tuple[str, str], pd.Series] = {}
    frameworks: dict[tuple[str, str], dict[str, pd.Series]] = {}
    outcomes = {(o.assignment, o.student): o.ok for o in read_grading_log(settings)}
    for assignment in assignments:
        tick()
        spec = specs.get(assignment)
        if spec is None:
            continue
        keys = read_solution_keys(settings.source_notebook(assignment))
        students = [s for s in settings.students(assignment) if outcomes.get((assignment, s), True)]
        answers = _sort_answers(settings, assignment, students)
        for item in spec.items:
            key = keys.get(item.grade_id)
            if item.kind != "sort" or key is None:
                continue
            explanations: dict[str, str] = key.explanations
            texts = task_texts(settings.source_notebook(assignment), item.answer_grade_id)
            given: dict[str, list[str | None]] = {task: [] for task in key.key}
            for student_answers in answers.values():
                answer = student_answers.get(item.answer_grade_id)
                plain = canonical_answer(answer) or {}
                for task in key.key:
                    given[task].append(_label(item.label_kind, plain.get(task)))
            scored = [
                score_sort(student_answers.get(item.answer_grade_id), key.key, item.label_kind)
                for student_answers in answers.values()
            ]
            majority: dict[str, str] = {}
            for task, expected in key.key.items():
                labels = given[task]
                right = sum(1 for score in scored if score.correct.get(task))
                wrong = Counter(label or "(no label)" for label in labels if label != expected)
                known = Counter(label for label in labels if label is not None)
                if known:
                    majority[task] = known.most_common(1)[0][0]
                rows.append(
                    {
                        "assignment": assignment,
                        "item": item.grade_id,
                        "item_title": item.title,
                        "task": task,
                        "expected": expected,
                        "answers": len(labels),
                        "share_correct": right / len(labels) if labels else float("nan"),
                        "commonest_wrong": wrong.most_common(1)[0][0] if wrong else "",
                        "commonest_wrong_count": wrong.most_common(1)[0][1] if wrong else 0,
                        "task_text": texts.get(task, ""),
                        "explanation": explanations.get(task) or texts.get(task) or item.title,
                    }
                )
            if item.label_kind == "role" and majority:
                majorities[(assignment, item.grade_id)] = pd.Series(majority, name="cohort")
                frameworks[(assignment, item.grade_id)] = framework_partitions(
                    settings, assignment, key
                )
                frameworks[(assignment, item.grade_id)]["course key"] = pd.Series(
                    {str(t): str(v) for t, v in key.key.items()}, name="course key"
                )
    columns = [
        "assignment",
        "item",
        "item_title",
        "task",
        "expected",
        "answers",
        "share_correct",
        "commonest_wrong",
        "commonest_wrong_count",
        "task_text",
        "explanation",
    ]
    tasks = pd.DataFrame(rows, columns=columns).sort_values(
        ["share_correct", "assignment", "item", "task"], ignore_index=True
    )
    return tasks, majorities, frameworks


def partition_tables(
    majorities: dict[tuple[str, str], pd.Series],
    frameworks: dict[tuple[str, str], dict[str, pd.Series]],
) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[str, str, PartitionComparison]]]:
    """The cohort's majority partition against each framework (agreement, kappa); per task,
    which side the cohort took where the frameworks disagree; and each comparison itself
    (assignment, item, comparison) for the heat maps."""
    summary = []
    sides = []
    comparisons: list[tuple[str, str, PartitionComparison]] = []
    for (assignment, item), majority in majorities.items():
        others = frameworks.get((assignment, item), {})
        for name, labels in others.items():
            comparison = compare_partitions(majority, labels.rename(name), tasks=pd.DataFrame())
            if name in FRAMEWORKS and comparison.n_compared:
                comparisons.append((assignment, item, comparison))
            summary.append(
                {
                    "assignment": assignment,
                    "item": item,
                    "compared_with": name,
                    "tasks": len(majority.index.intersection(labels.index)),
                    "agreement": comparison.agreement,
                    "kappa": comparison.kappa,
                }
            )
        pragmatic, blackblot = others.get("Pragmatic"), others.get("Blackblot")
        for task, label in majority.items():
            row = {"assignment": assignment, "item": item, "task": task, "cohort": label}
            for name, labels in others.items():
                row[name] = labels.get(task, "")
            if pragmatic is not None and blackblot is not None:
                p, b = pragmatic.get(task), blackblot.get(task)
                row["cohort_sides_with"] = (
                    "both"
                    if p == b == label
                    else "Pragmatic"
                    if label == p
                    else "Blackblot"
                    if label == b
                    else "neither"
                )
            sides.append(row)
    summary_columns = ["assignment", "item", "compared_with", "tasks", "agreement", "kappa"]
    return pd.DataFrame(summary, columns=summary_columns), pd.DataFrame(sides), comparisons


def build_tables(
    settings: CourseSettings,
    assignments: Sequence[str],
    tick: Callable[[], None] = lambda: None,
) -> ReportTables:
    """Compute every table of the report from the gradebook, submissions and solutions;
    ``tick`` is called once the gradebook is read and once per assignment analysed."""
    specs = load_assignment_specs()
    scores = item_scores(settings, assignments)
    outcomes = read_grading_log(settings)
    failed = {(o.assignment, o.student) for o in outcomes if not o.ok}
    graded = scores[
        [(a, s) not in failed for a, s in zip(scores["assignment"], scores["student"], strict=True)]
    ]
    tick()
    tasks, majorities, frameworks = task_tables(settings, assignments, specs, tick)
    partitions, sides, comparisons = partition_tables(majorities, frameworks)
    return ReportTables(
        scores=score_table(scores, [o for o in outcomes if o.assignment in set(assignments)]),
        items=item_table(graded, specs),
        tasks=tasks,
        partitions=partitions,
        partition_tasks=sides,
        comparisons=comparisons,
    )
