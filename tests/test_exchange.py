"""A week of the course through nbgrader's filesystem exchange, for real.

An instructor and three trainees, each with their own home folder (their own Unix user when
the tests run as root), share a temporary exchange: ``pmcourse release --exchange``, ``nbgrader
fetch_assignment``, ``nbgrader submit`` (ben twice, cy after the due date), ``pmcourse
collect``, ``pmcourse grade``, ``pmcourse return-feedback``, ``nbgrader fetch_feedback``. Every
trainee ends with the feedback on their own last submission, and nobody else's.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from exchange_support import REAL_USERS, Person, people
from nbgrader.api import Gradebook
from nbgrader_support import ROOT, make_course

from course_lib._pipeline.demo.cohort import expected_score, write_cohort
from course_lib.cli import main
from course_lib.grading.items import load_assignment_specs

pytestmark = [pytest.mark.nbgrader]

ASSIGNMENT = "a1_roles"
COURSE_ID = "pm-vs-pmm"
#: Trainee -> the submissions they hand in, in order (kinds of the demo cohort).
SUBMISSIONS = {"ana": ["correct"], "ben": ["blank", "partial"], "cy": ["correct"]}
LATE = "cy"
_SCORE = re.compile(r"\(Score: ([0-9.]+) / ([0-9.]+)\)")


def _answer(person: Person, kind: str, scratch: Path) -> None:
    """Fill in the fetched notebook as a trainee of ``kind`` would (as that trainee)."""
    fetched = person.home / ASSIGNMENT
    course = scratch / kind
    if not course.is_dir():
        shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
        shutil.copytree(fetched, course / "exercises" / ASSIGNMENT)
        write_cohort(course, ASSIGNMENT, {"t": kind}, seed=7)
    notebook = course / "submitted" / "t" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    shutil.copy(notebook, fetched / f"{ASSIGNMENT}.ipynb")
    person.own(fetched)


def _student_flag(person: Person) -> list[str]:
    """As root nbgrader knows a trainee by their login; otherwise say who they are."""
    return [] if REAL_USERS else [f"--student={person.name}"]


def _nbgrader(person: Person, *args: str, cwd: Path | None = None) -> str:
    return person.run([person.tool("nbgrader"), *args], cwd=cwd).stderr


def _pmcourse(person: Person, course: Path, *args: str) -> str:
    return person.run([person.tool("pmcourse"), *args], cwd=course).stdout


@pytest.mark.slow
def test_release_fetch_submit_collect_grade_and_feedback_round_trip(tmp_path: Path) -> None:
    started = time.perf_counter()
    with people(["teacher", "ana", "ben", "cy"]) as (base, everyone):
        teacher = everyone["teacher"]
        trainees = {role: everyone[role] for role in SUBMISSIONS}
        exchange = base / "exchange"
        exchange.mkdir()
        exchange.chmod(0o777)  # as an admin sets it up: writable by everyone
        course = teacher.home / "course"
        course.mkdir()
        shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
        shutil.copytree(ROOT / "solutions", course / "solutions")
        with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
            config.write(
                f"\nc.Exchange.root = {str(exchange)!r}\n"
                'c.LateSubmissionPlugin.penalty_method = "zero"\n'
            )
        teacher.own(course)
        for trainee in trainees.values():
            jupyter = trainee.home / ".jupyter"
            jupyter.mkdir()
            (jupyter / "nbgrader_config.py").write_text(
                f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n"
                f"c.CourseDirectory.course_id = {COURSE_ID!r}\n",
                encoding="utf-8",
            )
            trainee.own(jupyter)

        # The instructor releases the assignment to the exchange.
        released = _pmcourse(teacher, course, "release", ASSIGNMENT, "--exchange")
        assert f"released {ASSIGNMENT}" in released
        outbound = exchange / COURSE_ID / "outbound" / ASSIGNMENT
        assert (outbound / f"{ASSIGNMENT}.ipynb").is_file()

        # Trainees fetch it and submit; ben twice; the due date passes before cy submits.
        scratch = tmp_path / "answers"
        stamps: dict[str, list[str]] = {}
        for role, kinds in SUBMISSIONS.items():
            trainee = trainees[role]
            if role == LATE:
                due = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
                _nbgrader(teacher, "db", "assignment", "add", ASSIGNMENT, f"--duedate={due}",
                          cwd=course)  # fmt: skip
            _nbgrader(trainee, "fetch_assignment", ASSIGNMENT)
            assert (trainee.home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
            for kind in kinds:
                _answer(trainee, kind, scratch)
                _nbgrader(trainee, "submit", ASSIGNMENT, *_student_flag(trainee))
                cache = trainee.home / ".local" / "share" / "jupyter" / "nbgrader_cache"
                newest = max((cache / COURSE_ID).glob(f"*+{ASSIGNMENT}+*"))
                stamps.setdefault(role, []).append((newest / "timestamp.txt").read_text())
        inbound = sorted((exchange / COURSE_ID / "inbound").iterdir())
        assert len(inbound) == 4  # ben's two submissions are both in the exchange
        if REAL_USERS:
            owners = {path.name.split("+")[0]: path.stat().st_uid for path in inbound}
            assert owners == {t.name: t.uid for t in trainees.values()}
            # Trainees cannot list the inbound folder: nobody sees another's submission.
            peek = trainees["ana"].run(["ls", str(exchange / COURSE_ID / "inbound")], check=False)
            assert peek.returncode != 0 and "Permission denied" in peek.stderr

        # Collect: the latest submission of each trainee; cy is late.
        collected = _pmcourse(teacher, course, "collect", ASSIGNMENT)
        names = {role: trainees[role].name for role in SUBMISSIONS}
        assert f"{ASSIGNMENT}: 3 collected, 0 updated" in collected
        assert f"late: {names[LATE]}" in collected
        for role, person_stamps in stamps.items():
            stamp = course / "submitted" / names[role] / ASSIGNMENT / "timestamp.txt"
            assert stamp.read_text() == person_stamps[-1], role

        # Grade, then hand the feedback back through the exchange.
        graded = _pmcourse(teacher, course, "grade", ASSIGNMENT, "--workers", "2", "--no-progress")
        assert "graded 3 of 3 submissions" in graded
        returned = _pmcourse(teacher, course, "return-feedback", ASSIGNMENT, "--no-progress")
        assert f"{ASSIGNMENT}: feedback released for 3 trainee(s)" in returned
        if REAL_USERS:
            feedback_box = exchange / COURSE_ID / "feedback"
            peek = trainees["ana"].run(["ls", str(feedback_box)], check=False)
            assert peek.returncode != 0 and "Permission denied" in peek.stderr

        # Each trainee fetches feedback: their own last submission's, nobody else's.
        points = load_assignment_specs()[ASSIGNMENT].autograded_points
        for role, trainee in trainees.items():
            _nbgrader(trainee, "fetch_feedback", ASSIGNMENT, *_student_flag(trainee))
            folders = sorted((trainee.home / ASSIGNMENT / "feedback").iterdir())
            assert [folder.name for folder in folders] == [stamps[role][-1]], role
            pages = sorted(p.name for p in folders[0].iterdir())
            assert pages == [f"{ASSIGNMENT}.html"], role
            html = (folders[0] / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
            score, max_score = map(float, _SCORE.search(html).groups())  # type: ignore[union-attr]
            assert max_score == pytest.approx(points)
            raw = expected_score(ASSIGNMENT, SUBMISSIONS[role][-1])
            if role == LATE:  # the "zero" method: the penalty is the whole score
                assert f"Late submission penalty (Score: -{raw:.1f})" in html
                assert score == 0.0
            else:
                assert "Late submission penalty" not in html, role
                assert score == pytest.approx(raw, abs=0.01), role
            others = [t.name for r, t in trainees.items() if r != role]
            assert not any(other in html for other in others), role
            assert "BEGIN HIDDEN TESTS" not in html and "_KEY" not in html

        # The gradebook and the Canvas export agree: cy's late work scores 0 ("zero" method).
        _pmcourse(teacher, course, "export", "--format", "canvas")
        canvas = pd.read_csv(course / "reports" / "canvas_grades.csv", dtype=str)
        by_login = canvas.set_index("SIS Login ID")[ASSIGNMENT].iloc[1:].astype(float).to_dict()
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
            late = gradebook.find_submission(ASSIGNMENT, names[LATE])
            assert late.score > 0
            assert late.late_submission_penalty == pytest.approx(late.score)
        assert by_login == pytest.approx(
            {
                names["ana"]: points,
                names["ben"]: expected_score(ASSIGNMENT, "partial"),
                names["cy"]: 0.0,
            },
            abs=1e-3,
        )
    print(f"exchange round trip: {time.perf_counter() - started:.1f} s")


def test_an_unusable_exchange_is_named_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course = make_course(tmp_path / "course")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the exchange should be")
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Exchange.root = {str(blocked)!r}\n")
    assert main(["release", ASSIGNMENT, "--exchange", "--course-dir", str(course)]) == 2
    error = capsys.readouterr().err
    assert "release_assignment failed for a1_roles" in error
    assert str(blocked) in error and "c.Exchange.root" in error and "chmod 777" in error
    assert (course / "exercises" / ASSIGNMENT).is_dir()  # generated; only the exchange failed
