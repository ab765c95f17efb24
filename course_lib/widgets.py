"""Interactive pieces for JupyterLab: a sorting board and a role-by-horizon view.

Both are thin ipywidgets shells: the board's feedback comes from :func:`check_sort`, its
answer key from :func:`partition`, its labels from :func:`label_choices` and
:func:`normalize_label`. Every control is a native, keyboard-focusable widget with a tooltip,
and every part a browser test looks for carries a stable ``pmc-*`` CSS class.
"""

from __future__ import annotations

import difflib
import html
import json
import keyword
from collections.abc import Iterable, Mapping
from typing import Any, cast

import ipywidgets as widgets
import pandas as pd

from course_lib._content import load_tasks, load_vocabulary
from course_lib._feedback import SortFeedback, check_sort
from course_lib._labels import LABEL_KINDS, label_choices, normalize_label
from course_lib._partitions import partition, scheme_kind
from course_lib._widget_data import ROLE_SPANS, role_horizon_table

__all__ = ["RoleHorizonView", "SortingBoard", "role_horizon_view"]

BOARD_CLASS = "pmc-board"
CARD_CLASS = "pmc-card"
CORRECT_CLASS = "pmc-card-correct"
WRONG_CLASS = "pmc-card-wrong"
UNANSWERED_CLASS = "pmc-card-unanswered"
ANSWER_CLASS = "pmc-card-answer"
CHECK_CLASS = "pmc-check"
SHOW_ANSWER_CLASS = "pmc-show-answer"
RESET_CLASS = "pmc-reset"
SCORE_CLASS = "pmc-score"
FEEDBACK_CLASS = "pmc-feedback"
PICKER_CLASS = "pmc-picker"
CODE_BUTTON_CLASS = "pmc-show-code"
CODE_CLASS = "pmc-code"

#: How to sort with the keyboard alone. In JupyterLab's command mode the notebook takes the
#: arrow keys and some letters for itself, but not Space, Enter or the keys of an open list.
KEYBOARD_HINT = (
    "Keyboard: Tab moves from card to card; Space opens a card's list, the arrow keys choose "
    "and Enter confirms; Tab to a button and press Enter or Space."
)
CORRECT_MARK = "\u2714"  # ✔
WRONG_MARK = "\u2718"  # ✘

