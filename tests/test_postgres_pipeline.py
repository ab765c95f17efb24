"""The whole pipeline on a PostgreSQL gradebook (a real server, :mod:`postgres_support`).

The course's ``nbgrader_config.py`` sets ``c.CourseDirectory.db_url`` to a database owned by
a role of its own (``grader``), so that the server can tell pmcourse's sessions apart and
limit them. Release, grade, export and report run through ``pmcourse``; nbgrader's own API,
configured as Formgrader is, must read the same scores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import sqlalchemy
from cohort_support import grade_rows, released_course
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from postgres_support import PostgresServer, database_name

from course_lib._pipeline.bundle import build_bundle
from course_lib._pipeline.demo import cohort
from course_lib._pipeline.fingerprint import read_tree, tree_digest
from course_lib._pipeline.gradebook import open_gradebook
from course_lib._pipeline.pool import local_results
from course_lib._pipeline.record import Recorder
from course_lib._pipeline.settings import CourseSettings, load_settings
from course_lib._pipeline.tasks import GradingResult, GradingTask, WorkerOptions
from course_lib.cli import main

pytestmark = [pytest.mark.nbgrader, pytest.mark.postgres, pytest.mark.slow]

ASSIGNMENT = "a1_roles"
KINDS = {"ann": "correct", "bob": "partial", "cy": "blank", "dee": "raising"}
DB_CONNECTIONS = 2
WORKERS = 4


@dataclass(frozen=True)
class PgCourse:
    """A released course whose gradebook is database ``database`` of role ``role``."""

    root: Path
    server: PostgresServer
    role: str
    database: str

    def settings(self) -> CourseSettings:
        return load_settings(self.root, jupyter_path=False)

    def sessions(self, connection: psycopg.Connection[tuple[int]]) -> int:
        """Sessions of the course's role open on the server now."""
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (self.role,)
        ).fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture(scope="module")
def pg_course(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PgCourse]:
    role, database = database_name("grader"), database_name("course")
    postgres_server.execute(f'CREATE ROLE "{role}" LOGIN')
    postgres_server.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
    url = f"postgresql://{role}@{postgres_server.host}:{postgres_server.port}/{database}"
    lines = [
        f"c.CourseDirectory.db_url = {url!r}",
        f"c.PmCourse.db_connections = {DB_CONNECTIONS}",
    ]
    root = tmp_path_factory.mktemp("postgres") / "course"
    course = PgCourse(released_course(root, {ASSIGNMENT: KINDS}, lines), postgres_server,
                      role, database)  # fmt: skip
    yield course
    postgres_server.drop_database(database)
    postgres_server.execute(f'DROP ROLE IF EXISTS "{role}"')


def _expected() -> dict[str, float]:
    return {student: cohort.expected_score(ASSIGNMENT, kind) for student, kind in KINDS.items()}


