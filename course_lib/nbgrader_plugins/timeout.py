"""nbgrader's Execute whose timeout error names the cell that ran too long."""

from __future__ import annotations

from typing import Any

from nbgrader.preprocessors import Execute

from course_lib import _notebook as nbmeta

__all__ = ["NamedTimeoutExecute"]


class NamedTimeoutExecute(Execute):  # type: ignore[misc]
    """nbgrader's Execute whose timeout error names the cell that ran too long."""

    def on_cell_executed(self, **kwargs: Any) -> None:
        """Record the error as nbgrader does, then name the cell in a timeout error."""
        super().on_cell_executed(**kwargs)
        cell = kwargs["cell"]
        grade_id = nbmeta.grade_id(cell)
        where = f"cell {grade_id!r}" if grade_id else "this cell"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "CellTimeoutError":
                message = (
                    f"{where} ran longer than {self.timeout} s and was stopped; "
                    "the cells after it still ran"
                )
                output.evalue = message
                output.traceback = [f"CellTimeoutError: {message}"]
