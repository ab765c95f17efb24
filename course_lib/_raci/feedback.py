"""Practice feedback on a RACI matrix: the rules first, then each cell against the course's key.

A task row the trainee has not touched (no letter in any cell) is "not answered yet": its key
stays hidden until :meth:`RaciFeedback.reveal` (or the folded "Show the answers" section).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from course_lib import _style as style
from course_lib._content import cached_table
from course_lib._markup import Markup, join, tag
from course_lib._practice import CORRECT_MARK, NOT_ANSWERED, UNANSWERED_MARK, WRONG_MARK
from course_lib._raci.practice import raci_matrix, raci_roles, read_matrix, role_names, task_ids
from course_lib._raci.rules import row_problems

__all__ = ["CELL_COLUMNS", "ROW_COLUMNS", "RaciFeedback", "check_raci"]

#: One row per task and role: what the trainee picked, the key, and why.
CELL_COLUMNS = ["task", "role", "your_answer", "expected", "correct", "reason"]
#: One row per task: answered at all, the rules, and what breaks them.
ROW_COLUMNS = ["task", "title", "answered", "follows_rules", "problems"]
_DASH = "\u2013"


def _shown(letter: str | None) -> str:
    """A cell as the trainee filled it: the letter, a dash when blank, ``?`` when unreadable."""
    if letter is None:
        return "?"
    return letter or _DASH


@dataclass(frozen=True)
class RaciFeedback:
    """The result of :func:`check_raci`: the rules per task, then every cell against the key.

    ``rows`` has one row per task (:data:`ROW_COLUMNS`), ``cells`` one per task and role
    (:data:`CELL_COLUMNS`); the ``expected`` and ``reason`` of tasks not answered yet are blank
    until :meth:`reveal`. ``problems`` lists what could not be read (unknown roles, letters).
    """

    rows: pd.DataFrame
    cells: pd.DataFrame
    key: pd.DataFrame = field(repr=False, compare=False)
    problems: tuple[str, ...] = ()
    revealed: bool = False

    @property
    def n_tasks(self) -> int:
        """How many tasks the matrix should cover."""
        return len(self.rows)

    @property
    def n_answered(self) -> int:
        """How many tasks have at least one letter."""
        return int(self.rows["answered"].sum())

    @property
    def n_follow_rules(self) -> int:
        """How many tasks have exactly one A and at least one R."""
        return int(self.rows["follows_rules"].sum())

    @property
    def n_cells_right(self) -> int:
        """How many cells of answered tasks agree with the key."""
        return int(self.cells["correct"].sum())

    @property
    def score(self) -> float:
        """Share of all the key's cells that the matrix gets right."""
        return self.n_cells_right / len(self.cells) if len(self.cells) else 0.0

    @property
    def summary(self) -> str:
        """One line: the rules, then the cells, then what is not answered yet."""
        line = (
            f"rules: {self.n_follow_rules} of {self.n_tasks} tasks have one A and at least one "
            f"R; cells: {self.n_cells_right} of {len(self.cells)} agree with the key "
            f"({self.score:.0%})"
        )
        unanswered = self.n_tasks - self.n_answered
        if unanswered:
            line += f"; {unanswered} task(s) {NOT_ANSWERED}"
        if self.problems:
            line += f"; {len(self.problems)} problem(s) reading the matrix"
        return line

    def __str__(self) -> str:
        return self.summary

    def reveal(self) -> RaciFeedback:
        """The same feedback with the key and the reason of every cell, answered or not."""
        cells = self.cells.copy()
        for position, (task, role) in enumerate(zip(cells["task"], cells["role"], strict=True)):
            cells.at[position, "expected"] = str(self.key.at[(task, role), "letter"]) or _DASH
            cells.at[position, "reason"] = str(self.key.at[(task, role), "reason"])
        return replace(self, cells=cells, revealed=True)

    def task_problems(self, task: str) -> list[str]:
        """What breaks the rules in one task's row (empty when it follows them)."""
        problems = self.rows.set_index("task").at[task, "problems"]
        return [str(problem) for problem in problems] if isinstance(problems, list) else []

    def task_cells(self, task: str) -> pd.DataFrame:
        """The cells of one task, in role order."""
        return self.cells[self.cells["task"] == task]

    def answer_line(self, task: str) -> str:
        """``you: A R \u2013 C \u00b7 answer: A R I C`` for one task (roles in column order; an en
        dash marks a blank cell)."""
        cells = self.task_cells(task)
        you = " ".join(str(value) or _DASH for value in cells["your_answer"])
        answer = " ".join(
            str(self.key.at[(task, role), "letter"]) or _DASH for role in cells["role"]
        )
        return f"you: {you} \u00b7 answer: {answer}"

    def _task_html(self, task: str, revealed: bool) -> Markup:
        row = self.rows.set_index("task").loc[task]
        names = role_names()
        if not row["answered"] and not revealed:
            return tag("li", tag("b", f"{UNANSWERED_MARK} {row['title']}: {NOT_ANSWERED}"))
        lines = [
            tag("li", f"{CORRECT_MARK if row['follows_rules'] else WRONG_MARK} {text}")
            for text in (row["problems"] or ["one A and at least one R"])
        ]
        for cell in self.task_cells(task).itertuples(index=False):
            mark = CORRECT_MARK if cell.correct else WRONG_MARK
            key = str(self.key.at[(task, cell.role), "letter"]) or _DASH
            you = str(cell.your_answer) or _DASH
            why = str(self.key.at[(task, cell.role), "reason"])
            lines.append(tag("li", f"{mark} {names[str(cell.role)]}: you {you}, key {key}. {why}"))
        return tag("li", tag("b", str(row["title"])), tag("ul", *lines))

    def _html(self, revealed: bool) -> Markup:
        return tag(
            "ul",
            *(self._task_html(str(task), revealed) for task in self.rows["task"]),
            class_=style.CSS["feedback_table"],
        )

    def _repr_html_(self) -> str:
        revealed = self.revealed or self.n_answered == self.n_tasks
        parts = [tag("p", tag("b", self.summary), role="status")]
        parts += [tag("p", problem) for problem in self.problems]
        parts.append(self._html(revealed))
        if not revealed:
            summary = tag("summary", "Show the answers (try every task first)")
            parts.append(tag("details", summary, self._html(True)))
        return str(join(parts))


