"""What a grading worker needs of one assignment, as data, so that it needs no shared folder
and no connection to the course's gradebook.

Grading one submission reads from the gradebook what ``generate_assignment`` recorded (the
notebooks, every grade, solution, task and source cell, hidden tests and keys included:
nbgrader restores test cells from it and the grader scores against it) and copies the data
files of the source folder next to the submission. An :class:`AssignmentBundle` carries
exactly that: the release's rows of the gradebook and the source folder without its
notebooks. A worker installs it once into a private SQLite gradebook
(:func:`install_bundle`) and grades every submission of the assignment against it. Its
``digest`` changes when the release or a data file changes, so that incremental grading
grades everything again after a re-release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from typing import Any

import sqlalchemy
from nbgrader.api import Base, Gradebook

from course_lib import _notebook as nbmeta
from course_lib._pipeline.fingerprint import FileTree, digest, read_tree
from course_lib._pipeline.settings import CourseSettings

__all__ = ["RELEASE_TABLES", "AssignmentBundle", "build_bundle", "install_bundle", "versions"]

#: Tables holding what ``generate_assignment`` records, in an order that respects their keys.
RELEASE_TABLES = (
    "assignment",
    "notebook",
    "base_cell",
    "grade_cells",
    "solution_cells",
    "task_cells",
    "source_cell",
)
#: Distributions whose versions must match between the coordinator and its workers.
MATCHING_DISTRIBUTIONS = ("pm-vs-pmm-course", "nbgrader", "nbconvert")

Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class AssignmentBundle:
    """One assignment's release (gradebook rows) and source data files; see the module."""

    assignment: str
    course_id: str
    rows: Rows
    files: FileTree
    digest: str
    versions: dict[str, str]
    schema_version: str = ""


def versions() -> dict[str, str]:
    """Installed versions of ``MATCHING_DISTRIBUTIONS`` (grading code on both sides)."""
    return {name: version(name) for name in MATCHING_DISTRIBUTIONS}


def _release_rows(gradebook: Gradebook, assignment: str) -> Rows:
    tables = Base.metadata.tables
    connection = gradebook.db.connection()

    def select(table: str, column: str, values: list[Any]) -> list[dict[str, Any]]:
        if not values:
            return []
        query = sqlalchemy.select(tables[table]).where(tables[table].c[column].in_(values))
        rows = [dict(row._mapping) for row in connection.execute(query)]
        return sorted(rows, key=lambda row: str(row["id"]))

    rows: Rows = {"assignment": select("assignment", "name", [assignment])}
    rows["notebook"] = select("notebook", "assignment_id", [r["id"] for r in rows["assignment"]])
    notebooks = [row["id"] for row in rows["notebook"]]
    rows["base_cell"] = select("base_cell", "notebook_id", notebooks)
    cells = [row["id"] for row in rows["base_cell"]]
    for table in ("grade_cells", "solution_cells", "task_cells"):
        rows[table] = select(table, "id", cells)
    rows["source_cell"] = select("source_cell", "notebook_id", notebooks)
    gradebook.db.commit()
    return rows


def _in_notebook_order(settings: CourseSettings, assignment: str, rows: Rows) -> list[Any]:
    """The source cells in their notebook's order, which the private gradebook's insertion
    order keeps: the repair of a deleted grade cell puts it back after the cells that came
    before it there (``RepairGradeCells``), so an order by id put cells at the top."""
    positions: dict[tuple[str, str], int] = {}
    for notebook in rows["notebook"]:
        path = settings.source_dir / assignment / f"{notebook['name']}.ipynb"
        if not path.is_file():
            continue
        for index, cell in enumerate(nbmeta.read_notebook_json(path).get("cells", [])):
            name = nbmeta.grade_id(cell)
            if name is not None:
                positions[(str(notebook["id"]), name)] = index
    last = 1 + max(positions.values(), default=0)

    def key(row: dict[str, Any]) -> tuple[str, int, str]:
        where = positions.get((str(row["notebook_id"]), str(row["name"])), last)
        return str(row["notebook_id"]), where, str(row["id"])

    return sorted(rows["source_cell"], key=key)


def _canonical(rows: Rows) -> bytes:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    ordered = {table: [{k: plain(v) for k, v in row.items()} for row in rows[table]]
               for table in RELEASE_TABLES}  # fmt: skip
    return json.dumps(ordered, sort_keys=True).encode()


def build_bundle(
    settings: CourseSettings, gradebook: Gradebook, assignment: str
) -> AssignmentBundle:
    """The bundle of ``assignment`` from the course's open ``gradebook`` and source folder."""
    rows = _release_rows(gradebook, assignment)
    rows["source_cell"] = _in_notebook_order(settings, assignment, rows)
    schema = gradebook.db.execute(sqlalchemy.text("SELECT version_num FROM alembic_version"))
    schema_version = str(schema.scalar() or "")
    gradebook.db.commit()
    ignore = [*settings.config.CourseDirectory.get("ignore", []), "*.ipynb"]
    files = read_tree(settings.source_dir / assignment, ignore)
    parts = [_canonical(rows)]
    for relative in sorted(files):
        parts.extend((relative.encode(), files[relative][1]))
    return AssignmentBundle(
        assignment=assignment,
        course_id=settings.course_id,
        rows=rows,
        files=files,
        digest=digest(*parts),
        versions=versions(),
        schema_version=schema_version,
    )


def install_bundle(bundle: AssignmentBundle, db_url: str) -> None:
    """Create a new gradebook at ``db_url`` holding the bundle's release (nothing else).

    The tables and nbgrader's schema version are written here: an empty gradebook opened by
    ``Gradebook`` would ask the ``alembic`` command for the version, which takes seconds.
    """
    engine = sqlalchemy.create_engine(db_url)
    try:
        with engine.begin() as connection:
            Base.metadata.create_all(connection)
            connection.execute(
                sqlalchemy.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
            )
            connection.execute(
                sqlalchemy.text("INSERT INTO alembic_version (version_num) VALUES (:version)"),
                {"version": bundle.schema_version},
            )
            tables = Base.metadata.tables
            if bundle.course_id:
                connection.execute(sqlalchemy.insert(tables["course"]), [{"id": bundle.course_id}])
            for table in RELEASE_TABLES:
                if bundle.rows[table]:
                    connection.execute(sqlalchemy.insert(tables[table]), bundle.rows[table])
    finally:
        engine.dispose()
