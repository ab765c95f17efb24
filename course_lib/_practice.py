"""Practice feedback: per-item checks of a trainee's sort or quiz, with the reason for each.

The verb `check` means practice feedback for trainees (nothing is scored for a grade); the
graded side scores answers in :mod:`course_lib.grading`. Feedback never gives an answer away
for an item the trainee has not answered: the key of those items is shown only after an
explicit reveal (:meth:`SortFeedback.reveal`, or the collapsed "Show the answers" section of
the feedback table).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from course_lib import _style as style
from course_lib._content import load_tasks
from course_lib._labels import canonical_kind, display_label, label_choices, normalize_label
from course_lib._markup import Markup, join, tag
from course_lib._partitions import SCHEMES, partition, scheme_kind

__all__ = [
    "CORRECT_MARK",
    "FEEDBACK_COLUMNS",
    "NOT_ANSWERED",
    "UNANSWERED_MARK",
    "WRONG_MARK",
    "SortFeedback",
    "check_item",
    "check_sort",
    "feedback_from_rows",
    "shown_answer",
]

FEEDBACK_COLUMNS = ["task", "title", "your_answer", "expected", "correct", "explanation"]
CORRECT_MARK = "\u2714"  # ✔
WRONG_MARK = "\u2718"  # ✘
UNANSWERED_MARK = "\u2013"  # en dash: neither right nor wrong
NOT_ANSWERED = "not answered yet"


def shown_answer(kind: str, given: object) -> str:
    """What a trainee's answer reads as: the display label when it is a known label, the text
    as typed otherwise, and "" for no answer."""
    if given is None or given is Ellipsis or (isinstance(given, str) and not given.strip()):
        return ""
    if not isinstance(given, str):
        return repr(given)
    try:
        return display_label(kind, normalize_label(kind, given))
    except ValueError:
        return given


@dataclass(frozen=True)
class SortFeedback:
    """The result of :func:`check_sort` or a quiz check: one row per item plus a score.

    ``table`` holds the trainee's answers; for items not answered yet it leaves ``expected``
    blank. :meth:`reveal` returns the same feedback with every answer and reason filled in.
    """

    scheme: str
    table: pd.DataFrame
    n_correct: int
    n_total: int
    kind: str = "role"
    key: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    revealed: bool = False

    @property
    def score(self) -> float:
        """Share of the expected tasks sorted correctly (0.0 when there is nothing to sort)."""
        return self.n_correct / self.n_total if self.n_total else 0.0

    @property
    def n_unanswered(self) -> int:
        """How many of the expected items have no answer yet."""
        return int((self.table["your_answer"].iloc[: self.n_total] == "").sum())

    @property
    def summary(self) -> str:
        """One line, e.g. ``7 of 10 correct (70%)``."""
        line = f"{self.n_correct} of {self.n_total} correct ({self.score:.0%})"
        problems = len(self.table) - self.n_total
        if self.n_unanswered:
            line += f"; {self.n_unanswered} {NOT_ANSWERED}"
        if problems:
            line += f"; {problems} unknown task id(s)"
        return line

    def __str__(self) -> str:
        return self.summary

    def reveal(self) -> SortFeedback:
        """The same feedback with the answer and the reason of every item, answered or not."""
        table = self.table.copy()
        for position, task in enumerate(table["task"].iloc[: self.n_total]):
            if task in self.key.index:
                table.at[position, "expected"] = str(self.key.at[task, "expected"])
                if table.at[position, "your_answer"] == "":
                    table.at[position, "explanation"] = str(self.key.at[task, "reason"])
        return replace(self, table=table, revealed=True)

    def answer_line(self, task: str) -> str:
        """``you: X · answer: Y`` for one item of the key, in display labels."""
        row = self.table.set_index("task").loc[task]
        you = shown_answer(self.kind, row["your_answer"]) or "no answer"
        answer = display_label(self.kind, str(self.key.at[task, "expected"]))
        return f"you: {you} \u00b7 answer: {answer}"

    def _rows_html(self, revealed: bool) -> list[Markup]:
        rows = []
        for position, row in enumerate(self.table.itertuples(index=False)):
            in_key = position < self.n_total and row.task in self.key.index
            answered = row.your_answer != ""
            if row.correct:
                mark, colour = CORRECT_MARK, style.CORRECT
            elif answered or not in_key:
                mark, colour = WRONG_MARK, style.WRONG
            else:
                mark, colour = UNANSWERED_MARK, style.UNANSWERED
            shown_key = in_key and (answered or revealed)
            answer, why = "", ""
            if shown_key:
                answer = display_label(self.kind, str(self.key.at[row.task, "expected"]))
                why = str(self.key.at[row.task, "reason"])
            if not in_key:
                why = str(row.explanation)
            elif answered and not row.correct and not str(row.explanation).startswith("expected"):
                why = str(row.explanation)  # a label that could not be read: say how to fix it
            cells = [
                tag("td", mark, style=f"color:{colour};text-align:center"),
                tag("td", str(row.title or row.task), style="text-align:left"),
                tag(
                    "td",
                    shown_answer(self.kind, row.your_answer) or NOT_ANSWERED,
                    style="text-align:left" + ("" if answered else f";color:{style.INK_SOFT}"),
                ),
                tag("td", answer, style="text-align:left"),
                tag("td", why, style="text-align:left"),
            ]
            rows.append(tag("tr", *cells))
        return rows

    def _table_html(self, revealed: bool) -> Markup:
        head = tag(
            "tr",
            *(
                tag("th", name, style="text-align:left")
                for name in ("", "item", "your answer", "answer", "why")
            ),
        )
        return tag("table", head, *self._rows_html(revealed), class_=style.CSS["feedback_table"])

    def _repr_html_(self) -> str:
        revealed = self.revealed or not self.n_unanswered
        parts = [
            tag("p", tag("b", self.summary), role="status"),
            self._table_html(revealed),
        ]
        if not revealed:
            parts.append(
                tag(
                    "details",
                    tag("summary", "Show the answers (try every item first)"),
                    self._table_html(True),
                )
            )
        return str(join(parts))


def check_item(kind: str, given: object, expected: str, explanation: str) -> dict[str, object]:
    """Judge one answered item: the answer as typed, whether it is correct, and why.

    ``None``, ``...`` and blank text count as not answered: the result then says so and names
    the choices, without the expected answer. Other non-text values and unknown labels get a
    message saying what to fix. Used by every per-item check of the course.
    """
    choices = ", ".join(display_label(kind, label) for label in label_choices(kind))
    if given is None or given is Ellipsis or (isinstance(given, str) and not given.strip()):
        return {
            "your_answer": "",
            "correct": False,
            "explanation": f"{NOT_ANSWERED}; pick one of: {choices}",
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
        explanation = (
            f"expected {display_label(kind, expected)}, not {display_label(kind, label)}. "
            f"{explanation}"
        )
    return {"your_answer": given, "correct": label == expected, "explanation": explanation}


def feedback_from_rows(
    rows: list[dict[str, object]], key: pd.DataFrame, *, scheme: str, kind: str
) -> SortFeedback:
    """Build the feedback of a check from its rows (the expected items first, then extras).

    ``key`` is indexed by item id with columns ``expected`` and ``reason``. The ``expected``
    of items not answered yet is blanked in the table: only :meth:`SortFeedback.reveal` shows it.
    """
    table = pd.DataFrame(rows, columns=FEEDBACK_COLUMNS)
    table["correct"] = table["correct"].astype(bool)
    table.loc[table["your_answer"] == "", "expected"] = ""
    return SortFeedback(
        scheme=scheme,
        table=table,
        n_correct=int(table["correct"].sum()),
        n_total=len(key),
        kind=canonical_kind(kind),
        key=key,
    )


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


def _extra_row(answered: object, given: object, catalog: pd.DataFrame) -> dict[str, object]:
    """The row of an answered id that is not one of the exercise's tasks."""
    if isinstance(answered, str) and answered in catalog.index:
        message = "this task is not part of this exercise; remove it"
    else:
        message = f"unknown task id {answered!r}"
        close = difflib.get_close_matches(str(answered), [str(t) for t in catalog.index], n=1)
        message += f"; did you mean {close[0]!r}?" if close else "; check the spelling"
    return {
        "task": str(answered),
        "title": "",
        "your_answer": str(given),
        "expected": "",
        "correct": False,
        "explanation": message,
    }


