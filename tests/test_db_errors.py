"""is_transient_db_error on real SQLite errors and on the texts nbgrader logs.

The PostgreSQL cases (too many connections, a dropped connection, a serialization failure)
are provoked on a real server in test_postgres_gradebook.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg.errors
import pytest
import sqlalchemy

from course_lib._pipeline.db_errors import is_transient_db_error


@pytest.fixture
def locked_sqlite(tmp_path: Path) -> Iterator[Path]:
    """A SQLite file that another connection holds an exclusive lock on."""
    path = tmp_path / "gradebook.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("CREATE TABLE student (id TEXT PRIMARY KEY)")
        holder.execute("BEGIN EXCLUSIVE")
        yield path
        holder.execute("ROLLBACK")


def test_a_locked_sqlite_database_is_transient(locked_sqlite: Path) -> None:
    with (
        closing(sqlite3.connect(locked_sqlite, timeout=0)) as writer,
        pytest.raises(sqlite3.OperationalError) as locked,
    ):
        writer.execute("INSERT INTO student VALUES ('s1')")
    assert locked.value.sqlite_errorname == "SQLITE_BUSY"
    assert is_transient_db_error(locked.value)
    assert is_transient_db_error(f"sqlite3.OperationalError: {locked.value}")


def test_a_locked_sqlite_database_seen_through_sqlalchemy_is_transient(
    locked_sqlite: Path,
) -> None:
    engine = sqlalchemy.create_engine(f"sqlite:///{locked_sqlite}", connect_args={"timeout": 0})
    try:
        with engine.begin() as connection, pytest.raises(sqlalchemy.exc.OperationalError) as err:
            connection.execute(sqlalchemy.text("INSERT INTO student VALUES ('s1')"))
    finally:
        engine.dispose()
    assert "database is locked" in str(err.value)
    assert is_transient_db_error(err.value)


def test_other_sqlite_errors_are_not_transient(tmp_path: Path) -> None:
    with (
        closing(sqlite3.connect(tmp_path / "gradebook.db")) as connection,
        pytest.raises(sqlite3.OperationalError) as missing,
    ):
        connection.execute("SELECT * FROM no_such_table")
    assert missing.value.sqlite_errorname == "SQLITE_ERROR"
    assert not is_transient_db_error(missing.value)
    assert not is_transient_db_error(str(missing.value))


def test_the_code_decides_over_the_message() -> None:
    # A unique violation whose text quotes a transient message is still permanent.
    error = psycopg.errors.UniqueViolation('duplicate key value: "database is locked"')
    assert not is_transient_db_error(error)


def test_a_cause_behind_a_wrapper_is_found() -> None:
    try:
        try:
            raise psycopg.errors.SerializationFailure("could not serialize access")
        except psycopg.errors.SerializationFailure as cause:
            raise RuntimeError("autograde failed") from cause
    except RuntimeError as wrapper:
        assert is_transient_db_error(wrapper)
    assert not is_transient_db_error(RuntimeError("autograde failed"))


@pytest.mark.parametrize(
    ("text", "transient"),
    [
        ("sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked", True),
        ("FATAL:  sorry, too many clients already", True),
        ('FATAL:  too many connections for role "grader"', True),
        ("server closed the connection unexpectedly", True),
        ("(psycopg.errors.SerializationFailure) could not serialize access", True),
        ("ERROR:  deadlock detected", True),
        ('FATAL:  password authentication failed for user "grader"', False),
        ('FATAL:  database "gradebook" does not exist', False),
        ("NameError: name 'roles' is not defined", False),
        ("", False),
    ],
)
def test_log_texts(text: str, transient: bool) -> None:
    assert is_transient_db_error(text) is transient
