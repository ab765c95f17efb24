"""Answers read from a submitted notebook without running it (sorting answers are literals).

Instructor side, for ``pmcourse report`` and ``pmcourse audit``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_lib import _notebook as nbmeta
from course_lib.grading.items import load_assignment_specs

__all__ = ["CodeAnswer", "LiteralAnswer", "read_literal_answers"]


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
    notebook = nbmeta.read_notebook_json(notebook_path)
    name = Path(notebook_path).stem
    specs = {
        spec.answer_grade_id: spec
        for a in load_assignment_specs().values()
        if a.id == name
        for spec in a.items
    }
    if not specs:
        specs = {
            spec.answer_grade_id: spec for a in load_assignment_specs().values() for spec in a.items
        }
    answers: dict[str, LiteralAnswer | CodeAnswer] = {}
    for cell in notebook.get("cells", []):
        grade_id = nbmeta.grade_id(cell)
        if grade_id is None or grade_id not in specs or grade_id in answers:
            continue
        spec = specs[grade_id]
        source = nbmeta.cell_source(cell)
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
