"""Practice feedback: per-item checks of a trainee's sort or quiz, with the reason for each.

The verb `check` means practice feedback for trainees (nothing is scored for a grade); the
graded side scores answers in :mod:`course_lib.grading`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from course_lib import _style as style
from course_lib._content import load_tasks
from course_lib._labels import label_choices, normalize_label
from course_lib._markup import join, tag
from course_lib._partitions import SCHEMES, partition, scheme_kind

__all__ = [
    "CORRECT_MARK",
    "FEEDBACK_COLUMNS",
    "WRONG_MARK",
    "SortFeedback",
    "check_item",
    "check_sort",
]

FEEDBACK_COLUMNS = ["task", "title", "your_answer", "expected", "correct", "explanation"]
CORRECT_MARK = "\u2714"  # ✔
WRONG_MARK = "\u2718"  # ✘


@dataclass(frozen=True)
class SortFeedback:
    """The result of :func:`check_sort`: one row per task plus a score."""

    scheme: str
    table: pd.DataFrame
    n_correct: int
    n_total: int

    @property
    def score(self) -> float:
        """Share of the expected tasks sorted correctly (0.0 when there is nothing to sort)."""
        return self.n_correct / self.n_total if self.n_total else 0.0

    @property
    def summary(self) -> str:
        """One line, e.g. ``7 of 10 correct (70%)``."""
        line = f"{self.n_correct} of {self.n_total} correct ({self.score:.0%})"
        problems = int((self.table["expected"] == "").sum())
        unanswered = int((self.table["your_answer"] == "").sum())
        if unanswered:
            line += f"; {unanswered} not answered yet"
        if problems:
            line += f"; {problems} unknown task id(s)"
        return line

    def __str__(self) -> str:
        return self.summary

    def _repr_html_(self) -> str:
        rows = []
        for row in self.table.itertuples(index=False):
            mark = CORRECT_MARK if row.correct else WRONG_MARK
            colour = style.CORRECT if row.correct else style.WRONG
            cells = [
                tag("td", mark, style=f"color:{colour}"),
                tag("td", str(row.title or row.task)),
                tag("td", str(row.your_answer)),
                tag("td", str(row.expected)),
                tag("td", str(row.explanation), style="text-align:left"),
            ]
            rows.append(tag("tr", *cells))
        head = tag(
            "tr", *(tag("th", name) for name in ("", "task", "your answer", "expected", "why"))
        )
        return str(join([tag("p", tag("b", self.summary)), tag("table", head, *rows)]))


def _expected_tasks(
    tasks: Iterable[str] | pd.DataFrame | None,
    answer: Mapping[object, object],
    catalog: pd.DataFrame,
) -> list[str]:
    if tasks is None:
        return [key for key in answer if isinstance(key, str) and key in catalog.index]
    if isinstance(tasks, pd.DataFrame):
        return [str(task) for task in tasks.index]
    if isinstance(tasks, str):
        raise TypeError("tasks must be a list of task ids, not a single string")
    ids = [str(task) for task in tasks]
    unknown = [task for task in ids if task not in catalog.index]
    if unknown:
        raise ValueError(f"unknown task id(s) in tasks: {', '.join(map(repr, unknown))}")
    return ids


def _as_mapping(answer: object) -> Mapping[object, object]:
    if isinstance(answer, pd.Series):
        return {key: value for key, value in answer.items()}
    if isinstance(answer, Mapping):
        return {key: answer[key] for key in answer}
    raise TypeError(
        f"answer must be a dict of task id -> label, not {type(answer).__name__}; "
        "for example {'write_market_requirements': 'product_management'}"
    )


def check_item(kind: str, given: object, expected: str, explanation: str) -> dict[str, object]:
    """Judge one answered item: the answer as shown, whether it is correct, and why.

    ``None``, ``...`` and blank text count as not answered; other non-text values and unknown
    labels get a message saying what to fix. Used by every per-item check of the course.
    """
    choices = ", ".join(label_choices(kind))
    if given is None or given is Ellipsis or (isinstance(given, str) and not given.strip()):
        return {
            "your_answer": "",
            "correct": False,
            "explanation": f"not answered yet; pick one of: {choices}",
        }
    if not isinstance(given, str):
        return {
            "your_answer": repr(given),
            "correct": False,
            "explanation": f"the answer is {type(given).__name__} ({given!r}), not text; "
            f"write the label in quotes, one of: {choices}",
        }
    try:
        label = normalize_label(kind, given)
    except ValueError as error:
        return {"your_answer": given, "correct": False, "explanation": str(error)}
    if label != expected:
        explanation = f"expected {expected}, not {label}. {explanation}"
    return {"your_answer": given, "correct": label == expected, "explanation": explanation}


def check_sort(
    answer: Mapping[str, str] | pd.Series,
    scheme: str,
    tasks: Iterable[str] | pd.DataFrame | None = None,
) -> SortFeedback:
    """Check a sort of catalog tasks under ``scheme`` and explain every item.

    ``answer`` maps task id -> label; aliases such as ``"PM"`` or ``"H1"`` are accepted.
    ``tasks`` lists the tasks that should have been sorted (ids or a slice of the catalog);
    tasks missing from the answer are reported as not answered. Without it, only the answered
    tasks are checked. Unknown ids, unknown labels and non-text labels each get a row with a
    message saying what to fix; nothing raises for a bad item.
    """
    kind = scheme_kind(scheme)
    explanation_column = SCHEMES[scheme][1]
    mapping = _as_mapping(answer)
    catalog = tasks if isinstance(tasks, pd.DataFrame) else load_tasks()
    expected_ids = _expected_tasks(tasks, mapping, catalog)
    key = partition(catalog.loc[expected_ids], scheme)
    rows: list[dict[str, object]] = []
    for task in expected_ids:
        expected = str(key[task])
        title = str(catalog.at[task, "title"])
        row: dict[str, object] = {
            "task": task,
            "title": title,
            "expected": expected,
            "correct": False,
        }
        given = mapping.get(task)
        rows.append(
            row | check_item(kind, given, expected, str(catalog.at[task, explanation_column]))
        )
    for answered in mapping:
        if isinstance(answered, str) and answered in expected_ids:
            continue
        extra_answer = mapping[answered]
        if isinstance(answered, str) and answered in catalog.index:
            message = "this task is not part of this exercise; remove it"
        else:
            message = f"unknown task id {answered!r}"
            close = difflib.get_close_matches(str(answered), [str(t) for t in catalog.index], n=1)
            message += f"; did you mean {close[0]!r}?" if close else "; check the spelling"
        rows.append(
            {
                "task": str(answered),
                "title": "",
                "your_answer": str(extra_answer),
                "expected": "",
                "correct": False,
                "explanation": message,
            }
        )
    table = pd.DataFrame(rows, columns=FEEDBACK_COLUMNS)
    table["correct"] = table["correct"].astype(bool)
    n_correct = int(table["correct"].sum())
    return SortFeedback(scheme=scheme, table=table, n_correct=n_correct, n_total=len(expected_ids))
