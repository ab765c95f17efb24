"""nbgrader's gradebook in a real PostgreSQL server, and the errors the pipeline will face there.

A temporary copy of the course points ``c.CourseDirectory.db_url`` at a fresh database of the
session's test cluster (``postgres_server``/``postgres_url`` in conftest.py); the real
``nbgrader`` writes to it and ``Gradebook`` and plain SQL read it back. Two processes write one
gradebook at once. Too many connections, a dropped connection and a serialization failure are
provoked for real, and ``is_transient_db_error`` must recognise each of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import psycopg
import pytest
import sqlalchemy
from nbgrader.api import Gradebook
from nbgrader_support import ROOT, make_course, run_nbgrader
from postgres_support import PostgresServer, database_name, postgres_server

from course_lib._pipeline.db_errors import is_transient_db_error
from course_lib._pipeline.settings import load_settings

pytestmark = [pytest.mark.postgres, pytest.mark.nbgrader]

ASSIGNMENT = "a1_roles"
WRITES_PER_PROCESS = 15


def _grade_ids(assignment: str) -> list[str]:
    """grade_id of every grade cell in the assignment's source notebook."""
    notebook = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    meta = [cell["metadata"].get("nbgrader", {}) for cell in notebook["cells"]]
    return [cell["grade_id"] for cell in meta if cell.get("grade")]


class Released(NamedTuple):
    """A course copy, the URL of its PostgreSQL gradebook and its nbgrader course id."""

    course: Path
    url: str
    course_id: str


@pytest.fixture(scope="module")
def released(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Released]:
    """A course copy whose gradebook is a fresh PostgreSQL database, after the real
    ``nbgrader generate_assignment a1_roles`` and ``nbgrader db student add``."""
    name = database_name("released")
    url = postgres_server.create_database(name)
    course = make_course(tmp_path_factory.mktemp("pg-course"))
    with (course / "nbgrader_config.py").open("a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    run_nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    run_nbgrader(course, "db", "student", "add", "trainee1", "--first-name", "Ada",
                 "--last-name", "Lovelace")  # fmt: skip
    yield Released(course, url, load_settings(course).course_id)
    postgres_server.drop_database(name)


def test_nbgrader_keeps_the_assignment_and_student_in_postgres(released: Released) -> None:
    course, url, course_id = released
    assert not list(course.rglob("gradebook.db")), "nbgrader wrote a SQLite gradebook"
    with Gradebook(url, course_id) as gradebook:
        assignment = gradebook.find_assignment(ASSIGNMENT)
        assert [notebook.name for notebook in assignment.notebooks] == [ASSIGNMENT]
        cells = gradebook.find_notebook(ASSIGNMENT, ASSIGNMENT).grade_cells
        assert sorted(cell.name for cell in cells) == sorted(_grade_ids(ASSIGNMENT))
        assert all(cell.max_score > 0 for cell in cells)
        assert gradebook.find_student("trainee1").last_name == "Lovelace"
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.dialect.name == "postgresql"
            rows = connection.execute(
                sqlalchemy.text(
                    "SELECT b.name FROM grade_cells g JOIN base_cell b ON b.id = g.id"
                    " JOIN notebook n ON n.id = b.notebook_id"
                    " JOIN assignment a ON a.id = n.assignment_id WHERE a.name = :name"
                ),
                {"name": ASSIGNMENT},
            ).scalars()
            assert sorted(rows) == sorted(_grade_ids(ASSIGNMENT))
    finally:
        engine.dispose()


WRITER = """
import sys, time
from pathlib import Path
from nbgrader.api import Gradebook
tag, url, course_id, count, barrier = sys.argv[1:]
barrier = Path(barrier)
with Gradebook(url, course_id) as gradebook:
    (barrier / tag).touch()
    while len(list(barrier.iterdir())) < 2:
        time.sleep(0.01)
    started = time.monotonic()
    for index in range(int(count)):
        student = f"{tag}{index:03d}"
        gradebook.add_student(student)
        gradebook.add_submission("a1_roles", student)
        gradebook.update_or_create_student("shared", first_name=tag)
    print(started, time.monotonic())
"""


def test_two_processes_write_one_gradebook_at_once(released: Released, tmp_path: Path) -> None:
    _, url, course_id = released
    with Gradebook(url, course_id) as gradebook:
        gradebook.add_student("shared")  # both update this row (creating it at once would race)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    arguments = [url, course_id, str(WRITES_PER_PROCESS), str(barrier)]
    command = [sys.executable, "-c", WRITER]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    writers = [subprocess.Popen([*command, tag, *arguments], **pipes) for tag in ("alpha", "beta")]
    spans = []
    for writer in writers:
        stdout, stderr = writer.communicate(timeout=300)
        assert writer.returncode == 0, stderr[-3000:]
        spans.append([float(value) for value in stdout.split()])
    assert max(start for start, _ in spans) < min(end for _, end in spans), "no overlap"
    with Gradebook(url, course_id) as gradebook:
        for tag in ("alpha", "beta"):
            students = [s for s in gradebook.students if s.id.startswith(tag)]
            assert len(students) == WRITES_PER_PROCESS
        submissions = [
            s for s in gradebook.assignment_submissions(ASSIGNMENT)
            if s.student_id.startswith(("alpha", "beta"))
        ]  # fmt: skip
        assert len(submissions) == 2 * WRITES_PER_PROCESS
        for submission in submissions:
            grades = [grade.name for notebook in submission.notebooks for grade in notebook.grades]
            assert sorted(grades) == sorted(_grade_ids(ASSIGNMENT))
        assert gradebook.find_student("shared").first_name in ("alpha", "beta")


