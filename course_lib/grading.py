"""Graded assignments: the item registry, the trainee's format check, scoring and evidence.

The keys of graded items live only in the hidden tests of ``solutions/`` (see
``docs/grading.md``). This module knows the items (``assignment_items.csv``, without keys),
checks the *format* of an answer for the trainee, scores answers against a key read from a
solution notebook, and reads answers, keys and evidence lines from notebooks without executing
them. It never imports nbgrader at import time.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import hmac
import html
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from course_lib._grading_hidden import EXPLANATION_LITERAL
from course_lib._labels import _fold, _lookup, label_choices

__all__ = [
    "ASSIGNMENT_IDS",
    "EVIDENCE_PREFIX",
    "ITEM_KINDS",
    "AssignmentSpec",
    "CodeAnswer",
    "Evidence",
    "FormatReport",
    "ItemKey",
    "ItemSpec",
    "LiteralAnswer",
    "SortScore",
    "canonical_answer",
    "canonical_json",
    "check_answer",
    "evidence_digest",
    "evidence_line",
    "item_spec",
    "load_assignment_specs",
    "load_course_config",
    "read_evidence",
    "read_keys",
    "read_literal_answers",
    "score_item",
    "score_sort",
]

#: The assignments, in teaching order.
ASSIGNMENT_IDS: tuple[str, ...] = ("a1_roles", "a2_horizons", "a3_frameworks", "a4_team_audit")
#: How an item's answer is given and scored (see docs/grading.md).
ITEM_KINDS: tuple[str, ...] = ("sort", "labels", "table", "value", "set", "manual")
#: First word of the line every hidden test writes after scoring.
EVIDENCE_PREFIX = "PMCOURSE-EVIDENCE"

_ITEMS_FILE = "assignment_items.csv"
_HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
_HIDDEN_END = "### END HIDDEN TESTS"
_EVIDENCE_PATTERN = re.compile(
    rf"^{EVIDENCE_PREFIX} (?P<grade_id>\S+) (?P<score>-?\d+\.\d{{4}}) (?P<digest>[0-9a-f]{{64}})$"
)


class _Missing:
    """Marks an answer argument that was not given."""

    def __repr__(self) -> str:
        return "<not given>"


_MISSING: Any = _Missing()


@dataclass(frozen=True)
class ItemSpec:
    """One graded item: its grade ids, points, kind and what a well-formed answer looks like."""

    assignment: str
    item: str
    kind: str
    points: float
    answer_variable: str
    label_kind: str
    ids: tuple[str, ...]
    columns: tuple[str, ...]
    tolerance: float
    title: str

    @property
    def grade_id(self) -> str:
        """The ``grade_id`` of the test cell (``test_<item>``) or manual answer cell."""
        return f"answer_{self.item}" if self.kind == "manual" else f"test_{self.item}"

    @property
    def answer_grade_id(self) -> str:
        """The ``grade_id`` of the solution cell that holds the answer."""
        return f"answer_{self.item}"

    @property
    def autograded(self) -> bool:
        """Whether nbgrader scores the item (every kind but ``manual``)."""
        return self.kind != "manual"


@dataclass(frozen=True)
class AssignmentSpec:
    """An assignment: its id and its items in notebook order."""

    id: str
    items: tuple[ItemSpec, ...]

    def item(self, name: str) -> ItemSpec:
        """Return the item called ``name`` (``roles``, ``test_roles`` and ``answer_roles`` work)."""
        for spec in self.items:
            if name in (spec.item, spec.grade_id, spec.answer_grade_id, f"test_{spec.item}"):
                return spec
        names = ", ".join(spec.item for spec in self.items)
        raise ValueError(f"assignment {self.id!r} has no item {name!r}; its items are: {names}")

    @property
    def autograded_points(self) -> float:
        """Total points of the items nbgrader scores automatically."""
        return sum(spec.points for spec in self.items if spec.autograded)

    @property
    def notebook(self) -> str:
        """The notebook path inside the assignment folder."""
        return f"{self.id}.ipynb"


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split("|") if part)


@lru_cache(maxsize=1)
def _specs() -> tuple[AssignmentSpec, ...]:
    text = resources.files("course_lib").joinpath("data", _ITEMS_FILE).read_text("utf-8")
    items: dict[str, list[ItemSpec]] = {assignment: [] for assignment in ASSIGNMENT_IDS}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if row["assignment"] not in items or row["kind"] not in ITEM_KINDS:
            raise ValueError(
                f"{_ITEMS_FILE} line {line}: unknown assignment {row['assignment']!r} or kind "
                f"{row['kind']!r}; expected one of {ASSIGNMENT_IDS} and {ITEM_KINDS}"
            )
        items[row["assignment"]].append(
            ItemSpec(
                assignment=row["assignment"],
                item=row["item"],
                kind=row["kind"],
                points=float(row["points"]),
                answer_variable=row["answer_variable"],
                label_kind=row["label_kind"],
                ids=_split(row["ids"]),
                columns=_split(row["columns"]),
                tolerance=float(row["tolerance"] or 0.0),
                title=row["title"],
            )
        )
    return tuple(AssignmentSpec(assignment, tuple(specs)) for assignment, specs in items.items())


def load_assignment_specs() -> dict[str, AssignmentSpec]:
    """Return ``{assignment id: AssignmentSpec}`` for the four assignments (no keys)."""
    return {spec.id: spec for spec in _specs()}


def item_spec(assignment: str, item: str) -> ItemSpec:
    """Return the spec of ``item`` in ``assignment``; unknown names raise ``ValueError``."""
    specs = load_assignment_specs()
    if assignment not in specs:
        raise ValueError(
            f"unknown assignment {assignment!r}; expected one of: {', '.join(ASSIGNMENT_IDS)}"
        )
    return specs[assignment].item(item)


# --------------------------------------------------------------------------- format check


@dataclass(frozen=True)
class FormatReport:
    """What :func:`check_answer` checked, and the problems it found, for one item."""

    assignment: str
    item: str
    checked: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the format is right (correctness is only known after grading)."""
        return not self.problems

    @property
    def summary(self) -> str:
        """One line that says whether the format is right and what remains."""
        if self.ok:
            return (
                f"[{self.item}] format OK. Hidden tests score this answer when your notebook "
                "is graded; this check does not say whether it is correct."
            )
        return (
            f"[{self.item}] {len(self.problems)} format problem(s) to fix before you submit "
            "(hidden tests score the answer when your notebook is graded)."
        )

    def __str__(self) -> str:
        lines = [self.summary, "Checked:"]
        lines += [f"  - {text}" for text in self.checked]
        if self.problems:
            lines.append("Fix:")
            lines += [f"  - {text}" for text in self.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = "#1b7837" if self.ok else "#b2182b"
        checked = "".join(f"<li>{html.escape(text)}</li>" for text in self.checked)
        problems = "".join(f"<li>{html.escape(text)}</li>" for text in self.problems)
        body = f"<p style='color:{colour}'>{html.escape(self.summary)}</p>"
        body += f"<details><summary>Checked</summary><ul>{checked}</ul></details>"
        if problems:
            body += f"<p>Fix:</p><ul>{problems}</ul>"
        return body


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


def _type_name(value: object) -> str:
    return type(value).__name__


def _check_labels(spec: ItemSpec, mapping: Mapping[Any, Any], problems: list[str]) -> None:
    choices = label_choices(spec.label_kind)
    lookup = _lookup(_label_kind(spec.label_kind))
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
    not_text = [str(key) for key, value in mapping.items() if type(value) is not str]
    if not_text:
        problems.append(
            f"label(s) of {', '.join(not_text)} are not text; write each as a string such as "
            f"{choices[0]!r}"
        )
    unknown_labels = sorted(
        {value for value in mapping.values() if type(value) is str and _fold(value) not in lookup}
    )
    if unknown_labels:
        problems.append(
            f"unknown label(s) {', '.join(map(repr, unknown_labels))}; expected one of: "
            f"{', '.join(choices)} (aliases such as 'PM' work too)"
        )


def _label_kind(kind: str) -> str:
    return {"roles": "role", "horizons": "horizon", "corners": "corner"}.get(kind, kind)


def _format_problems(spec: ItemSpec, answer: Any) -> tuple[list[str], list[str]]:
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
                f"`{name}` is a {_type_name(answer)}, not a plain dict; write it as a literal "
                '{"id": "label", ...}'
            )
        else:
            _check_labels(spec, answer, problems)
    elif spec.kind == "labels":
        checked += [
            "it is a plain dict or a pandas Series (id -> label)",
            f"every label is a known {spec.label_kind} label (aliases accepted)",
        ]
        if spec.ids:
            checked.append("every id of the task set is present and no unknown id is")
        if type(answer) is pd.Series:
            _check_labels(spec, answer.to_dict(), problems)
        elif type(answer) is dict:
            _check_labels(spec, answer, problems)
        else:
            problems.append(
                f"`{name}` is a {_type_name(answer)}; make it a pandas Series indexed by id "
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
                f"`{name}` is a {_type_name(answer)}, not a pandas DataFrame; build it with "
                "pandas (pivot_table, crosstab, groupby + unstack)"
            )
        else:
            _check_table(spec, answer, problems)
    elif spec.kind == "value":
        checked.append("it is a single number")
        number = _plain_number(answer)
        if number is None:
            problems.append(f"`{name}` is a {_type_name(answer)}; it must be one number")
        elif math.isnan(number):
            problems.append(f"`{name}` is NaN; check the computation")
    elif spec.kind == "set":
        checked.append("it is a list (or tuple, set, Index, Series) of ids as text")
        values = _collection(answer)
        if values is None:
            problems.append(f"`{name}` is a {_type_name(answer)}; make it a list of ids")
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
    numbers = [_plain_number(value) for value in values]
    if any(number is None for number in numbers):
        problems.append("every value must be a number")
    elif any(math.isnan(number) for number in numbers if number is not None):
        problems.append("the table has missing values (NaN); fill them with 0 (fillna(0))")


