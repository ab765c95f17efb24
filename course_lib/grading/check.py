"""The trainee's format check: is an answer well formed before submitting? (never the key)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from course_lib import _style as style
from course_lib._labels import display_label, fold_spelling, label_choices, label_lookup
from course_lib._markup import join, tag
from course_lib.grading.items import ItemSpec, item_spec
from course_lib.grading.values import collection_values, plain_number, raci_row, type_name

__all__ = ["AnswerFormatError", "FormatReport", "check_answer", "validate_answer"]


class _Missing:
    """Marks an answer argument that was not given."""

    def __repr__(self) -> str:
        return "<not given>"


_MISSING: Any = _Missing()


@dataclass(frozen=True)
class FormatReport:
    """What :func:`check_answer` checked, and the problems it found, for one item."""

    assignment: str
    item: str
    checked: tuple[str, ...]
    problems: tuple[str, ...]
    unanswered: tuple[str, ...] = ()
    blank: bool = False

    @property
    def ok(self) -> bool:
        """True when the format is right (correctness is only known after grading)."""
        return not self.problems and not self.blank

    @property
    def summary(self) -> str:
        """One line that says whether the format is right and what remains."""
        if self.blank:
            return (
                f"[{self.item}] not answered yet: answer every id before you submit "
                "(the grader scores the answer when your notebook is graded)."
            )
        if self.problems:
            return (
                f"[{self.item}] {len(self.problems)} format problem(s) to fix before you submit "
                "(the grader scores the answer when your notebook is graded)."
            )
        line = (
            f"[{self.item}] format OK. The grader scores this answer when your notebook is "
            "graded; this check does not say whether it is correct."
        )
        if self.unanswered:
            line += f" Not answered yet: {', '.join(self.unanswered)}."
        return line

    def __str__(self) -> str:
        lines = [self.summary, "Checked:"]
        lines += [f"  - {text}" for text in self.checked]
        if self.problems:
            lines.append("Fix:")
            lines += [f"  - {text}" for text in self.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = style.CORRECT if self.ok else style.WRONG
        checked = tag("ul", *(tag("li", text) for text in self.checked))
        parts = [
            tag("p", self.summary, style=f"color:{colour}"),
            tag("details", tag("summary", "Checked"), checked),
        ]
        if self.problems:
            parts += [tag("p", "Fix:"), tag("ul", *(tag("li", text) for text in self.problems))]
        return str(join(parts))


def _namespace_value(name: str) -> Any:
    """Return the value of ``name`` in the running notebook, or ``_MISSING``."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the kernel
        shell = None
    else:
        shell = get_ipython()
    if shell is not None:
        return shell.user_ns.get(name, _MISSING)
    import __main__

    return vars(__main__).get(name, _MISSING)


def _check_labels(
    spec: ItemSpec, mapping: Mapping[Any, Any], problems: list[str], unanswered: list[str]
) -> None:
    choices = label_choices(spec.label_kind)
    lookup = label_lookup(spec.label_kind)
    keys = [key for key in mapping if type(key) is str]
    if len(keys) != len(mapping):
        problems.append("every key must be text (an id in quotes)")
    if spec.ids:
        missing = [task for task in spec.ids if task not in mapping]
        unknown = [key for key in keys if key not in spec.ids]
        if missing:
            problems.append(f"missing id(s): {', '.join(missing)}; give each one a label")
        if unknown:
            problems.append(
                f"unknown id(s): {', '.join(unknown)}; use only the ids listed in the question"
            )
    unanswered += [str(key) for key, value in mapping.items() if value is None]
    not_text = [
        str(key) for key, value in mapping.items() if value is not None and type(value) is not str
    ]
    if not_text:
        problems.append(
            f"label(s) of {', '.join(not_text)} are not text; write each as a string such as "
            f"{choices[0]!r}"
        )
    unknown_labels = sorted(
        {
            value
            for value in mapping.values()
            if type(value) is str and fold_spelling(value) not in lookup
        }
    )
    if unknown_labels:
        problems.append(
            f"unknown label(s) {', '.join(map(repr, unknown_labels))}; expected one of: "
            f"{', '.join(choices)} (aliases such as 'PM' work too)"
        )


