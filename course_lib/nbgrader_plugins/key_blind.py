"""Autograde, sanitize step: a test cell hands its answer out and runs nothing else.

:class:`KeyBlindTests` runs last in ``Autograde.sanitize_preprocessors``, after nbgrader's
``OverwriteCells`` has restored every test cell from the gradebook (hidden region and keys
included). It replaces each autograded test cell by the hand-over of its answer, so the
notebook that nbgrader writes before executing it, and everything the trainee's kernel ever
sees, holds no key. The keys stay in the gradebook, where :class:`ScoreHandedOverAnswers`
reads them after the kernel is gone.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from course_lib import _notebook as nbmeta
from course_lib.grading.hidden import handover_source
from course_lib.grading.items import load_assignment_specs

__all__ = ["UNKNOWN_TEST_SOURCE", "KeyBlindTests", "is_autograded_test"]

#: What a test cell the course's item registry does not know runs instead (nothing).
UNKNOWN_TEST_SOURCE = "# This test is not in the course's item registry: nothing runs here."


def is_autograded_test(cell: NotebookNode) -> bool:
    """A code cell nbgrader scores that is not an answer: an autograder test cell."""
    return (
        cell.cell_type == "code"
        and nbmeta.is_grade(cell)
        and not nbmeta.is_solution(cell)
        and nbmeta.grade_id(cell) is not None
    )


class KeyBlindTests(NbGraderPreprocessor):  # type: ignore[misc]  # nbgrader is untyped
    """Replace every autograded test cell by the hand-over of its answer (no key, no test)."""

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        """Rewrite the test cells of ``nb``; nothing else changes."""
        spec = load_assignment_specs().get(resources["nbgrader"]["assignment"])
        items = {item.grade_id: item for item in spec.items} if spec is not None else {}
        for cell in nb.cells:
            if not is_autograded_test(cell):
                continue
            item = items.get(str(nbmeta.grade_id(cell)))
            cell.source = handover_source(item) if item is not None else UNKNOWN_TEST_SOURCE
            cell.outputs = []
            cell.execution_count = None
        return nb, resources
