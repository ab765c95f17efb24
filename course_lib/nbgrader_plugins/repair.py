"""Undo duplicated, split, retyped and deleted nbgrader cells before nbgrader checks them.

:class:`RepairGradeCells` runs first when autograding: it keeps the first copy of a
duplicated ``grade_id`` (which also rejoins a split test cell, whose source nbgrader then
restores), gives a retyped cell its type back and puts deleted answer, test and locked cells
back from the gradebook, so a trainee who does any of that is graded as if the cells were
intact.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor, OverwriteCells

from course_lib import _notebook as nbmeta

__all__ = ["RepairGradeCells"]


def _source_cell_to_notebook_cell(
    source_cell: Any, points: float | None, is_solution: bool, is_grade: bool
) -> NotebookNode:
    """Rebuild a deleted cell from its gradebook record (its released source and metadata)."""
    if is_grade:
        transformed = OverwriteCells().missing_cell_transform(
            source_cell, points, is_solution=is_solution
        )
        return _with_id(_node(dict(transformed)), source_cell.name)
    metadata: dict[str, Any] = {
        "nbgrader": {
            "grade": False,
            "grade_id": source_cell.name,
            "locked": bool(source_cell.locked),
            "solution": is_solution,
            "schema_version": 3,
            "checksum": source_cell.checksum,
        }
    }
    if source_cell.locked:
        metadata.update({"deletable": False, "editable": False})
    cell = _node(
        {"cell_type": source_cell.cell_type, "metadata": metadata, "source": source_cell.source}
    )
    if source_cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return _with_id(cell, source_cell.name)


def _node(data: dict[str, Any]) -> NotebookNode:
    """Turn plain data into a NotebookNode, nested dicts included."""
    node: NotebookNode = nbformat.from_dict(data)  # type: ignore[no-untyped-call]
    return node


def _with_id(cell: NotebookNode, name: str) -> NotebookNode:
    """Give a restored cell a valid nbformat cell id derived from its grade_id."""
    cell["id"] = ("restored-" + re.sub(r"[^A-Za-z0-9_-]", "-", name))[:64]
    return cell


class RepairGradeCells(NbGraderPreprocessor):  # type: ignore[misc]
    """Undo duplicated, split, retyped and deleted nbgrader cells before nbgrader checks them.

    Runs in ``Autograde.sanitize_preprocessors`` before ``DeduplicateIds`` and
    ``OverwriteCells`` (a duplicated ``grade_id`` otherwise aborts the whole autograde run).
    """

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        """Repair ``nb`` against the gradebook record of its notebook."""
        notebook_id = resources["nbgrader"]["notebook"]
        assignment_id = resources["nbgrader"]["assignment"]
        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            try:
                record = gradebook.find_notebook(notebook_id, assignment_id)
            except MissingEntry:
                return nb, resources
            source_cells = list(record.source_cells)
            grade_points = {cell.name: cell.max_score for cell in record.grade_cells}
            solution_ids = {cell.name for cell in record.solution_cells}
            self._drop_duplicates(nb)
            self._restore_types(nb, {cell.name: cell.cell_type for cell in source_cells})
            self._restore_missing(nb, source_cells, grade_points, solution_ids)
        return nb, resources

    def _drop_duplicates(self, nb: NotebookNode) -> None:
        seen: set[str] = set()
        kept = []
        for cell in nb.cells:
            grade_id = nbmeta.grade_id(cell)
            if grade_id is not None and grade_id in seen:
                self.log.warning("Dropping a later copy of cell %r (duplicated or split)", grade_id)
                continue
            if grade_id is not None:
                seen.add(grade_id)
            kept.append(cell)
        nb.cells = kept

    def _restore_types(self, nb: NotebookNode, types: dict[str, str]) -> None:
        for cell in nb.cells:
            grade_id = nbmeta.grade_id(cell)
            wanted = types.get(grade_id) if grade_id is not None else None
            if wanted is None or cell.cell_type == wanted:
                continue
            self.log.warning(
                "Cell %r was retyped to %s; restoring %s", grade_id, cell.cell_type, wanted
            )
            cell.cell_type = wanted
            if wanted == "code":
                cell.outputs = []
                cell.execution_count = None
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)

    def _restore_missing(
        self,
        nb: NotebookNode,
        source_cells: list[Any],
        grade_points: dict[str, float],
        solution_ids: set[str],
    ) -> None:
        def position(grade_id: str) -> int | None:
            for index, cell in enumerate(nb.cells):
                if nbmeta.grade_id(cell) == grade_id:
                    return index
            return None

        for order, source_cell in enumerate(source_cells):
            if position(source_cell.name) is not None:
                continue
            self.log.warning(
                "Cell %r was deleted; restoring it from the gradebook", source_cell.name
            )
            restored = _source_cell_to_notebook_cell(
                source_cell,
                grade_points.get(source_cell.name),
                is_solution=source_cell.name in solution_ids,
                is_grade=source_cell.name in grade_points,
            )
            previous = [position(cell.name) for cell in source_cells[:order]]
            anchors = [index for index in previous if index is not None]
            nb.cells.insert(anchors[-1] + 1 if anchors else 0, restored)