def _check_raci(
    spec: ItemSpec, answer: dict[Any, Any], problems: list[str], unanswered: list[str]
) -> None:
    """Tasks present and known; each row a dict of known roles to one letter or None."""
    keys = [key for key in answer if type(key) is str]
    if len(keys) != len(answer):
        problems.append("every key must be text (a task id in quotes)")
    missing = [task for task in spec.ids if task not in answer]
    unknown = [key for key in keys if key not in spec.ids]
    if missing:
        problems.append(f"missing task(s): {', '.join(missing)}; keep every task of the question")
    if unknown:
        problems.append(
            f"unknown task(s): {', '.join(unknown)}; use only the tasks listed in the question"
        )
    roles = label_lookup("raci_role")
    allowed = ", ".join(display_label("raci_role", role) for role in spec.columns)
    for task in keys:
        row = answer[task]
        cells = raci_row(row)
        if cells is None:
            problems.append(
                f"the row of {task} is a {type_name(row)}; write it as a dict of role -> letter, "
                '{"PM": "A", "PMM": "R", "marcom": None, "sales": "C"}'
            )
            continue
        names = [name for name in row if type(name) is not str or fold_spelling(name) not in roles]
        if names:
            problems.append(
                f"{task}: unknown role(s) {', '.join(map(repr, names))}; the roles are {allowed} "
                "(aliases such as 'PM' and 'PMM' work)"
            )
        if len(cells) < len([n for n in row if n not in names]):
            problems.append(f"{task}: a role is written twice; give each role one cell")
        bad = [role for role, letter in cells.items() if letter is None]
        if bad:
            problems.append(
                f"{task}: the cell(s) of {', '.join(bad)} hold no single letter; write one of "
                "R, A, C, I, or None where the role is not involved"
            )
        if not any(cells.values()) and not bad:
            unanswered.append(task)


def _format_problems(
    spec: ItemSpec, answer: Any, unanswered: list[str]
) -> tuple[list[str], list[str]]:
    """Return (what was checked, problems) for an answer of ``spec``."""
    name = spec.answer_variable
    checked: list[str] = [f"`{name}` is defined"]
    problems: list[str] = []
    if answer is _MISSING:
        problems.append(f"`{name}` is not defined: run the answer cell above (it must assign it)")
        return checked, problems
    if spec.kind == "sort":
        checked += [
            "it is a plain dict written as a literal {...}",
            "every id of the question is present and no unknown id is",
            f"every label is a known {spec.label_kind} label (aliases accepted)",
        ]
        if type(answer) is not dict:
            problems.append(
                f"`{name}` is a {type_name(answer)}, not a plain dict; write it as a literal "
                '{"id": "label", ...}'
            )
        else:
            _check_labels(spec, answer, problems, unanswered)
    elif spec.kind == "raci":
        checked += [
            "it is a plain dict written as a literal {task: {role: letter}}",
            "every task of the question is present and no unknown task is",
            "each row is a dict of roles to one letter (R, A, C, I) or None",
            "the grader also scores the rules (one A and at least one R per task) and each cell",
        ]
        if type(answer) is not dict:
            problems.append(
                f"`{name}` is a {type_name(answer)}, not a plain dict; write it as a literal "
                '{"task": {"PM": "A", ...}, ...}'
            )
        else:
            _check_raci(spec, answer, problems, unanswered)
    elif spec.kind == "labels":
        checked += [
            "it is a plain dict or a pandas Series (id -> label)",
            f"every label is a known {spec.label_kind} label (aliases accepted)",
        ]
        if spec.ids:
            checked.append("every id of the task set is present and no unknown id is")
        if type(answer) is pd.Series:
            _check_labels(spec, answer.to_dict(), problems, unanswered)
        elif type(answer) is dict:
            _check_labels(spec, answer, problems, unanswered)
        else:
            problems.append(
                f"`{name}` is a {type_name(answer)}; make it a pandas Series indexed by id "
                "(or a plain dict id -> label)"
            )
    elif spec.kind == "table":
        checked += ["it is a pandas DataFrame with numeric values and no missing values"]
        if spec.ids:
            checked.append("its rows are exactly the expected ids")
        if spec.columns:
            checked.append(f"its columns are exactly: {', '.join(spec.columns)}")
        if type(answer) is not pd.DataFrame:
            problems.append(
                f"`{name}` is a {type_name(answer)}, not a pandas DataFrame; build it with "
                "pandas (pivot_table, crosstab, groupby + unstack)"
            )
        else:
            _check_table(spec, answer, problems)
    elif spec.kind == "value":
        checked.append("it is a single number")
        number = plain_number(answer)
        if number is None:
            problems.append(f"`{name}` is a {type_name(answer)}; it must be one number")
        elif math.isnan(number):
            problems.append(f"`{name}` is NaN; check the computation")
    elif spec.kind == "set":
        checked.append("it is a list (or tuple, set, Index, Series) of ids as text")
        values = collection_values(answer)
        if values is None:
            problems.append(f"`{name}` is a {type_name(answer)}; make it a list of ids")
        elif any(type(value) is not str for value in values):
            problems.append(f"every element of `{name}` must be an id as text")
        elif spec.ids and (unknown := sorted(set(values) - set(spec.ids))):
            problems.append(f"unknown id(s): {', '.join(unknown)}")
    return checked, problems


