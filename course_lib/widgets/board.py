"""The sorting board: one card per task with a label picker, Check, Show answer and Reset.

A thin ipywidgets shell: the board's feedback and answers come from :func:`check_sort`, its
labels from :func:`label_choices` and :func:`normalize_label`.
Every control is a native, keyboard-focusable widget with a tooltip, and every part a browser
test looks for carries a stable ``pmc-*`` CSS class (:data:`course_lib._style.CSS`).
"""

from __future__ import annotations

import difflib
import json
import keyword
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from course_lib import _style as style
from course_lib._content import load_tasks, load_vocabulary
from course_lib._labels import LABEL_KINDS, label_choices, normalize_label
from course_lib._markup import Markup, join, tag
from course_lib._partitions import scheme_kind
from course_lib._practice import (
    CORRECT_MARK,
    UNANSWERED_MARK,
    WRONG_MARK,
    SortFeedback,
    check_sort,
)

__all__ = ["KEYBOARD_HINT", "SortingBoard"]

BOARD_CLASS = style.CSS["board"]
CARD_CLASS = style.CSS["card"]
CORRECT_CLASS = style.CSS["correct"]
WRONG_CLASS = style.CSS["wrong"]
UNANSWERED_CLASS = style.CSS["unanswered"]
ANSWER_CLASS = style.CSS["answer"]
CHECK_CLASS = style.CSS["check"]
SHOW_ANSWER_CLASS = style.CSS["show_answer"]
RESET_CLASS = style.CSS["reset"]
SCORE_CLASS = style.CSS["score"]
FEEDBACK_CLASS = style.CSS["feedback"]
PICKER_CLASS = style.CSS["picker"]
CODE_BUTTON_CLASS = style.CSS["code_button"]
CODE_CLASS = style.CSS["code"]

#: How to sort with the keyboard alone. In JupyterLab's command mode the notebook takes the
#: arrow keys and some letters for itself, but not Space, Enter or the keys of an open list.
KEYBOARD_HINT = (
    "Keyboard: Tab moves from card to card; Space opens a card's list, the arrow keys choose "
    "and Enter confirms; Tab to a button and press Enter or Space."
)

_KIND_NAMES = {
    "role": "role",
    "horizon": "horizon",
    "corner": "corner",
    "blackblot_role": "Blackblot role",
}
_COLOURS = {
    CORRECT_CLASS: style.CORRECT,
    WRONG_CLASS: style.WRONG,
    UNANSWERED_CLASS: style.UNANSWERED,
    ANSWER_CLASS: style.ANSWER,
}
_BORDERS = {None: f"1px solid {style.LINE}"} | {
    state: f"2px solid {colour}" for state, colour in _COLOURS.items()
}
_START_TEXT = "Pick a {kind} for each task, then press Check."


def _announce(text: Markup) -> Markup:
    """The score line as an alert: screen readers read it out as soon as it appears."""
    return tag("div", text, role="alert", aria_atomic="true")


def _task_ids(tasks: Iterable[str] | pd.DataFrame | None, catalog: pd.DataFrame) -> list[str]:
    """Validate the board's task ids against the catalog and return them as a list."""
    if tasks is None:
        example = ", ".join(repr(task) for task in list(catalog.index)[:2])
        raise ValueError(
            "SortingBoard needs the tasks to sort: pass a list of task ids from load_tasks(), "
            f"e.g. SortingBoard('pragmatic_role', [{example}])"
        )
    if isinstance(tasks, pd.DataFrame):
        tasks = [str(task) for task in tasks.index]
    if isinstance(tasks, str):
        raise TypeError(f"tasks must be a list of task ids, not a single string; use [{tasks!r}]")
    ids = list(tasks)
    if not ids:
        raise ValueError("SortingBoard needs at least one task id to sort; the list is empty")
    known = [str(task) for task in catalog.index]
    for task in ids:
        if not isinstance(task, str):
            raise TypeError(f"task ids must be text, not {type(task).__name__} ({task!r})")
        if task not in catalog.index:
            message = f"unknown task id {task!r}"
            close = difflib.get_close_matches(task, known, n=1)
            message += f"; did you mean {close[0]!r}?" if close else "; see load_tasks().index"
            raise ValueError(message)
    repeated = sorted({task for task in ids if ids.count(task) > 1})
    if repeated:
        raise ValueError(
            f"task id(s) {', '.join(map(repr, repeated))} appear more than once; list each once"
        )
    return ids