_KIND_NAMES = {
    "role": "role",
    "horizon": "horizon",
    "corner": "corner",
    "blackblot_role": "Blackblot role",
}
_BORDERS = {
    None: "1px solid #bdbdbd",
    CORRECT_CLASS: "2px solid #1b7837",
    WRONG_CLASS: "2px solid #b2182b",
    UNANSWERED_CLASS: "2px solid #e08214",
    ANSWER_CLASS: "2px solid #2166ac",
}
_COLOURS = {
    CORRECT_CLASS: "#1b7837",
    WRONG_CLASS: "#b2182b",
    UNANSWERED_CLASS: "#b35806",
    ANSWER_CLASS: "#2166ac",
}
_START_TEXT = "Pick a {kind} for each task, then press Check."


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
                f"<b>{number}. {html.escape(task_title)}</b><br>"
                f"<span>{html.escape(str(self._tasks.at[task, 'description']))}</span>"
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
            "Fill in the expected labels with explanations",
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
            header.append(widgets.HTML(f"<h3>{html.escape(title)}</h3>"))
        header.append(
            widgets.HTML(f"<i>Sort {len(self.task_ids)} tasks by {kind_name}. {KEYBOARD_HINT}</i>")
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
        """Check the picks with :func:`check_sort`, mark every card and show the score."""
        feedback = check_sort(self.answer, self.scheme, self._tasks)
        for row in feedback.table.itertuples(index=False):
            if row.correct:
                states: tuple[str, ...] = (CORRECT_CLASS,)
            elif row.your_answer == "":
                states = (WRONG_CLASS, UNANSWERED_CLASS)
            else:
                states = (WRONG_CLASS,)
            mark = CORRECT_MARK if row.correct else WRONG_MARK
            text = f"<b>{mark}</b> {html.escape(str(row.explanation))}"
            self._mark(str(row.task), states, text)
        self.score.value = f"<b>{html.escape(feedback.summary)}</b>"
        self._feedback = feedback
        return feedback

    def show_answer(self) -> SortFeedback:
        """Fill in the expected label of every card and show why; returns that key's check."""
        key = partition(self._tasks, self.scheme)
        reveal = check_sort(
            {str(t): str(label) for t, label in key.items()}, self.scheme, self._tasks
        )
        vocabulary = load_vocabulary(LABEL_KINDS[self.kind])
        self._syncing = True
        try:
            for task, label in key.items():
                self.pickers[str(task)].value = label
        finally:
            self._syncing = False
        for row in reveal.table.itertuples(index=False):
            label = html.escape(str(vocabulary.at[row.expected, "label"]))
            self._mark(
                str(row.task),
                (ANSWER_CLASS,),
                f"<b>Answer: {label}.</b> {html.escape(str(row.explanation))}",
            )
        self.score.value = (
            f"<b>Answers shown for all {len(self.task_ids)} tasks.</b> "
            "Press Reset to sort them yourself again."
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
        self.code.value = (
            "<p>Copy this into the graded answer cell:</p>"
            f"<pre style='user-select:text'>{html.escape(self.to_code())}</pre>"
        )

    def _mark(self, task: str, states: tuple[str, ...], text: str) -> None:
        """Give a card its state classes (the last one sets the colour) and feedback text."""
        card = self.cards[task]
        for css_class in (CORRECT_CLASS, WRONG_CLASS, UNANSWERED_CLASS, ANSWER_CLASS):
            card.remove_class(css_class)
        for css_class in states:
            card.add_class(css_class)
        style = states[-1] if states else None
        if style is not None:
            text = f"<span style='color:{_COLOURS[style]}'>{text}</span>"
        card.layout.border = _BORDERS[style]
        self.feedback_lines[task].value = text

    def _on_pick(self, change: dict[str, Any]) -> None:
        """A changed pick makes that card's marks stale: clear them."""
        if self._syncing:
            return
        for task, picker in self.pickers.items():
            if picker is change["owner"]:
                self._mark(task, (), "")
        if self._feedback is not None:
            self.score.value = (
                f"Last check: {html.escape(self._feedback.summary)}. "
                "You changed a pick since; press Check again."
            )


class RoleHorizonView(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """A role x horizon table of task titles with a role selector; see :func:`role_horizon_view`."""

    def __init__(self, tasks: pd.DataFrame | None = None, scheme: str = "pragmatic_role") -> None:
        catalog = load_tasks() if tasks is None else tasks
        self.table = role_horizon_table(catalog, scheme)
        self.scheme = scheme
        self._roles = load_vocabulary("roles")
        self._horizons = load_vocabulary("horizons")
        self.role_picker = widgets.ToggleButtons(
            options=[(str(self._roles.at[role, "label"]), role) for role in self.table.index],
            description="Highlight:",
            tooltip="Pick a role to highlight its tasks and its horizon span",
            tooltips=[str(self._roles.at[role, "definition"]) for role in self.table.index],
            style={"description_width": "initial", "button_width": "auto"},
        )
        self.role_picker.add_class("pmc-role-picker")
        self.grid = widgets.HTML()
        self.grid.add_class("pmc-role-horizon-table")
        self.role_picker.observe(lambda _change: self._render(), names="value")
        super().__init__([self.role_picker, self.grid])
        self.add_class("pmc-role-horizon")
        self._render()

    def titles(self, role: str, horizon: str) -> list[str]:
        """Titles of the tasks owned by ``role`` on ``horizon`` (empty when there are none)."""
        if role not in self.table.index or horizon not in self.table.columns:
            return []
        return [str(title) for title in cast("list[object]", self.table.at[role, horizon])]

    @property
    def selected_role(self) -> str:
        """The highlighted role id."""
        return str(self.role_picker.value)

    def _render(self) -> None:
        selected = self.selected_role
        span = ROLE_SPANS.get(selected, ())
        horizons = list(self.table.columns)
        head = "".join(
            f"<th style='padding:4px 8px;text-align:left'>H{number}: "
            f"{html.escape(str(self._horizons.at[h, 'label']))}</th>"
            for number, h in enumerate(horizons, start=1)
        )
        span_rows = []
        for role, covered in ROLE_SPANS.items():
            cells = []
            for horizon in horizons:
                inside = horizon in covered
                style = (
                    "background:#fde0c5" if role == "product_marketing" else "background:#d1e5f0"
                )
                cells.append(
                    f"<td class='pmc-span-cell' style='{style if inside else ''};"
                    f"padding:1px 8px;text-align:center;color:#555'>"
                    f"{'&#9644; covered' if inside else ''}</td>"
                )
            label = html.escape(str(self._roles.at[role, "label"]))
            span_rows.append(
                f"<tr class='pmc-span pmc-span-{role}'><th style='text-align:left;padding:1px 8px'>"
                f"{label} span</th>{''.join(cells)}</tr>"
            )
        body = []
        for role in self.table.index:
            is_selected = role == selected
            row_class = "pmc-rh-row pmc-rh-selected" if is_selected else "pmc-rh-row"
            cells = []
            for horizon in horizons:
                titles = self.titles(role, horizon)
                items = "".join(
                    f"<li style='margin:0'>{html.escape(title)}</li>" for title in titles
                )
                style = "vertical-align:top;padding:4px 8px;border:1px solid #ddd"
                if is_selected:
                    style += ";background:#fff7bc"
                    if horizon in span:
                        style += ";border:2px solid #333"
                    elif span and titles:
                        style += ";border:2px dashed #b2182b"
                        items = (
                            "<li style='margin:0;list-style:none;color:#b2182b'>"
                            "<i>outside this role's span</i></li>" + items
                        )
                cells.append(
                    f"<td class='pmc-rh-cell' data-role='{role}' data-horizon='{horizon}' "
                    f"style='{style}'><ul style='margin:0;padding-left:1.2em'>{items}</ul></td>"
                )
            label = html.escape(str(self._roles.at[role, "label"]))
            body.append(
                f"<tr class='{row_class}' data-role='{role}'>"
                f"<th style='text-align:left;vertical-align:top;padding:4px 8px'>{label}</th>"
                f"{''.join(cells)}</tr>"
            )
        self.grid.value = (
            f"<p><b>{html.escape(self.caption())}</b></p>"
            "<table style='border-collapse:collapse;width:100%;table-layout:fixed;"
            "font-size:0.9em;line-height:1.35'>"
            "<colgroup><col style='width:12em'></colgroup>"
            f"<tr><th></th>{head}</tr>{''.join(span_rows)}{''.join(body)}</table>"
        )

    def caption(self) -> str:
        """One line on the highlighted role: tasks per horizon and its span, if it has one."""
        role = self.selected_role
        counts = ", ".join(
            f"{len(self.titles(role, horizon))} on {horizon}" for horizon in self.table.columns
        )
        label = str(self._roles.at[role, "label"])
        line = f"{label}: {counts} products."
        span = ROLE_SPANS.get(role)
        if span:
            line += f" Pragmatic's span for {label.lower()}: {' + '.join(span)}."
            outside = [h for h in self.table.columns if h not in span and self.titles(role, h)]
            if outside:
                line += f" Tasks on {', '.join(outside)} sit outside that span."
        else:
            line += " Pragmatic's horizon mapping gives this role no span of its own."
        return line


def role_horizon_view(
    tasks: pd.DataFrame | None = None, scheme: str = "pragmatic_role"
) -> RoleHorizonView:
    """Return a widget showing where each role's work sits across current / next / future.

    A role x horizon table of task titles (``tasks`` defaults to the catalog, roles come from
    ``scheme``), the product marketing span (current + next) and the product management span
    (next + future) that overlap on next, and a role selector that highlights one role.
    """
    return RoleHorizonView(tasks, scheme)