def check_raci(
    answer: Mapping[str, Mapping[str, object]] | pd.DataFrame,
    tasks: Iterable[str] | None = None,
) -> RaciFeedback:
    """Check a RACI matrix against the course's key: the rules first, then cell by cell.

    ``answer`` maps task id -> {role: letter} (aliases such as ``"PMM"`` or ``"accountable"``
    work; a blank cell is ``None``, ``""`` or ``"-"``), or is a DataFrame with tasks as rows.
    ``tasks`` lists the tasks the matrix should cover (default: those answered that have a
    key). A task with no letter is not answered yet: its key is not shown until
    :meth:`RaciFeedback.reveal`. Nothing raises for a bad cell: it is named in ``problems``.
    """
    rows, problems = read_matrix(answer)
    known = task_ids()
    if tasks is None:
        expected = [task for task in rows if task in known] or known
    else:
        expected = task_ids(tasks)
    problems += [
        f"{task}: no RACI key for this task; remove it" for task in rows if task not in known
    ]
    key = cached_table("raci")
    roles = raci_roles()
    names = role_names(short=False)
    titles = raci_matrix(expected, titles=True).index
    row_records, cell_records = [], []
    for task, title in zip(expected, titles, strict=True):
        given = rows.get(task, {})
        answered = any(letter != "" for letter in given.values())
        letters = {role: letter for role, letter in given.items() if letter}
        broken = row_problems(letters, names) if answered else []
        row_records.append([task, title, answered, answered and not broken, broken])
        for role in roles:
            letter = given.get(role, "")
            expected_letter = str(key.at[(task, role), "letter"])
            cell_records.append(
                [
                    task,
                    role,
                    _shown(letter) if answered else "",
                    (expected_letter or _DASH) if answered else "",
                    answered and letter == expected_letter,
                    str(key.at[(task, role), "reason"]) if answered else "",
                ]
            )
    return RaciFeedback(
        rows=pd.DataFrame(row_records, columns=ROW_COLUMNS),
        cells=pd.DataFrame(cell_records, columns=CELL_COLUMNS).astype({"correct": bool}),
        key=key,
        problems=tuple(problems),
    )
