"""``pmcourse export``: the gradebook through the course's nbgrader export plugins.

The plugins (:mod:`course_lib.nbgrader_plugins.exports`) are the ones ``nbgrader export
--exporter=...`` runs, configured by the course's ``nbgrader_config.py``; this module only
picks one by name, points it at ``reports/`` and hands it the gradebook. Nothing is regraded:
manual grades given in Formgrader since the last ``grade`` are in the next export.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook

from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.settings import CourseSettings
from course_lib.nbgrader_plugins.exports import EXPORTERS
from course_lib.nbgrader_plugins.grade_rows import ITEM_COLUMNS, item_table

__all__ = ["EXPORT_FILES", "GRADES_CSV", "export_grades", "item_scores"]

GRADES_CSV = "grades.csv"
#: File written in ``reports/`` per export format.
EXPORT_FILES = {
    "items": GRADES_CSV,
    "canvas": "canvas_grades.csv",
    "moodle": "moodle_grades.csv",
    "nbgrader": "nbgrader_grades.csv",
}


def item_scores(settings: CourseSettings, assignments: Sequence[str]) -> pd.DataFrame:
    """Every graded item of every submission of ``assignments`` in the gradebook.

    Columns as :data:`~course_lib.nbgrader_plugins.grade_rows.ITEM_COLUMNS`; students who did
    not submit and late-penalty rows are left out (this is what nbgrader graded).
    """
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        known = {str(assignment.name) for assignment in gradebook.assignments}
        chosen = [name for name in assignments if name in known]
        table = item_table(gradebook, chosen) if chosen else pd.DataFrame(columns=ITEM_COLUMNS)
    graded = table[table["submitted"] & (table["graded_by"] != "penalty")]
    return graded.reset_index(drop=True)


def export_grades(
    settings: CourseSettings,
    assignments: Sequence[str] = (),
    *,
    exporter: str = "items",
    to: Path | None = None,
) -> Path:
    """Run the export plugin ``exporter`` (a key of ``EXPORTERS``) on the gradebook for
    ``assignments`` (default: all); writes ``to`` or ``reports/<its file>``; returns the path."""
    if exporter not in EXPORTERS:
        raise PipelineError(
            f"unknown export format {exporter!r}; expected one of: {', '.join(EXPORTERS)}."
        )
    path = (to or settings.reports_dir / EXPORT_FILES[exporter]).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    plugin = EXPORTERS[exporter](config=settings.config)
    plugin.to = str(path)
    plugin.assignment = list(assignments)
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        try:
            plugin.export(gradebook)
        except ValueError as error:
            raise PipelineError(f"cannot export {exporter} grades: {error}") from error
    return path