def _collection(answer: Any) -> list[Any] | None:
    if type(answer) in (list, tuple, set):
        return list(answer)
    if type(answer) in (pd.Index, pd.Series):
        return list(answer.tolist())
    return None


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
        checked, problems = _format_problems(spec, answer)
    except Exception as error:  # the check must never fail because of the answer itself
        checked, problems = [], [f"the answer could not be checked: {error}"]
    return FormatReport(assignment, spec.item, tuple(checked), tuple(problems))


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class SortScore:
    """A sort answer scored against a key: per-id correctness and the fraction right."""

    correct: dict[str, bool]
    n_correct: int
    n_total: int

    @property
    def fraction(self) -> float:
        """Share of the key's ids labelled right (0.0 for an empty key)."""
        return self.n_correct / self.n_total if self.n_total else 0.0


def canonical_answer(answer: object) -> dict[str, str | None] | None:
    """Return a sort answer as the plain data the evidence digest is computed on.

    ``None`` unless ``answer`` is exactly a ``dict``; otherwise its exact-``str`` keys, each
    mapped to its value when that is exactly a ``str`` and to ``None`` otherwise.
    """
    if type(answer) is not dict:
        return None
    return {
        key: value if type(value) is str else None
        for key, value in answer.items()
        if type(key) is str
    }


