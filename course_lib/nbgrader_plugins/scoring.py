"""Autograde, after execution: score each handed-over answer in the grader's process.

:class:`ScoreHandedOverAnswers` runs right after the kernel has executed the notebook. For
each autograded test cell it reads what the kernel handed over (plain JSON data), reads the
item's key from the gradebook (the test cell's hidden region as released; never from the
submitted notebook), judges the answer and writes the cell's outputs itself: one line saying
what was right and the score as the cell's result, which nbgrader's ``SaveAutoGrades`` then
records. Whatever the kernel printed or withheld in that cell is dropped: no hand-over, no
points. The cell's source becomes the visible format check the trainee was given.
"""

from __future__ import annotations

import json
from typing import Any

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import v4 as _nbformat_v4
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from course_lib import _notebook as nbmeta
from course_lib.grading.items import ItemSpec, load_assignment_specs
from course_lib.grading.keys import read_cell_key
from course_lib.grading.received import Received, receive
from course_lib.grading.scoring import judge
from course_lib.nbgrader_plugins.key_blind import is_autograded_test

# nbformat ships no type hints; go through one Any-typed name.
nbv4: Any = _nbformat_v4

__all__ = ["GRADED_NOTE", "METADATA_KEY", "ScoreHandedOverAnswers", "cell_result", "visible_source"]

#: The line that replaces a test cell's hidden region in autograded notebooks and feedback.
GRADED_NOTE = "# (the grader scored the answer handed over here, outside your notebook)"
#: Cell metadata key where the hand-over's outcome is recorded (read by ``pmcourse audit``).
METADATA_KEY = "pmcourse"


def visible_source(source: str) -> str:
    """A test cell's source without its hidden region, with :data:`GRADED_NOTE` after it."""
    visible = source.split(nbmeta.HIDDEN_BEGIN, 1)[0].rstrip("\n")
    return f"{visible}\n{GRADED_NOTE}".lstrip("\n")


def cell_result(
    spec: ItemSpec, received: Received, source: str, max_points: float
) -> tuple[float, str]:
    """(points, one-line message) for the answer ``received`` against the key in ``source``."""
    if received.scorable:
        key = read_cell_key(spec.grade_id, source)
        judgement = judge(spec, received.answer, key.key, key.tolerance)
        fraction, notes = judgement.fraction, "; ".join(judgement.notes)
    else:
        fraction, notes = 0.0, received.note
    points = max_points * min(max(fraction, 0.0), 1.0)
    return points, f"[{spec.item}] {notes}: {points:.4f} of {max_points:g} points"


def _gradebook_tests(resources: ResourcesDict) -> tuple[dict[str, str], dict[str, float]]:
    """(test grade_id -> released source, test grade_id -> points) from the gradebook."""
    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gradebook:
        try:
            record = gradebook.find_notebook(info["notebook"], info["assignment"])
        except MissingEntry:
            return {}, {}
        answers = {cell.name for cell in record.solution_cells}
        sources = {cell.name: str(cell.source) for cell in record.source_cells}
        points = {
            cell.name: float(cell.max_score)
            for cell in record.grade_cells
            if cell.name not in answers and cell.cell_type == "code"
        }
    return sources, points


class ScoreHandedOverAnswers(NbGraderPreprocessor):  # type: ignore[misc]
    """Score each test cell's handed-over answer against the key held by the gradebook."""

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        """Write every autograded test cell's outputs from the grader's own scoring."""
        sources, points = _gradebook_tests(resources)
        spec = load_assignment_specs().get(resources["nbgrader"]["assignment"])
        items = {item.grade_id: item for item in spec.items} if spec is not None else {}
        for cell in nb.cells:
            grade_id = nbmeta.grade_id(cell)
            if not is_autograded_test(cell) or grade_id not in points:
                continue
            item = items.get(str(grade_id))
            if item is None:
                score = 0.0
                message = f"[{grade_id}] this test is not in the course's item registry: scored 0"
                status = "unknown_item"
            else:
                received = self._received(cell, item)
                score, message = cell_result(
                    item, received, sources[str(grade_id)], points[grade_id]
                )
                status = received.status
            self._write(cell, score, message, sources.get(str(grade_id), ""))
            cell.metadata[METADATA_KEY] = {"handover": status, "score": score}
        return nb, resources

    @staticmethod
    def _received(cell: NotebookNode, item: ItemSpec) -> Received:
        stopped = cell.metadata.get(METADATA_KEY, {}).get("not_run")
        if stopped:
            return Received("not_run", note=f"the test cell did not run ({stopped}): scored 0")
        # Plain JSON again (nbformat hands out dict subclasses), so exact-type checks hold.
        outputs: list[dict[str, Any]] = json.loads(json.dumps(cell.get("outputs", [])))
        return receive(item, outputs)

    @staticmethod
    def _write(cell: NotebookNode, score: float, message: str, source: str) -> None:
        count = cell.get("execution_count")
        cell.outputs = [
            nbv4.new_output("stream", name="stdout", text=message + "\n"),
            nbv4.new_output(
                "execute_result", data={"text/plain": repr(float(score))}, execution_count=count
            ),
        ]
        cell.source = visible_source(source) if source else GRADED_NOTE
