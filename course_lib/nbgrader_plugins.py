"""nbgrader preprocessors of the course, wired in by ``nbgrader_config.py``.

- :class:`SortStubClearSolutions` releases a sorting answer as the same dict with every label
  replaced by ``None`` (valid Python that scores zero) instead of nbgrader's generic stub.
- :class:`RepairGradeCells` runs first when autograding: it keeps the first copy of a
  duplicated ``grade_id`` (which also rejoins a split test cell, whose source nbgrader then
  restores), gives a retyped cell its type back and puts deleted answer, test and locked cells
  back from the gradebook, so a trainee who does any of that is graded as if the cells were
  intact.
- :class:`NamedTimeoutExecute` names the cell (its ``grade_id``) in the error nbgrader records
  when a cell runs past ``Execute.timeout``.

This module imports nbgrader; ``import course_lib`` does not import it.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import ClearSolutions, Execute, NbGraderPreprocessor, OverwriteCells

__all__ = [
    "NamedTimeoutExecute",
    "RepairGradeCells",
    "SortStubClearSolutions",
    "sort_stub",
]

_DICT_OPEN = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Za-z_]\w*)\s*=\s*\{\s*$")
_DICT_ENTRY = re.compile(
    r'^(?P<head>\s*"[^"\\]+"\s*:\s*)(?P<value>"[^"\\]*"|None)(?P<tail>\s*,?\s*(#.*)?)$'
)
_DICT_CLOSE = re.compile(r"^\s*\}\s*$")
_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$")


def sort_stub(lines: list[str]) -> list[str] | None:
    """Return the lines of a sorting dict with every label replaced by ``None``.

    ``lines`` is the inside of a solution region. It qualifies when it is one assignment
    ``name = {`` ... ``}`` with one ``"id": "label",`` entry per line (comments and blank lines
    allowed); otherwise ``None`` is returned and nbgrader's usual stub applies.

    >>> sort_stub(['answer = {', '    "a": "product_management",  # A', '}'])
    ['answer = {', '    "a": None,  # A', '}']
    """
    code = [line for line in lines if not _COMMENT_OR_BLANK.match(line)]
    if len(code) < 2 or not _DICT_OPEN.match(code[0]) or not _DICT_CLOSE.match(code[-1]):
        return None
    stub: list[str] = []
    opened = closed = False
    for line in lines:
        entry = _DICT_ENTRY.match(line)
        if not opened:
            opened = bool(_DICT_OPEN.match(line))
            stub.append(line)
        elif closed or _COMMENT_OR_BLANK.match(line):
            stub.append(line)
        elif _DICT_CLOSE.match(line):
            closed = True
            stub.append(line)
        elif entry:
            stub.append(f"{entry['head']}None{entry['tail']}")
        else:
            return None
    return stub


class SortStubClearSolutions(ClearSolutions):  # type: ignore[misc]
    """ClearSolutions that releases sorting dicts with ``None`` labels (see :func:`sort_stub`)."""

    def _replace_solution_region(self, cell: NotebookNode, language: str) -> bool:
        lines = cell.source.split("\n")
        begin = [i for i, line in enumerate(lines) if self.begin_solution_delimeter in line]
        end = [i for i, line in enumerate(lines) if self.end_solution_delimeter in line]
        if cell.cell_type == "code" and len(begin) == 1 and len(end) == 1 and begin[0] < end[0]:
            stub = sort_stub(lines[begin[0] + 1 : end[0]])
            if stub is not None:
                cell.source = "\n".join(lines[: begin[0]] + stub + lines[end[0] + 1 :])
                return True
        replaced: bool = super()._replace_solution_region(cell, language)
        return replaced


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
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id is not None and grade_id in seen:
                self.log.warning("Dropping a later copy of cell %r (duplicated or split)", grade_id)
                continue
            if grade_id is not None:
                seen.add(grade_id)
            kept.append(cell)
        nb.cells = kept

    def _restore_types(self, nb: NotebookNode, types: dict[str, str]) -> None:
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
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
                if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
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


class NamedTimeoutExecute(Execute):  # type: ignore[misc]
    """nbgrader's Execute whose timeout error names the cell that ran too long."""

    def on_cell_executed(self, **kwargs: Any) -> None:
        """Record the error as nbgrader does, then name the cell in a timeout error."""
        super().on_cell_executed(**kwargs)
        cell = kwargs["cell"]
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        where = f"cell {grade_id!r}" if grade_id else "this cell"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "CellTimeoutError":
                message = (
                    f"{where} ran longer than {self.timeout} s and was stopped; "
                    "the cells after it still ran"
                )
                output.evalue = message
                output.traceback = [f"CellTimeoutError: {message}"]