def canonical_json(answer: object) -> str:
    """Return ``json.dumps`` of :func:`canonical_answer`, sorted keys, compact separators."""
    return json.dumps(canonical_answer(answer), sort_keys=True, separators=(",", ":"))


def score_sort(answer: object, key: Mapping[str, str], kind: str) -> SortScore:
    """Score a sort answer as the hidden tests do: aliases accepted, plain data only.

    Every id of ``key`` counts once; an id is right when the answer's label for it is text
    that normalises (course aliases) to the key's label. Anything that is not exactly a dict
    (and, for computed ``labels`` items, a pandas Series) scores zero.
    """
    plain = canonical_answer(answer.to_dict() if type(answer) is pd.Series else answer)
    lookup = _lookup(_label_kind(kind))
    correct: dict[str, bool] = {}
    for task, expected in key.items():
        label = plain.get(task) if plain is not None else None
        correct[task] = label is not None and lookup.get(_fold(label)) == expected
    return SortScore(correct, sum(correct.values()), len(correct))


def _plain_number(value: object) -> float | None:
    """The number the hidden tests accept: exactly int, float, numpy float64 or int64."""
    if type(value) in (int, float, np.float64, np.int64):
        return float(value)  # type: ignore[arg-type]
    return None


def _score_table(answer: object, key: Mapping[str, Mapping[str, float]], tol: float) -> float:
    if type(answer) is pd.DataFrame:
        rows: Mapping[Any, Any] = answer.to_dict("index")
    elif type(answer) is dict:
        rows = answer
    else:
        return 0.0
    total = right = 0
    for row, cells in key.items():
        got = rows.get(row) if row in rows else None
        for column, expected in cells.items():
            total += 1
            if type(got) is not dict:
                value: float | None = 0.0 if got is None else None
            else:
                value = _plain_number(got[column]) if column in got else 0.0
            if value is not None and abs(value - expected) <= tol:
                right += 1
    return right / total if total else 0.0


