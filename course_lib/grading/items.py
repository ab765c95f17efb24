"""The graded items of every assignment (``data/assignment_items.csv``), without their keys.

The items file is the one list of assignments and items: their grade ids, points, kind, the
variable that holds the answer, the label kind and the ids to sort. Keys live only in the
solution notebooks' hidden tests (see ``docs/grading.md``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = [
    "ITEM_KINDS",
    "AssignmentSpec",
    "ItemSpec",
    "assignment_ids",
    "item_spec",
    "load_assignment_specs",
]

#: How an item's answer is given and scored (see docs/grading.md).
ITEM_KINDS: tuple[str, ...] = ("sort", "labels", "table", "value", "set", "raci", "manual")

_ITEMS_FILE = "assignment_items.csv"
_COLUMNS = (
    "assignment",
    "item",
    "kind",
    "points",
    "answer_variable",
    "label_kind",
    "ids",
    "columns",
    "tolerance",
    "title",
)


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


def _number(row: dict[str, str], column: str, line: int) -> float:
    text = row[column] or "0"
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"{_ITEMS_FILE} line {line}, column {column!r}: {text!r} is not a number"
        ) from None


@lru_cache(maxsize=1)
def _specs() -> tuple[AssignmentSpec, ...]:
    text = resources.files("course_lib").joinpath("data", _ITEMS_FILE).read_text("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in _COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{_ITEMS_FILE}: the header lacks column(s) {', '.join(missing)}")
    items: dict[str, list[ItemSpec]] = {}
    for line, row in enumerate(reader, start=2):
        if not row["assignment"] or row["kind"] not in ITEM_KINDS:
            raise ValueError(
                f"{_ITEMS_FILE} line {line}: assignment {row['assignment']!r} with kind "
                f"{row['kind']!r}; name the assignment and use a kind among {ITEM_KINDS}"
            )
        items.setdefault(row["assignment"], []).append(
            ItemSpec(
                assignment=row["assignment"],
                item=row["item"],
                kind=row["kind"],
                points=_number(row, "points", line),
                answer_variable=row["answer_variable"],
                label_kind=row["label_kind"],
                ids=_split(row["ids"]),
                columns=_split(row["columns"]),
                tolerance=_number(row, "tolerance", line),
                title=row["title"],
            )
        )
    return tuple(AssignmentSpec(assignment, tuple(specs)) for assignment, specs in items.items())


def assignment_ids() -> tuple[str, ...]:
    """The assignments, in teaching order (the order of the items file)."""
    return tuple(spec.id for spec in _specs())


def load_assignment_specs() -> dict[str, AssignmentSpec]:
    """Return ``{assignment id: AssignmentSpec}`` for every assignment (no keys)."""
    return {spec.id: spec for spec in _specs()}


def item_spec(assignment: str, item: str) -> ItemSpec:
    """Return the spec of ``item`` in ``assignment``; unknown names raise ``ValueError``."""
    specs = load_assignment_specs()
    if assignment not in specs:
        raise ValueError(f"unknown assignment {assignment!r}; expected one of: {', '.join(specs)}")
    return specs[assignment].item(item)
