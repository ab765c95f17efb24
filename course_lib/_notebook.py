"""Reading notebooks and nbgrader's cell metadata: the one place these look-ups are written.

Works on plain JSON dicts and on nbformat's ``NotebookNode`` alike (both are mappings).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "HIDDEN_BEGIN",
    "HIDDEN_END",
    "cell_source",
    "grade_cells",
    "grade_id",
    "hidden_region",
    "is_grade",
    "is_locked",
    "is_protected",
    "is_solution",
    "nbgrader_metadata",
    "read_notebook_json",
]

#: The markers of an nbgrader hidden-test region.
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"


def read_notebook_json(path: str | Path) -> dict[str, Any]:
    """The notebook at ``path`` as plain JSON data (no validation, nothing executed)."""
    with open(path, encoding="utf-8") as handle:
        notebook: dict[str, Any] = json.load(handle)
    return notebook


def nbgrader_metadata(cell: Mapping[str, Any]) -> Mapping[str, Any]:
    """The cell's ``metadata.nbgrader`` mapping (empty when absent or malformed)."""
    metadata = cell.get("metadata", {})
    value = metadata.get("nbgrader", {}) if isinstance(metadata, Mapping) else {}
    return value if isinstance(value, Mapping) else {}


def grade_id(cell: Mapping[str, Any]) -> str | None:
    """The cell's nbgrader ``grade_id``, or None when it has none."""
    value = nbgrader_metadata(cell).get("grade_id")
    return value if isinstance(value, str) and value else None


def is_grade(cell: Mapping[str, Any]) -> bool:
    """Whether nbgrader gives the cell points (a test cell or a manually graded answer)."""
    return bool(nbgrader_metadata(cell).get("grade"))


def is_solution(cell: Mapping[str, Any]) -> bool:
    """Whether the cell holds a trainee's answer."""
    return bool(nbgrader_metadata(cell).get("solution"))


def is_locked(cell: Mapping[str, Any]) -> bool:
    """Whether nbgrader locks the cell (trainees may not edit it)."""
    return bool(nbgrader_metadata(cell).get("locked"))


def is_protected(cell: Mapping[str, Any]) -> bool:
    """Grade and locked cells that are not answers: the ones nbgrader restores from source."""
    return (is_grade(cell) or is_locked(cell)) and not is_solution(cell)


def cell_source(cell: Mapping[str, Any]) -> str:
    """The cell's source as one string (notebook files may store a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def grade_cells(notebook: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The cells of ``notebook`` that carry a ``grade_id``, in order."""
    for cell in notebook.get("cells", []):
        if grade_id(cell) is not None:
            yield cell


def hidden_region(source: str) -> str | None:
    """The text between the hidden-test markers of a cell's source, or None without one."""
    if HIDDEN_BEGIN not in source:
        return None
    after = source.split(HIDDEN_BEGIN, 1)[1]
    return after.split(HIDDEN_END, 1)[0]