def _score_set(answer: object, key: list[str]) -> float:
    values = _collection(answer)
    if values is None:
        return 0.0
    got = {value for value in values if type(value) is str}
    expected = set(key)
    union = got | expected
    return len(got & expected) / len(union) if union else 0.0


def score_item(spec: ItemSpec, answer: object, key: Any, tolerance: float | None = None) -> float:
    """Return the points the hidden test of ``spec`` gives ``answer`` for ``key``."""
    tol = spec.tolerance if tolerance is None else tolerance
    if spec.kind in ("sort", "labels"):
        if spec.kind == "sort" and type(answer) is not dict:
            return 0.0
        fraction = score_sort(answer, key, spec.label_kind).fraction
    elif spec.kind == "table":
        fraction = _score_table(answer, key, tol)
    elif spec.kind == "value":
        number = _plain_number(answer)
        fraction = float(number is not None and abs(number - float(key)) <= tol)
    elif spec.kind == "set":
        fraction = _score_set(answer, list(key))
    else:
        raise ValueError(f"item {spec.item!r} is graded by hand; it has no automatic score")
    return spec.points * fraction


# --------------------------------------------------------------------------- evidence


def evidence_digest(secret: str, grade_id: str, score: float, answer: object) -> str:
    """Return the HMAC-SHA256 hex digest a hidden test prints for ``score`` and ``answer``.

    ``answer`` is the literal sort answer (``None`` for computed answers, whose canonical
    form is ``null``); the message is ``f"{grade_id}|{score:.4f}|{canonical_json(answer)}"``.
    """
    message = f"{grade_id}|{score:.4f}|{canonical_json(answer)}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def evidence_line(secret: str, grade_id: str, score: float, answer: object) -> str:
    """Return the whole evidence line for ``score`` and ``answer`` (without newline)."""
    digest = evidence_digest(secret, grade_id, score, answer)
    return f"{EVIDENCE_PREFIX} {grade_id} {score:.4f} {digest}"


@dataclass(frozen=True)
class Evidence:
    """One evidence line found in the outputs of a grade cell."""

    cell_grade_id: str
    grade_id: str
    score: float
    digest: str


def _load_notebook(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        notebook: dict[str, Any] = json.load(handle)
    return notebook


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _grade_id(cell: Mapping[str, Any]) -> str | None:
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def read_evidence(notebook_path: str | Path) -> list[Evidence]:
    """Return the evidence lines in the stdout of the grade cells of an autograded notebook."""
    found: list[Evidence] = []
    for cell in _load_notebook(notebook_path).get("cells", []):
        cell_grade_id = _grade_id(cell)
        if cell.get("cell_type") != "code" or cell_grade_id is None:
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream" or output.get("name") != "stdout":
                continue
            for line in _source({"source": output.get("text", "")}).splitlines():
                match = _EVIDENCE_PATTERN.match(line.strip())
                if match:
                    found.append(
                        Evidence(
                            cell_grade_id,
                            match["grade_id"],
                            float(match["score"]),
                            match["digest"],
                        )
                    )
    return found


# --------------------------------------------------------------------------- literal reading


@dataclass(frozen=True)
class LiteralAnswer:
    """A sort answer read from its answer cell without running it.

    ``value`` is the literal (``None`` when it could not be read); ``problem`` says why not.
    """

    grade_id: str
    variable: str
    value: Any
    problem: str | None = None

    @property
    def readable(self) -> bool:
        """True when the cell held exactly one top-level assignment of a literal."""
        return self.problem is None


@dataclass(frozen=True)
class CodeAnswer:
    """A computed answer: only its source is known without running it."""

    grade_id: str
    source: str


def _literal_assignment(source: str, variable: str) -> tuple[Any, str | None]:
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return None, f"the cell is not valid Python ({error.msg}, line {error.lineno})"
    assignments = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ]
    if len(assignments) != 1 or len(tree.body) != 1:
        return None, (
            f"the cell must hold exactly one top-level assignment `{variable} = {{...}}`; "
            f"it has {len(tree.body)} statement(s)"
        )
    target = assignments[0].targets[0]
    assert isinstance(target, ast.Name)  # narrowed by the filter above
    if target.id != variable:
        return None, f"the cell assigns `{target.id}`, not `{variable}`"
    try:
        return ast.literal_eval(assignments[0].value), None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as error:
        return None, f"the value is not a literal ({error})"


