"""The keys of graded items, read from the hidden tests of a solution notebook (nothing runs).

Instructor side: never imported by what trainees run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_lib import _notebook as nbmeta
from course_lib.grading.hidden import EXPLANATION_LITERAL

__all__ = ["ItemKey", "read_keys"]


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


def read_keys(solution_notebook_path: str | Path) -> dict[str, ItemKey]:
    """Return ``{test grade_id: ItemKey}`` from the hidden tests of a solution notebook.

    ``_KEY``, ``_SECRET``, ``_TOLERANCE`` and ``_EXPLAIN`` are read with ``ast`` (nothing
    runs); other upper-case literals land in ``ItemKey.extra``. A test cell without a hidden
    region, without ``_KEY``/``_SECRET``, or whose ``_EXPLAIN`` is not ``{task: text}``
    raises ``ValueError``.
    """
    keys: dict[str, ItemKey] = {}
    for cell in nbmeta.read_notebook_json(solution_notebook_path).get("cells", []):
        test_id = nbmeta.grade_id(cell)
        if test_id is None or not nbmeta.is_grade(cell) or nbmeta.is_solution(cell):
            continue
        region = nbmeta.hidden_region(nbmeta.cell_source(cell))
        if region is None:
            raise ValueError(f"test cell {test_id!r} has no {nbmeta.HIDDEN_BEGIN} region")
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
            raise ValueError(f"the hidden region of {test_id!r} lacks a literal _KEY or _SECRET")
        tolerance = literals.get("_TOLERANCE")
        explanations = literals.get(EXPLANATION_LITERAL, {})
        if not isinstance(explanations, dict) or not all(
            isinstance(task, str) and isinstance(text, str) for task, text in explanations.items()
        ):
            raise ValueError(
                f"the {EXPLANATION_LITERAL} of {test_id!r} must be a literal dict task -> text; "
                "write it with course_lib.grading.hidden.render_hidden_test(explanations=...)"
            )
        keys[test_id] = ItemKey(
            test_id,
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