def test_release_grade_export_report_and_formgrader_on_postgres(pg_course: PgCourse) -> None:
    course = pg_course.root
    assert pg_course.settings().db_url.startswith("postgresql://")
    peak: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        with psycopg.connect(pg_course.server.conninfo(), autocommit=True) as connection:
            while not stop.is_set():
                peak.append(pg_course.sessions(connection))
                stop.wait(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        command = ["grade", "--course-dir", str(course), "--no-progress"]
        assert main([*command, "--workers", str(WORKERS)]) == 0
    finally:
        stop.set()
        sampler.join()
    # Whatever the worker count, pmcourse held at most db_connections sessions at once.
    assert 1 <= max(peak) <= DB_CONNECTIONS, max(peak)
    assert not (course / "gradebook.db").exists()

    totals = dict.fromkeys(KINDS, 0.0)
    for row in grade_rows(course):
        totals[row["student"]] += float(row["score"])
    assert totals == pytest.approx(_expected())
    assert main(["export", "--course-dir", str(course), "--format", "nbgrader"]) == 0
    assert main(["report", "--course-dir", str(course), "--no-progress"]) == 0
    assert (course / "reports" / "report.html").stat().st_size > 0
    nbgrader_rows = (course / "reports" / "nbgrader_grades.csv").read_text().splitlines()
    assert sorted(line.split(",")[3] for line in nbgrader_rows[1:]) == sorted(KINDS)

    # nbgrader's API as Formgrader builds it: the course's config, nothing else.
    api = NbGraderAPI(config=pg_course.settings().config)
    seen = {item["student"]: item["score"] for item in api.get_submissions(ASSIGNMENT)}
    assert seen == pytest.approx(_expected())
    assert {item["student"] for item in api.get_submissions(ASSIGNMENT) if item["autograded"]} \
        == set(KINDS)  # fmt: skip


@pytest.fixture(scope="module")
def results(
    pg_course: PgCourse, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, GradingResult]:
    """Real grading results of bob's and cy's submissions (graded, not yet recorded)."""
    settings = pg_course.settings()
    with open_gradebook(settings) as gradebook:
        bundle = build_bundle(settings, gradebook, ASSIGNMENT)
    ignore = list(settings.config.CourseDirectory.get("ignore", []))
    tasks = []
    for student in ("bob", "cy"):
        files = read_tree(settings.submission_dir(student, ASSIGNMENT), ignore)
        tasks.append(GradingTask(ASSIGNMENT, student, files, tree_digest(files), bundle.digest))
    log = str(tmp_path_factory.mktemp("workers") / "log")
    graded = local_results(tasks, {bundle.digest: bundle}, WorkerOptions(settings.config), 1, log)
    found = {result.student: result for result in graded}
    assert all(result.ok for result in found.values()), found
    return found


def _recorded_score(settings: CourseSettings, student: str) -> float:
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        return float(gradebook.find_submission(ASSIGNMENT, student).score)


def test_a_refused_connection_is_retried_by_the_recorder(
    pg_course: PgCourse, results: dict[str, GradingResult]
) -> None:
    settings = pg_course.settings()
    result = results["bob"]
    # The role may hold one session and a holder takes it: the recorder's first tries are
    # refused ("too many connections for role") until the holder lets go.
    refusals = pg_course.server.log.read_text(errors="replace").count("too many connections")
    server = pg_course.server
    server.execute(f'ALTER ROLE "{pg_course.role}" CONNECTION LIMIT 1')
    holder = psycopg.connect(server.conninfo(pg_course.database, user=pg_course.role))
    release = threading.Timer(1.5, holder.close)
    with pytest.raises(sqlalchemy.exc.OperationalError, match="too many connections for role"):
        Gradebook(settings.db_url, settings.course_id)
    try:
        release.start()
        with Recorder(settings, 1) as recorder:
            assert recorder.record(result)
            assert not recorder.record(result)  # the same submission: recorded once
    finally:
        release.cancel()
        holder.close()
        server.execute(f'ALTER ROLE "{pg_course.role}" CONNECTION LIMIT -1')
    assert [(outcome.student, outcome.ok) for outcome in recorder.outcomes] == [("bob", True)]
    log = pg_course.server.log.read_text(errors="replace")
    assert log.count("too many connections") > refusals + 1
    assert _recorded_score(settings, "bob") == pytest.approx(
        cohort.expected_score(ASSIGNMENT, "partial")
    )


def test_a_dropped_connection_is_retried_by_the_recorder(
    pg_course: PgCourse, results: dict[str, GradingResult]
) -> None:
    settings = pg_course.settings()
    server = pg_course.server
    dropped = server.log.read_text(errors="replace").count("terminating connection")
    with Recorder(settings, 1) as recorder:
        recorder.record(results["bob"])
        deadline = time.monotonic() + 60
        while not recorder.outcomes and time.monotonic() < deadline:
            time.sleep(0.05)
        # The server ends the recorder's session (an administrator, a failover...).
        ended = server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE usename = '{pg_course.role}'"
        )
        assert ended == [(True,)]
        recorder.record(results["cy"])
    assert [(outcome.student, outcome.ok) for outcome in recorder.outcomes] == [
        ("bob", True),
        ("cy", True),
    ], recorder.outcomes
    assert server.log.read_text(errors="replace").count("terminating connection") > dropped
    for student in ("bob", "cy"):
        expected = cohort.expected_score(ASSIGNMENT, KINDS[student])
        assert _recorded_score(settings, student) == pytest.approx(expected)
