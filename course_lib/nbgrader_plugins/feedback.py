"""Trainee feedback that shows each item's result and message, never a hidden region.

Stock ``nbgrader generate_feedback`` renders the autograded notebook as it ran, hidden tests
included (nbgrader #917, #1363). The course's autograde never puts a key in that notebook
(test cells are replaced by the hand-over before the kernel runs); ``HideHiddenTests`` is the
second lock: it removes any ``BEGIN HIDDEN TESTS`` region left in a source and reduces error
tracebacks in grade cells to their last line, since a traceback quotes the source lines
around the failure. It is listed first in ``GenerateFeedback.preprocessors`` of
``nbgrader_config.py``, so plain ``nbgrader generate_feedback`` and ``pmcourse grade`` give
the same feedback.
"""

from __future__ import annotations

from typing import Any

from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import is_grade

__all__ = ["HIDDEN_NOTE", "HideHiddenTests"]

HIDDEN_NOTE = "# (hidden tests ran here; their code is not part of the feedback)"


class HideHiddenTests(ClearHiddenTests):  # type: ignore[misc]  # nbgrader is untyped
    """Drop hidden test regions and grade-cell tracebacks from a notebook before rendering."""

    def preprocess_cell(self, cell: Any, resources: Any, cell_index: int) -> tuple[Any, Any]:
        """Remove this cell's hidden region; keep only ``ename: evalue`` of its errors."""
        try:
            removed = cell.cell_type == "code" and self._remove_hidden_test_region(cell)
        except RuntimeError:  # an unmatched marker a trainee typed: nothing hidden to remove
            removed = False
        if removed:
            cell.source = (cell.source.rstrip("\n") + "\n" + HIDDEN_NOTE).lstrip("\n")
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    name, value = output.get("ename", "Error"), output.get("evalue", "")
                    output["traceback"] = [f"{name}: {value}"]
        return cell, resources