def check_sort(
    answer: Mapping[str, str] | pd.Series,
    scheme: str,
    tasks: Iterable[str] | pd.DataFrame | None = None,
) -> SortFeedback:
    """Check a sort of catalog tasks under ``scheme`` and explain every answered item.

    ``answer`` maps task id -> label; aliases such as ``"PM"`` or ``"H1"`` are accepted.
    ``tasks`` lists the tasks that should have been sorted (ids or a slice of the catalog);
    tasks missing from the answer are reported as not answered, without their answer. Without
    it, only the answered tasks are checked. Unknown ids, unknown labels and non-text labels
    each get a row with a message saying what to fix; nothing raises for a bad item.
    """
    kind = scheme_kind(scheme)
    explanation_column = SCHEMES[scheme][1]
    mapping = _as_mapping(answer)
    catalog = tasks if isinstance(tasks, pd.DataFrame) else load_tasks()
    expected_ids = _expected_tasks(tasks, mapping, catalog)
    expected = partition(catalog.loc[expected_ids], scheme)
    key = pd.DataFrame(
        {
            "expected": [str(expected[task]) for task in expected_ids],
            "reason": [str(catalog.at[task, explanation_column]) for task in expected_ids],
        },
        index=pd.Index(expected_ids, dtype=object),
    )
    rows: list[dict[str, object]] = []
    for task in expected_ids:
        row: dict[str, object] = {
            "task": task,
            "title": str(catalog.at[task, "title"]),
            "expected": key.at[task, "expected"],
        }
        given = mapping.get(task)
        rows.append(
            row
            | check_item(kind, given, str(key.at[task, "expected"]), str(key.at[task, "reason"]))
        )
    for answered in mapping:
        if not (isinstance(answered, str) and answered in expected_ids):
            rows.append(_extra_row(answered, mapping[answered], catalog))
    return feedback_from_rows(rows, key, scheme=scheme, kind=kind)