def read_literal_answers(notebook_path: str | Path) -> dict[str, LiteralAnswer | CodeAnswer]:
    """Return ``{answer grade_id: answer}`` for the answer cells of a (submitted) notebook.

    Sort answers are read with ``ast.literal_eval`` (nothing runs); other answers come back as
    :class:`CodeAnswer` with their source. A notebook whose first answer cell of a grade id
    repeats keeps the first, as the autograde repair does.
    """
    notebook = _load_notebook(notebook_path)
    name = Path(notebook_path).stem
    specs = {spec.answer_grade_id: spec for a in _specs() if a.id == name for spec in a.items}
    if not specs:
        specs = {spec.answer_grade_id: spec for a in _specs() for spec in a.items}
    answers: dict[str, LiteralAnswer | CodeAnswer] = {}
    for cell in notebook.get("cells", []):
        grade_id = _grade_id(cell)
        if grade_id is None or grade_id not in specs or grade_id in answers:
            continue
        spec = specs[grade_id]
        source = _source(cell)
        if spec.kind == "sort":
            if cell.get("cell_type") != "code":
                answers[grade_id] = LiteralAnswer(
                    grade_id, spec.answer_variable, None, "the answer cell is not a code cell"
                )
                continue
            value, problem = _literal_assignment(source, spec.answer_variable)
            answers[grade_id] = LiteralAnswer(grade_id, spec.answer_variable, value, problem)
        else:
            answers[grade_id] = CodeAnswer(grade_id, source)
    return answers


@dataclass(frozen=True)
class ItemKey:
    """The key of one graded item, read from the hidden region of its test cell.

    ``explanations`` is ``{task: why}`` from the ``_EXPLAIN`` literal of a sorting item (the
    reason for each expected label, for the instructor); empty where the region has none.
    """

    grade_id: str
    key: Any
    secret: str
    tolerance: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)


def _hidden_region(source: str) -> str | None:
    if _HIDDEN_BEGIN not in source:
        return None
    after = source.split(_HIDDEN_BEGIN, 1)[1]
    return after.split(_HIDDEN_END, 1)[0]


def read_keys(solution_notebook_path: str | Path) -> dict[str, ItemKey]:
    """Return ``{test grade_id: ItemKey}`` from the hidden tests of a solution notebook.

    ``_KEY``, ``_SECRET``, ``_TOLERANCE`` and ``_EXPLAIN`` are read with ``ast`` (nothing
    runs); other upper-case literals land in ``ItemKey.extra``. A test cell without a hidden
    region, without ``_KEY``/``_SECRET``, or whose ``_EXPLAIN`` is not ``{task: text}``
    raises ``ValueError``.
    """
    keys: dict[str, ItemKey] = {}
    for cell in _load_notebook(solution_notebook_path).get("cells", []):
        grade_id = _grade_id(cell)
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if grade_id is None or not nbgrader.get("grade") or nbgrader.get("solution"):
            continue
        region = _hidden_region(_source(cell))
        if region is None:
            raise ValueError(f"test cell {grade_id!r} has no {_HIDDEN_BEGIN} region")
        literals: dict[str, Any] = {}
        for node in ast.parse(region).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper()
            ):
                try:
                    literals[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
        if "_KEY" not in literals or "_SECRET" not in literals:
            raise ValueError(f"the hidden region of {grade_id!r} lacks a literal _KEY or _SECRET")
        tolerance = literals.get("_TOLERANCE")
        explanations = literals.get(EXPLANATION_LITERAL, {})
        if not isinstance(explanations, dict) or not all(
            isinstance(task, str) and isinstance(text, str) for task, text in explanations.items()
        ):
            raise ValueError(
                f"the {EXPLANATION_LITERAL} of {grade_id!r} must be a literal dict task -> text; "
                "write it with course_lib._grading_hidden.render_hidden_test(explanations=...)"
            )
        keys[grade_id] = ItemKey(
            grade_id,
            literals["_KEY"],
            str(literals["_SECRET"]),
            float(tolerance) if tolerance is not None else None,
            {
                name: value
                for name, value in literals.items()
                if name not in ("_KEY", "_SECRET", EXPLANATION_LITERAL)
            },
            dict(explanations),
        )
    return keys


# --------------------------------------------------------------------------- nbgrader config


def load_course_config(root: str | Path) -> Any:
    """Load ``<root>/nbgrader_config.py`` into a traitlets ``Config`` for ``NbGraderAPI``.

    ``NbGraderAPI()`` does not read the file by itself; pass the result as ``config=``.
    The course root is set to ``root`` so the config works from any working directory.
    """
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise FileNotFoundError(f"no nbgrader_config.py in {root}; pass the course root folder")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return config
