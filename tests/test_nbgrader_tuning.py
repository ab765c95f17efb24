"""A grading worker's changes to nbgrader (course_lib._pipeline.nbgrader_tuning): less work,
the same answers. The process-wide changes are checked in a fresh interpreter each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from course_lib._pipeline.nbgrader_tuning import validate_with_checked_schema

GOOD = {"grade": True, "solution": False, "locked": True, "points": 2.0, "grade_id": "q1",
        "schema_version": 3}  # fmt: skip
BAD = [
    {**GOOD, "points": "lots"},
    {**GOOD, "grade_id": 7},
    {key: value for key, value in GOOD.items() if key != "locked"},
    {**GOOD, "points": -1},
    {**GOOD, "cell_type": "code", "task": "yes"},
]


def _error(validate: Any, instance: dict[str, Any], schema: dict[str, Any]) -> str | None:
    try:
        validate(instance, schema)
    except jsonschema.ValidationError as error:
        return f"{error.message} at {list(error.absolute_path)}"
    return None


def test_validation_with_a_checked_schema_gives_jsonschemas_answers() -> None:
    schema = MetadataValidator().schema
    for instance in [GOOD, *BAD]:
        expected = _error(jsonschema.validate, instance, schema)
        assert _error(validate_with_checked_schema, instance, schema) == expected
        assert _error(validate_with_checked_schema, instance, json.loads(json.dumps(schema))) == (
            expected
        )  # an equal schema from another validator instance: the kept validator
    assert all(_error(validate_with_checked_schema, bad, schema) for bad in BAD)


def test_a_bad_schema_is_still_refused() -> None:
    with pytest.raises(jsonschema.SchemaError):
        validate_with_checked_schema({}, {"type": "no such type"})


PROBE = """
import json, os, sys
import sqlalchemy
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import CheckCellMetadata
from pathlib import Path
from course_lib._pipeline.nbgrader_tuning import forget_private, tune_worker

path = sys.argv[1]
tune_worker(Path(path).parent)
url = f"sqlite:///{path}"
statements = []
with Gradebook(url, "course") as gradebook:
    engine = gradebook.engine
    gradebook.add_student("ada")
Gradebook(url, "course").close()  # the opens of grading, once its tables are known ...
sqlalchemy.event.listen(sqlalchemy.Engine, "before_cursor_execute",  # every engine
                        lambda conn, cursor, statement, *rest: statements.append(statement))
with Gradebook(url, "course") as gradebook:  # ... ask nothing about them
    reused = gradebook.engine is engine
    students = [student.id for student in gradebook.students]
table_checks = sum("table_info" in sql or "sqlite_master" in sql for sql in statements)

def synchronous(url):
    with Gradebook(url, "course") as gradebook:
        return gradebook.db.execute(sqlalchemy.text("PRAGMA synchronous")).scalar()
durability = [synchronous(url), synchronous(f"sqlite:///{sys.argv[3]}")]

forget_private(Path(path).parent)
os.remove(path)
with Gradebook(url, "course") as gradebook:  # a new database at the same place
    gradebook.add_student("grace")
    again = [student.id for student in gradebook.students]

cell = new_code_cell("x = 1", metadata={"nbgrader": json.loads(sys.argv[2])})
refused = []
for check in (lambda: MetadataValidator().validate_cell(cell),
              lambda: CheckCellMetadata().preprocess(new_notebook(cells=[cell]), {})):
    try:
        check()
        refused.append(None)
    except ValidationError as error:
        refused.append(error.message)
print(json.dumps({"reused": reused, "students": students, "table_checks": table_checks,
                  "durability": durability, "again": again, "refused": refused}))
"""


def test_a_tuned_worker_reuses_engines_and_skips_known_tables(tmp_path: Path) -> None:
    bad = {**GOOD, "points": "lots"}
    (tmp_path / "private").mkdir()
    private, course = tmp_path / "private" / "gradebook.db", tmp_path / "gradebook.db"
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(private), json.dumps(bad), str(course)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["reused"] and seen["students"] == ["ada"]
    assert seen["table_checks"] == 0  # the second open asked nothing about the tables
    assert seen["durability"] == [0, 2]  # OFF for the worker's own gradebook, else FULL
    assert seen["again"] == ["grace"]  # forgotten: the new file got its tables
    assert seen["refused"] == [  # nbgrader's checks: the same errors as without the change
        _error_message(bad),
        "Notebook failed to validate; the nbgrader metadata may be corrupted.",
    ]


def _error_message(instance: dict[str, Any]) -> str:
    with pytest.raises(jsonschema.ValidationError) as raised:
        jsonschema.validate(instance, MetadataValidator().schema)
    return str(raised.value.message)
