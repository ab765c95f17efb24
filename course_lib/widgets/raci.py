"""The RACI board: tasks as rows, roles as columns, one letter per cell; Check, Show answer,
Reset and Answer as code, like the sorting board.

A thin ipywidgets shell over :func:`check_raci`. It reuses the sorting board's CSS classes
(``pmc-board``, ``pmc-card`` per task row, ``pmc-picker`` per cell, the buttons'), so its
focus ring and the browser tests' accessibility checks apply unchanged.
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets

from course_lib import _style as style
from course_lib._content import load_vocabulary
from course_lib._markup import Markup, join, tag
from course_lib._practice import CORRECT_MARK, NOT_ANSWERED, UNANSWERED_MARK, WRONG_MARK
from course_lib._raci.feedback import RaciFeedback, check_raci
from course_lib._raci.practice import raci_matrix, raci_roles, read_matrix, role_names, task_ids
from course_lib._raci.rules import BLANK

__all__ = ["RACI_KEYBOARD_HINT", "RaciBoard"]

#: How to fill the board with the keyboard alone.
RACI_KEYBOARD_HINT = (
    "Keyboard: Tab moves from cell to cell, row by row; Space opens a cell's list, the arrow "
    "keys choose and Enter confirms; Tab to a button and press Enter or Space."
)
_START_TEXT = (
    "Pick a letter in the cells of each task (leave a role out with \u2013), then press Check."
)
_DASH = "\u2013"
_TASK_WIDTH = "230px"
_CELL_WIDTH = "126px"
#: The row's padding and border: the heading row is shifted by as much to line up.
_ROW_INSET = "9px"
_STATES = {
    "correct": style.CSS["correct"],
    "wrong": style.CSS["wrong"],
    "unanswered": style.CSS["unanswered"],
    "answer": style.CSS["answer"],
}
_COLOURS = {
    _STATES["correct"]: style.CORRECT,
    _STATES["wrong"]: style.WRONG,
    _STATES["unanswered"]: style.UNANSWERED,
    _STATES["answer"]: style.ANSWER,
}


def _announce(text: Markup) -> Markup:
    """The score line as an alert: screen readers read it out as soon as it appears."""
    return tag("div", text, role="alert", aria_atomic="true")


def _button(label: str, css_class: str, icon: str, tooltip: str, kind: str = "") -> widgets.Button:
    button = widgets.Button(description=label, icon=icon, button_style=kind, tooltip=tooltip)
    button.add_class(css_class)
    return button


class RaciBoard(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """A RACI matrix to fill in: one row per task, one letter picker per role.

    ``tasks`` are task ids of the course's RACI key (default: all of them). Press Check for
    the rules (one A, at least one R) and then each cell against the key, with the reason;
    Show answer puts the key beside your picks; Reset clears them; Answer as code prints the
    matrix as a Python dict. A row you have not touched never shows its key until Show answer.
    """

    def __init__(
        self, tasks: Iterable[str] | None = None, *, title: str | None = None, **kwargs: Any
    ) -> None:
        self.task_ids = task_ids(tasks)
        self.roles = raci_roles()
        self._titles = dict(
            zip(self.task_ids, raci_matrix(self.task_ids, titles=True).index, strict=True)
        )
        self._feedback: RaciFeedback | None = None
        self._syncing = False
        short, full = role_names(), role_names(short=False)
        letters = load_vocabulary("raci_letters")
        options = [(_DASH, BLANK)] + [(str(letter), str(letter)) for letter in letters.index]

        self.pickers: dict[str, dict[str, widgets.Dropdown]] = {}
        self.feedback_lines: dict[str, widgets.HTML] = {}
        self.cards: dict[str, widgets.VBox] = {}
        for number, task in enumerate(self.task_ids, start=1):
            name = widgets.HTML(tag("b", f"{number}. {self._titles[task]}"))
            name.layout = widgets.Layout(width=_TASK_WIDTH)
            cells = {}
            for role in self.roles:
                picker = widgets.Dropdown(
                    options=options,
                    value=BLANK,
                    description=f"{short[role]}:",
                    tooltip=f"{full[role]} on task {number}: {self._titles[task]}",
                    style={"description_width": "64px"},
                    layout=widgets.Layout(width=_CELL_WIDTH),
                )
                picker.add_class(style.CSS["picker"])
                picker.observe(self._on_pick, names="value")
                cells[role] = picker
            line = widgets.HTML("")
            line.add_class(style.CSS["feedback"])
            card = widgets.VBox(
                [widgets.HBox([name, *cells.values()]), line],
                layout=widgets.Layout(border=f"1px solid {style.LINE}", padding="4px 8px",
                                      margin="3px 0"),
            )  # fmt: skip
            card.add_class(style.CSS["card"])
            self.pickers[task], self.feedback_lines[task], self.cards[task] = cells, line, card

        self.check_button = _button(
            "Check", style.CSS["check"], "check", "Check the rules, then every cell", "success"
        )
        self.show_answer_button = _button(
            "Show answer", style.CSS["show_answer"], "eye", "Show the key beside your picks"
        )
        self.reset_button = _button("Reset", style.CSS["reset"], "undo", "Clear every cell")
        self.code_button = _button(
            "Answer as code", style.CSS["code_button"], "code", "Show your matrix as a dict"
        )
        self.check_button.on_click(lambda _button: self.check())
        self.show_answer_button.on_click(lambda _button: self.show_answer())
        self.reset_button.on_click(lambda _button: self.reset())
        self.code_button.on_click(lambda _button: self._show_code())
        self.score = widgets.HTML(_START_TEXT)
        self.score.add_class(style.CSS["score"])
        self.code = widgets.HTML("")
        self.code.add_class(style.CSS["code"])

        legend = "; ".join(f"{letter}: {label}" for letter, label in letters["label"].items())
        header = [widgets.HTML(tag("h3", title))] if title else []
        intro = f"Fill in {len(self.task_ids)} tasks ({legend}; {_DASH}: not involved). "
        header.append(
            widgets.HTML(
                join([tag("i", intro + RACI_KEYBOARD_HINT), tag("style", Markup(style.WIDGET_CSS))])
            )
        )
        heading = widgets.HBox(
            [widgets.HTML("", layout=widgets.Layout(width=_TASK_WIDTH))]
            + [
                widgets.HTML(
                    tag("b", full[role], style="display:block;text-align:right"),
                    layout=widgets.Layout(width=_CELL_WIDTH),
                )
                for role in self.roles
            ],
            layout=widgets.Layout(padding=f"0 {_ROW_INSET}"),
        )
        buttons = widgets.HBox(
            [self.check_button, self.show_answer_button, self.reset_button, self.code_button]
        )
        super().__init__(
            [*header, heading, *self.cards.values(), buttons, self.score, self.code], **kwargs
        )
        self.add_class(style.CSS["board"])

    @property
    def answer(self) -> dict[str, dict[str, str]]:
        """The matrix so far: task -> {role: letter or ""}, for tasks with at least one letter."""
        rows = {
            task: {role: picker.value for role, picker in cells.items()}
            for task, cells in self.pickers.items()
        }
        return {task: row for task, row in rows.items() if any(row.values())}

    @property
    def feedback(self) -> RaciFeedback | None:
        """The result of the last Check, or None before the first one or after Reset."""
        return self._feedback

    def set_answer(self, mapping: Mapping[str, Mapping[str, object]]) -> None:
        """Fill the named tasks' cells (aliases such as ``"PMM"`` or ``"accountable"`` work).

        Roles not named in a row are left blank; tasks not named keep their picks. Unknown
        tasks, roles and letters raise ``ValueError``.
        """
        rows, problems = read_matrix(mapping)
        unknown = [task for task in rows if task not in self.pickers]
        if unknown:
            problems.append(f"task(s) {', '.join(unknown)} are not on this board: {self.task_ids}")
        if problems:
            raise ValueError("; ".join(problems))
        for task, row in rows.items():
            for role, picker in self.pickers[task].items():
                picker.value = row.get(role) or BLANK

    def check(self) -> RaciFeedback:
        """Check every row: the rules first, then each cell against the key, with reasons.

        A row without any letter says "not answered yet" and keeps its key to itself; the
        score line is an alert, so screen readers announce it.
        """
        feedback = check_raci(self.answer, self.task_ids)
        for row in feedback.rows.itertuples(index=False):
            task = str(row.task)
            if not row.answered:
                self._mark(
                    task,
                    (_STATES["wrong"], _STATES["unanswered"]),
                    tag("b", f"{UNANSWERED_MARK} {NOT_ANSWERED}: pick at least one letter"),
                )
                continue
            cells = feedback.task_cells(task)
            right = bool(row.follows_rules) and bool(cells["correct"].all())
            problems = [str(problem) for problem in feedback.task_problems(task)]
            self._mark(
                task,
                (_STATES["correct"] if right else _STATES["wrong"],),
                self._explained(feedback, task, problems),
            )
        self.score.value = _announce(tag("b", feedback.summary))
        self._feedback = feedback
        return feedback

    def show_answer(self) -> RaciFeedback:
        """Show the key and the reason of every cell beside the picks, which stay as they are."""
        reveal = check_raci(self.answer, self.task_ids).reveal()
        for row in reveal.rows.itertuples(index=False):
            task = str(row.task)
            mark = UNANSWERED_MARK if not row.answered else CORRECT_MARK
            if row.answered and not reveal.task_cells(task)["correct"].all():
                mark = WRONG_MARK
            lines = [tag("b", f"{mark} {reveal.answer_line(task)}")]
            lines += self._reasons(reveal, task)
            self._mark(task, (_STATES["answer"],), join(lines))
        self.score.value = _announce(
            join(
                [
                    tag("b", f"Answers shown for all {len(self.task_ids)} tasks"),
                    f" beside your picks ({reveal.summary}). Press Reset to fill them in again.",
                ]
            )
        )
        self._feedback = None
        return reveal

    def reset(self) -> None:
        """Clear every cell, every mark and the score line."""
        self._syncing = True
        try:
            for cells in self.pickers.values():
                for picker in cells.values():
                    picker.value = BLANK
        finally:
            self._syncing = False
        for task in self.task_ids:
            self._mark(task, (), "")
        self.score.value = _START_TEXT
        self.code.value = ""
        self._feedback = None

    def to_code(self, name: str = "answer") -> str:
        """Return ``name = {...}``: the filled rows as Python code (blank cells as None)."""
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(
                f"{name!r} is not a usable Python variable name; use e.g. 'answer' or 'raci'"
            )
        rows = self.answer
        if not rows:
            return f"{name} = {{}}"
        lines = []
        for task, row in rows.items():
            cells = ", ".join(
                f"{json.dumps(role)}: {json.dumps(letter) if letter else 'None'}"
                for role, letter in row.items()
            )
            lines.append(f"    {json.dumps(task)}: {{{cells}}},")
        return "\n".join([f"{name} = {{", *lines, "}"])

    def _explained(self, feedback: RaciFeedback, task: str, problems: list[str]) -> Markup:
        rules = [f"{WRONG_MARK} {problem}" for problem in problems] or [
            f"{CORRECT_MARK} one A and at least one R"
        ]
        colour = style.WRONG if problems else style.CORRECT
        verdict = tag("b", "Rules: " + "; ".join(rules), style=f"color:{colour}")
        return join([verdict, *self._reasons(feedback, task)])

    @staticmethod
    def _reasons(feedback: RaciFeedback, task: str) -> list[Markup]:
        names = role_names()
        answered = bool(feedback.rows.set_index("task").at[task, "answered"])
        items = []
        for cell in feedback.task_cells(task).itertuples(index=False):
            mark = UNANSWERED_MARK if not answered else CORRECT_MARK if cell.correct else WRONG_MARK
            you = str(cell.your_answer) or _DASH
            text = f"{mark} {names[str(cell.role)]}: you {you}, key {cell.expected}. {cell.reason}"
            colour = {CORRECT_MARK: style.CORRECT, WRONG_MARK: style.WRONG}.get(mark, style.INK)
            items.append(tag("li", text, style=f"color:{colour}"))
        return [tag("ul", *items, style="margin:2px 0")]

    def _show_code(self) -> None:
        self.code.value = join(
            [
                tag("p", "Copy this into the graded answer cell:"),
                tag("pre", self.to_code(), style="user-select:text"),
            ]
        )

    def _mark(self, task: str, states: tuple[str, ...], text: str | Markup) -> None:
        """Give a row its state classes (the last one sets the border's colour and the text's,
        where the text has none of its own) and its feedback text."""
        card = self.cards[task]
        for css_class in _STATES.values():
            card.remove_class(css_class)
        for css_class in states:
            card.add_class(css_class)
        state = states[-1] if states else None
        if state is not None:
            text = tag("div", text, style=f"color:{_COLOURS[state]}")
            card.layout.border = f"2px solid {_COLOURS[state]}"
        else:
            card.layout.border = f"1px solid {style.LINE}"
        self.feedback_lines[task].value = text

    def _on_pick(self, change: dict[str, Any]) -> None:
        """A changed cell makes its row's marks stale: clear them."""
        if self._syncing:
            return
        for task, cells in self.pickers.items():
            if change["owner"] in cells.values():
                self._mark(task, (), "")
        if self._feedback is not None:
            summary = self._feedback.summary
            self.score.value = join(
                [f"Last check: {summary}. You changed a cell since; press Check again."]
            )