def _check_table(spec: ItemSpec, frame: pd.DataFrame, problems: list[str]) -> None:
    if spec.columns and list(map(str, frame.columns)) != list(spec.columns):
        problems.append(
            f"columns are {', '.join(map(str, frame.columns))}; expected exactly "
            f"{', '.join(spec.columns)} in this order (reindex with fill_value=0)"
        )
    if spec.ids and sorted(map(str, frame.index)) != sorted(spec.ids):
        problems.append(
            f"rows are {', '.join(map(str, frame.index))}; expected one row per id: "
            f"{', '.join(spec.ids)}"
        )
    values = frame.to_numpy(dtype=object).ravel().tolist()
    numbers = [plain_number(value) for value in values]
    if any(number is None for number in numbers):
        problems.append("every value must be a number")
    elif any(math.isnan(number) for number in numbers if number is not None):
        problems.append("the table has missing values (NaN); fill them with 0 (fillna(0))")


def check_answer(assignment: str, item: str, answer: Any = _MISSING) -> FormatReport:
    """Check the *format* of an answer before submitting; say what was checked.

    Without ``answer`` the item's answer variable is read from the running notebook. The
    report never reveals the key and never claims the answer is right: hidden tests score it
    when the notebook is graded. It never raises because of the answer.

    >>> report = check_answer("a2_horizons", "handoff", {"go_to_market_handoff": "H9"})
    >>> report.ok, report.problems[0].startswith("unknown label(s) 'H9'")
    (False, True)
    """
    spec = item_spec(assignment, item)
    if spec.kind == "manual":
        return FormatReport(
            assignment,
            spec.item,
            ("this answer is graded by your instructor",),
            (),
        )
    if answer is _MISSING:
        answer = _namespace_value(spec.answer_variable)
    try:
        unanswered: list[str] = []
        checked, problems = _format_problems(spec, answer, unanswered)
    except Exception as error:  # the check must never fail because of the answer itself
        checked, problems, unanswered = [], [f"the answer could not be checked: {error}"], []
    labelled = [task for task in spec.ids if task not in unanswered]
    blank = spec.kind in ("sort", "raci") and not problems and bool(spec.ids) and not labelled
    return FormatReport(
        assignment, spec.item, tuple(checked), tuple(problems), tuple(unanswered), blank
    )


class AnswerFormatError(Exception):
    """An answer is blank or malformed; the message lists what to fix."""


def validate_answer(assignment: str, item: str) -> FormatReport:
    """The format check of a test cell: show the report, fail on a blank or malformed answer.

    This is what a released test cell runs (and so what nbgrader's Validate button checks):
    it raises :class:`AnswerFormatError` naming what is missing or misspelt, and passes on a
    well-formed answer, right or wrong, without saying which. A partial sort passes, with
    the ids not answered yet listed.
    """
    report = check_answer(assignment, item)
    if report.ok:
        return report
    raise AnswerFormatError(str(report))