class SortingBoard(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """One card per task with a label picker, plus Check, Show answer, Reset and a score line.

    ``scheme`` is one of :data:`SCHEMES` (``pragmatic_role``, ``horizon``, ``corner``, ...),
    ``tasks`` the task ids to sort (required). ``catalog`` replaces the bundled task catalog.
    Put the board last in a cell to display it; read the trainee's sort with ``.answer`` and
    turn it into code for a graded cell with ``.to_code()``.
    """

    def __init__(
        self,
        scheme: str,
        tasks: Iterable[str] | pd.DataFrame | None = None,
        *,
        title: str | None = None,
        catalog: pd.DataFrame | None = None,
        **kwargs: Any,
    ) -> None:
        self.scheme = scheme
        self.kind = scheme_kind(scheme)
        self._catalog = load_tasks() if catalog is None else catalog
        self.task_ids = _task_ids(tasks, self._catalog)
        self._tasks = self._catalog.loc[self.task_ids]
        self._feedback: SortFeedback | None = None
        self._syncing = False
        vocabulary = load_vocabulary(LABEL_KINDS[self.kind])
        kind_name = _KIND_NAMES[self.kind]
        options = [
            (str(vocabulary.at[label, "label"]), label) for label in label_choices(self.kind)
        ]

        self.pickers: dict[str, widgets.Dropdown] = {}
        self.feedback_lines: dict[str, widgets.HTML] = {}
        self.cards: dict[str, widgets.VBox] = {}
        for number, task in enumerate(self.task_ids, start=1):
            task_title = str(self._tasks.at[task, "title"])
            text = widgets.HTML(
                join(
                    [
                        tag("b", f"{number}. {task_title}"),
                        Markup("<br>"),
                        tag("span", str(self._tasks.at[task, "description"])),
                    ]
                )
            )
            picker = widgets.Dropdown(
                options=options,
                value=None,
                description=f"{kind_name.capitalize()}:",
                tooltip=f"Pick the {kind_name} for task {number}: {task_title}",
                style={"description_width": "initial"},
                layout=widgets.Layout(width="max-content", min_width="22em"),
            )
            picker.add_class(PICKER_CLASS)
            picker.observe(self._on_pick, names="value")
            line = widgets.HTML("")
            line.add_class(FEEDBACK_CLASS)
            card = widgets.VBox(
                [text, picker, line],
                layout=widgets.Layout(border=_BORDERS[None], padding="6px 10px", margin="4px 0"),
            )
            card.add_class(CARD_CLASS)
            self.pickers[task], self.feedback_lines[task], self.cards[task] = picker, line, card

        self.check_button = self._button(
            "Check", CHECK_CLASS, "check", "success", "Check every card and explain each one"
        )
        self.show_answer_button = self._button(
            "Show answer",
            SHOW_ANSWER_CLASS,
            "eye",
            "",
            "Show the answer and why beside each of your picks",
        )
        self.reset_button = self._button(
            "Reset", RESET_CLASS, "undo", "", "Clear your picks and the feedback"
        )
        self.code_button = self._button(
            "Answer as code",
            CODE_BUTTON_CLASS,
            "code",
            "",
            "Show your sort as a Python dict to paste in a graded cell",
        )
        self.check_button.on_click(lambda _button: self.check())
        self.show_answer_button.on_click(lambda _button: self.show_answer())
        self.reset_button.on_click(lambda _button: self.reset())
        self.code_button.on_click(lambda _button: self._show_code())
        self.score = widgets.HTML(_START_TEXT.format(kind=kind_name))
        self.score.add_class(SCORE_CLASS)
        self.code = widgets.HTML("")
        self.code.add_class(CODE_CLASS)

        header = []
        if title:
            header.append(widgets.HTML(tag("h3", title)))
        header.append(
            widgets.HTML(
                join(
                    [
                        tag(
                            "i", f"Sort {len(self.task_ids)} tasks by {kind_name}. {KEYBOARD_HINT}"
                        ),
                        tag("style", Markup(style.WIDGET_CSS)),
                    ]
                )
            )
        )
        buttons = widgets.HBox(
            [self.check_button, self.show_answer_button, self.reset_button, self.code_button]
        )
        super().__init__([*header, *self.cards.values(), buttons, self.score, self.code], **kwargs)
        self.add_class(BOARD_CLASS)

    @staticmethod
    def _button(label: str, css_class: str, icon: str, style: str, tooltip: str) -> widgets.Button:
        button = widgets.Button(description=label, icon=icon, button_style=style, tooltip=tooltip)
        button.add_class(css_class)
        return button

    @property
    def answer(self) -> dict[str, str]:
        """The trainee's sort so far: task id -> label id, picked cards only, in card order."""
        return {task: picker.value for task, picker in self.pickers.items() if picker.value}

    @property
    def feedback(self) -> SortFeedback | None:
        """The result of the last Check, or None before the first one or after Reset."""
        return self._feedback

    def set_answer(self, mapping: Mapping[str, str | None]) -> None:
        """Pick labels for the named cards (aliases such as ``"PMM"`` work; None clears one).

        Cards not named keep their pick. Unknown task ids and labels raise ``ValueError``.
        """
        if not isinstance(mapping, Mapping):
            raise TypeError(
                f"set_answer expects a dict of task id -> label, not {type(mapping).__name__}"
            )
        values: dict[str, str | None] = {}
        for task, label in mapping.items():
            if task not in self.pickers:
                known = list(self.pickers)
                close = difflib.get_close_matches(str(task), known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"this board has {known}"
                raise ValueError(f"task {task!r} is not on this board; {hint}")
            values[task] = None if label is None else normalize_label(self.kind, label)
        for task, value in values.items():
            self.pickers[task].value = value

    def check(self) -> SortFeedback:
        """Check the picks with :func:`check_sort`, mark every card and show the score.

        Cards without a pick say "not answered yet" and never show their answer; the score
        line is an alert, so screen readers announce it.
        """
        feedback = check_sort(self.answer, self.scheme, self._tasks)
        for row in feedback.table.itertuples(index=False):
            if row.correct:
                states: tuple[str, ...] = (CORRECT_CLASS,)
                mark = CORRECT_MARK
            elif row.your_answer == "":
                states = (WRONG_CLASS, UNANSWERED_CLASS)
                mark = UNANSWERED_MARK
            else:
                states = (WRONG_CLASS,)
                mark = WRONG_MARK
            self._mark(str(row.task), states, join([tag("b", mark), " ", str(row.explanation)]))
        self.score.value = _announce(tag("b", feedback.summary))
        self._feedback = feedback
        return feedback

    def show_answer(self) -> SortFeedback:
        """Show the answer and the reason beside each card's pick, which stays as it was.

        Each card reads ``you: X · answer: Y`` and why; returns the revealed feedback.
        """
        reveal = check_sort(self.answer, self.scheme, self._tasks).reveal()
        for row in reveal.table.itertuples(index=False):
            task = str(row.task)
            mark = CORRECT_MARK if row.correct else WRONG_MARK
            if row.your_answer == "":
                mark = UNANSWERED_MARK
            self._mark(
                task,
                (ANSWER_CLASS,),
                join(
                    [
                        tag("b", f"{mark} {reveal.answer_line(task)}."),
                        " ",
                        str(reveal.key.at[task, "reason"]),
                    ]
                ),
            )
        self.score.value = _announce(
            join(
                [
                    tag("b", f"Answers shown for all {len(self.task_ids)} tasks"),
                    f" beside your picks ({reveal.summary}).",
                    " Press Reset to sort them yourself again.",
                ]
            )
        )
        self._feedback = None
        return reveal

    def reset(self) -> None:
        """Clear every pick, every mark and the score line."""
        self._syncing = True
        try:
            for picker in self.pickers.values():
                picker.value = None
        finally:
            self._syncing = False
        for task in self.task_ids:
            self._mark(task, (), "")
        self.score.value = _START_TEXT.format(kind=_KIND_NAMES[self.kind])
        self.code.value = ""
        self._feedback = None

    def to_code(self, name: str = "answer") -> str:
        """Return ``name = {...}``: the current sort as Python code for a graded answer cell."""
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(
                f"{name!r} is not a usable Python variable name; use e.g. 'answer' or 'my_sort'"
            )
        answer = self.answer
        if not answer:
            return f"{name} = {{}}"
        lines = [f"    {json.dumps(task)}: {json.dumps(label)}," for task, label in answer.items()]
        return "\n".join([f"{name} = {{", *lines, "}"])

    def _show_code(self) -> None:
        self.code.value = join(
            [
                tag("p", "Copy this into the graded answer cell:"),
                tag("pre", self.to_code(), style="user-select:text"),
            ]
        )

    def _mark(self, task: str, states: tuple[str, ...], text: str | Markup) -> None:
        """Give a card its state classes (the last one sets the colour) and feedback text."""
        card = self.cards[task]
        for css_class in (CORRECT_CLASS, WRONG_CLASS, UNANSWERED_CLASS, ANSWER_CLASS):
            card.remove_class(css_class)
        for css_class in states:
            card.add_class(css_class)
        state = states[-1] if states else None
        if state is not None:
            text = tag("span", text, style=f"color:{_COLOURS[state]}")
        card.layout.border = _BORDERS[state]
        self.feedback_lines[task].value = text

    def _on_pick(self, change: dict[str, Any]) -> None:
        """A changed pick makes that card's marks stale: clear them."""
        if self._syncing:
            return
        for task, picker in self.pickers.items():
            if picker is change["owner"]:
                self._mark(task, (), "")
        if self._feedback is not None:
            summary = self._feedback.summary
            self.score.value = join(
                [f"Last check: {summary}. You changed a pick since; press Check again."]
            )
