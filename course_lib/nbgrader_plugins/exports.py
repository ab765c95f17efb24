"""nbgrader export plugins: the course's grade files, one class per format.

Run them with plain nbgrader or with ``pmcourse export --format NAME`` (same classes, same
files)::

    nbgrader export --exporter=course_lib.nbgrader_plugins.exports.CanvasExporter --to canvas.csv

- :class:`ItemsExporter` (``items``): one row per student, assignment and graded item.
- :class:`CanvasExporter` (``canvas``): a Canvas gradebook import file.
- :class:`MoodleExporter` (``moodle``): a Moodle grade import file.

Every student on the gradebook's roster is in every file, submitted or not, and nbgrader's
late penalties are applied. ``--assignment`` and ``--student`` narrow the export as for
nbgrader's own CSV exporter. Scores are read from the gradebook as they stand, manual grades
from Formgrader included: exporting again after manual grading needs no regrading.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook
from nbgrader.plugins import CsvExportPlugin, ExportPlugin
from traitlets import Dict, Unicode

from course_lib.nbgrader_plugins.grade_rows import assignment_table, item_table, roster_table

__all__ = [
    "CANVAS_FIXED_COLUMNS",
    "EXPORTERS",
    "MOODLE_FIXED_COLUMNS",
    "POINTS_POSSIBLE",
    "CanvasExporter",
    "ItemsExporter",
    "MoodleExporter",
]

#: The identity columns of a Canvas gradebook file, before one column per assignment.
CANVAS_FIXED_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
#: The first cell of the Canvas file's second row, which holds each assignment's points.
POINTS_POSSIBLE = "Points Possible"
#: The identity columns of the Moodle grade import file.
MOODLE_FIXED_COLUMNS = ["First name", "Last name", "Username", "ID number", "Email address"]


class _CourseExporter(ExportPlugin):  # type: ignore[misc]  # nbgrader ships no type hints
    """What the course's exporters share: where the file goes and which rows it holds."""

    default_file = "grades.csv"

    def destination(self) -> Path:
        """``--to`` when given, else the format's default file name in the current folder."""
        return Path(self.to or self.default_file)

    def filters(self) -> tuple[list[str], list[str]]:
        """The assignments and students asked for (empty: all of them)."""
        return [str(a) for a in self.assignment], [str(s) for s in self.student]

    def write(self, frame: pd.DataFrame) -> Path:
        """Write ``frame`` as CSV (UTF-8, no index) to :meth:`destination`; returns the path."""
        path = self.destination()
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, encoding="utf-8")
        self.log.info("Exported %d rows to %s", len(frame), path)
        return path


class ItemsExporter(_CourseExporter):
    """One row per roster student, assignment and graded item: score, points, who grades it
    (``auto``, ``manual``; ``penalty`` for nbgrader's late penalty, a negative score), whether
    it still needs a manual grade and whether the student submitted. Summing ``score`` per
    student and assignment gives the penalised total."""

    default_file = "grades.csv"

    def export(self, gradebook: Gradebook) -> None:
        """Write the tidy per-item CSV."""
        assignments, students = self.filters()
        self.write(item_table(gradebook, assignments, students).round(6))


class _LmsExporter(_CourseExporter):
    """One row per student, one column per assignment: the score after the late penalty."""

    column_names = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        default_value={},
        help=(
            "Assignment id -> column header in the LMS file, to update an existing LMS "
            'assignment instead of creating one, e.g. {"a1_roles": "Roles (12345)"} for Canvas.'
        ),
    ).tag(config=True)

    def scores(self, gradebook: Gradebook) -> tuple[pd.DataFrame, pd.Series]:
        """(one row per roster student, with names, e-mail, ``lms_user_id`` and one column per
        assignment that has graded items; the points of each of those assignments)."""
        assignments, students = self.filters()
        table = assignment_table(gradebook, assignments, students)
        table["column"] = [self.column_names.get(a, a) for a in table["assignment"]]
        columns = list(dict.fromkeys(table["column"]))
        wide = table.pivot(index="student", columns="column", values="score")
        wide = wide.reindex(columns=columns).round(4)
        people = roster_table(gradebook, students).set_index("student")
        points = table.groupby("column", sort=False)["max_score"].max().reindex(columns)
        return people.join(wide), points


class CanvasExporter(_LmsExporter):
    """A Canvas gradebook import CSV: ``Student, ID, SIS User ID, SIS Login ID, Section`` and
    one column per assignment, with the points possible in the second row.

    ``ID`` is nbgrader's ``lms_user_id`` (set with ``nbgrader db student add --lms-user-id`` or
    a roster import) and stays empty without it; ``SIS Login ID`` is the nbgrader student id
    (the JupyterHub login), which Canvas matches when ``ID`` is empty.
    """

    default_file = "canvas_grades.csv"

    section = Unicode("", help="Section written for every student (Canvas ignores it).").tag(
        config=True
    )

    def export(self, gradebook: Gradebook) -> None:
        """Write the Canvas gradebook CSV."""
        people, points = self.scores(gradebook)
        names = [
            f"{last}, {first}" if last and first else (last or first or student)
            for student, first, last in zip(
                people.index, people["first_name"], people["last_name"], strict=True
            )
        ]
        frame = pd.DataFrame(
            {
                "Student": names,
                "ID": list(people["lms_user_id"]),
                "SIS User ID": "",
                "SIS Login ID": list(people.index),
                "Section": self.section,
            }
        )
        for column in points.index:
            frame[column] = list(people[column])
        frame = frame.sort_values(["Student", "SIS Login ID"], ignore_index=True)
        header = pd.DataFrame([{"Student": POINTS_POSSIBLE, **points.round(4).to_dict()}])
        self.write(pd.concat([header, frame], ignore_index=True).reindex(columns=frame.columns))


class MoodleExporter(_LmsExporter):
    """A Moodle grade import CSV: ``First name, Last name, Username, ID number, Email
    address`` and one column per assignment. Map ``Username`` (the nbgrader student id),
    ``ID number`` (nbgrader's ``lms_user_id``) or ``Email address`` to the Moodle user when
    importing (Grades > Import > CSV file)."""

    default_file = "moodle_grades.csv"

    def export(self, gradebook: Gradebook) -> None:
        """Write the Moodle grade CSV."""
        people, points = self.scores(gradebook)
        frame = pd.DataFrame(
            {
                "First name": list(people["first_name"]),
                "Last name": list(people["last_name"]),
                "Username": list(people.index),
                "ID number": list(people["lms_user_id"]),
                "Email address": list(people["email"]),
            }
        )
        for column in points.index:
            frame[column] = list(people[column])
        frame = frame.reindex(columns=MOODLE_FIXED_COLUMNS + list(points.index))
        self.write(frame.sort_values("Username", ignore_index=True))


#: ``pmcourse export --format NAME`` -> the nbgrader export plugin it runs (``nbgrader`` is
#: nbgrader's own one-row-per-submission CSV).
EXPORTERS: dict[str, type[ExportPlugin]] = {
    "items": ItemsExporter,
    "canvas": CanvasExporter,
    "moodle": MoodleExporter,
    "nbgrader": CsvExportPlugin,
}
