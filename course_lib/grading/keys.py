"""The keys of graded items, read from the hidden tests of a solution notebook (nothing runs).

Instructor side: never imported by what trainees run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_lib import _notebook as nbmeta
from course_lib.grading.hidden import EXPLANATION_LITERAL, KEY_LITERAL

__all__ = ["ItemKey", "read_cell_key", "read_keys"]


@dataclass(frozen=True)
class ItemKey:
    """The key of one graded item, read from the hidden region of its test cell.

    ``explanations`` is ``{task: why}`` from the ``_EXPLAIN`` literal of a sorting item (the
    reason for each expected label, for the instructor); empty where the region has none.
    ``extra`` holds the region's other upper-case literals (``_PRAGMATIC``, ``_BLACKBLOT``).
    """

    grade_id: str
    key: Any
    tolerance: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)


def _literals(region: str, grade_id: str) -> dict[str, Any]:
    try:
        body = ast.parse(region).body
    except SyntaxError as error:
        message = f"the hidden region of {grade_id!r} is not valid Python: {error}"
        raise ValueError(message) from error
    literals: dict[str, Any] = {}
    for node in body:
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
    return literals


def read_cell_key(grade_id: str, source: str) -> ItemKey:
    """The key in the hidden region of one test cell's ``source`` (read with ``ast``).

    Raises ``ValueError`` naming the cell when there is no hidden region, no literal
    ``_KEY``, or an ``_EXPLAIN`` that is not ``{task: text}``.
    """
    region = nbmeta.hidden_region(source)
    if region is None:
        raise ValueError(f"test cell {grade_id!r} has no {nbmeta.HIDDEN_BEGIN} region")
    literals = _literals(region, grade_id)
    if KEY_LITERAL not in literals:
        raise ValueError(f"the hidden region of {grade_id!r} lacks a literal {KEY_LITERAL}")
    tolerance = literals.get("_TOLERANCE")
    explanations = literals.get(EXPLANATION_LITERAL, {})
    if not isinstance(explanations, dict) or not all(
        isinstance(task, str) and isinstance(text, str) for task, text in explanations.items()
    ):
        raise ValueError(
            f"the {EXPLANATION_LITERAL} of {grade_id!r} must be a literal dict task -> text; "
            "write it with course_lib.grading.hidden.render_test_cell(explanations=...)"
        )
    return ItemKey(
        grade_id,
        literals[KEY_LITERAL],
        float(tolerance) if tolerance is not None else None,
        {
            name: value
            for name, value in literals.items()
            if name not in (KEY_LITERAL, "_TOLERANCE", EXPLANATION_LITERAL)
        },
        dict(explanations),
    )


def read_keys(solution_notebook_path: str | Path) -> dict[str, ItemKey]:
    """Return ``{test grade_id: ItemKey}`` from the test cells of a solution notebook.

    Every autograded test cell must hold a key (see :func:`read_cell_key`); nothing runs.
    """
    keys: dict[str, ItemKey] = {}
    for cell in nbmeta.read_notebook_json(solution_notebook_path).get("cells", []):
        test_id = nbmeta.grade_id(cell)
        if test_id is None or not nbmeta.is_grade(cell) or nbmeta.is_solution(cell):
            continue
        keys[test_id] = read_cell_key(test_id, nbmeta.cell_source(cell))
    return keys