def test_too_many_connections_is_transient(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    role = database_name("limited")
    postgres_server.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
    limited_url = postgres_url.replace(f"{postgres_server.user}@", f"{role}@")
    holder = psycopg.connect(postgres_server.conninfo(postgres_url.rsplit("/", 1)[1], user=role))
    try:
        with pytest.raises(sqlalchemy.exc.OperationalError) as refused:
            Gradebook(limited_url)
    finally:
        holder.close()
        postgres_server.execute(f'DROP ROLE "{role}"')
    assert "too many connections for role" in str(refused.value)
    assert is_transient_db_error(refused.value)
    assert is_transient_db_error(str(refused.value))


def test_a_full_server_refuses_connections_and_that_is_transient() -> None:
    # max_connections = 4 with 3 slots reserved for superusers: the 5th superuser
    # connection is refused by the server itself ("sorry, too many clients already").
    with postgres_server(max_connections=4) as small:
        held = []
        try:
            with pytest.raises(psycopg.OperationalError) as refused:
                for _ in range(5):
                    held.append(psycopg.connect(small.conninfo()))
        finally:
            for connection in held:
                connection.close()
    assert len(held) == 4
    assert "too many clients already" in str(refused.value)
    assert refused.value.sqlstate is None  # refused at connect time: text only, no SQLSTATE
    assert is_transient_db_error(refused.value)


def test_a_dropped_connection_is_transient(
    postgres_server: PostgresServer, released: Released
) -> None:
    with Gradebook(released.url, released.course_id) as gradebook:
        backend = gradebook.db.execute(sqlalchemy.text("SELECT pg_backend_pid()")).scalar()
        postgres_server.execute(f"SELECT pg_terminate_backend({backend})")
        with pytest.raises(sqlalchemy.exc.OperationalError) as dropped:
            gradebook.find_student("trainee1")
        gradebook.db.rollback()
    assert dropped.value.orig.sqlstate == "57P01"
    assert "terminating connection due to administrator command" in str(dropped.value)
    assert is_transient_db_error(dropped.value)
    assert is_transient_db_error(str(dropped.value))


def test_a_closed_psycopg_connection_is_transient(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server.conninfo(database)) as connection:
        backend = connection.info.backend_pid
        postgres_server.execute(f"SELECT pg_terminate_backend({backend})")
        errors = []
        for _ in range(2):  # first the server's notice, then the closed connection
            with pytest.raises(psycopg.OperationalError) as failed:
                connection.execute("SELECT 1")
            errors.append(failed.value)
    assert [error.sqlstate for error in errors] == ["57P01", None]
    assert "the connection is closed" in str(errors[1])
    assert all(is_transient_db_error(error) for error in errors)


def test_a_serialization_failure_is_transient(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    postgres_server.execute("CREATE TABLE counter (id int PRIMARY KEY, n int)", database)
    postgres_server.execute("INSERT INTO counter VALUES (1, 0)", database)
    engine = sqlalchemy.create_engine(postgres_url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as first:
            first.execute(sqlalchemy.text("SELECT n FROM counter WHERE id = 1")).all()
            postgres_server.execute("UPDATE counter SET n = n + 1 WHERE id = 1", database)
            with pytest.raises(sqlalchemy.exc.OperationalError) as conflict:
                first.execute(sqlalchemy.text("UPDATE counter SET n = n + 10 WHERE id = 1"))
    finally:
        engine.dispose()
    assert conflict.value.orig.sqlstate == "40001"
    assert "could not serialize access" in str(conflict.value)
    assert is_transient_db_error(conflict.value)
    assert is_transient_db_error(str(conflict.value))


def test_permanent_errors_are_not_transient(
    postgres_server: PostgresServer, released: Released
) -> None:
    with Gradebook(released.url, released.course_id) as gradebook:
        with pytest.raises(sqlalchemy.exc.IntegrityError) as duplicate:
            gradebook.db.execute(sqlalchemy.text("INSERT INTO student (id) VALUES ('trainee1')"))
        gradebook.db.rollback()
        with pytest.raises(sqlalchemy.exc.ProgrammingError) as missing:
            gradebook.db.execute(sqlalchemy.text("SELECT * FROM no_such_table"))
        gradebook.db.rollback()
    with pytest.raises(sqlalchemy.exc.OperationalError) as no_database:
        Gradebook(postgres_server.url("no_such_database"))
    assert duplicate.value.orig.sqlstate == "23505"
    assert missing.value.orig.sqlstate == "42P01"
    for error in (duplicate.value, missing.value, no_database.value):
        assert not is_transient_db_error(error), error
        assert not is_transient_db_error(str(error)), error
