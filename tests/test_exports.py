"""The grade exports, read back with pandas and checked against nbgrader's gradebook.

One graded course for the module: four students on the roster (names, e-mail and an LMS id
for some), three of whom submit a1_roles (cy after the due date, with nbgrader's "zero" late
penalty) and a3_frameworks (which has a manually graded answer); dee never submits. Expected
values come from nbgrader's own API (``SubmittedAssignment.score`` and
``late_submission_penalty``), not from the code under test.
"""

from __future__ import annotations

import filecmp
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from nbgrader.api import Gradebook, MissingEntry
from nbgrader_support import make_course, run_nbgrader

from course_lib._pipeline.demo import cohort
from course_lib.cli import EXPORT_FORMAT_HELP, main
from course_lib.nbgrader_plugins.exports import (
    CANVAS_FIXED_COLUMNS,
    EXPORTERS,
    MOODLE_FIXED_COLUMNS,
    POINTS_POSSIBLE,
)
from course_lib.nbgrader_plugins.grade_rows import ITEM_COLUMNS

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

ASSIGNMENTS = ["a1_roles", "a3_frameworks"]
ROSTER = {
    "ann": {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.org",
            "lms_user_id": "1001"},
    "bob": {"first_name": "Bob", "last_name": "Ruiz", "email": "bob@example.org"},
    "cy": {"first_name": "Cy", "last_name": "Park", "lms_user_id": "1003"},
    "dee": {"first_name": "Dee", "last_name": "Moss", "lms_user_id": "1004"},
}  # fmt: skip
KINDS = {"ann": "correct", "bob": "partial", "cy": "correct"}
LATE = "cy"
DUE = "2026-11-20 13:00:00 UTC"
LATE_STAMP = "2026-11-21 09:30:00.000000 UTC"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The course after ``pmcourse grade`` (see the module docstring)."""
    root = make_course(tmp_path_factory.mktemp("exports") / "course")
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    for name in ASSIGNMENTS:
        assert main(["release", name, "--course-dir", str(root), "--no-progress"]) == 0
        cohort.write_cohort(root, name, KINDS, seed=5)
    (root / "submitted" / LATE / "a1_roles" / "timestamp.txt").write_text(LATE_STAMP)
    run_nbgrader(root, "db", "assignment", "add", "a1_roles", f"--duedate={DUE}")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "pm-vs-pmm") as gradebook:
        for student, fields in ROSTER.items():
            gradebook.update_or_create_student(student, **fields)
    assert main(["grade", "--course-dir", str(root), "--no-progress", "--workers", "2"]) == 0
    yield root


def _expected(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(assignment, student) -> (score after nbgrader's late penalty, max score), straight
    from nbgrader's API; 0 for a roster student who did not submit."""
    expected = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "pm-vs-pmm") as gradebook:
        for name in ASSIGNMENTS:
            max_score = gradebook.find_assignment(name).max_score
            for student in ROSTER:
                try:
                    submission = gradebook.find_submission(name, student)
                except MissingEntry:
                    expected[(name, student)] = (0.0, max_score)
                    continue
                score = max(0.0, submission.score - submission.late_submission_penalty)
                expected[(name, student)] = (score, max_score)
    return expected


def _export(course: Path, fmt: str) -> Path:
    assert main(["export", "--course-dir", str(course), "--format", fmt]) == 0
    return course / "reports" / {"items": "grades.csv"}.get(fmt, f"{fmt}_grades.csv")


def test_the_late_submission_is_penalised_by_nbgrader(course: Path) -> None:
    expected = _expected(course)
    assert expected[("a1_roles", LATE)][0] == 0.0  # "zero": the whole score
    assert expected[("a1_roles", "ann")][0] == pytest.approx(
        cohort.expected_score("a1_roles", "correct")
    )
    assert expected[("a3_frameworks", LATE)][0] > 0  # no due date: not late


def test_items_csv_is_tidy_and_sums_to_the_gradebook(course: Path) -> None:
    items = pd.read_csv(_export(course, "items"))
    assert list(items.columns) == ITEM_COLUMNS
    graded = items[items["graded_by"] != "penalty"]
    per_assignment = graded.groupby("assignment")["item"].nunique()
    assert len(graded) == len(ROSTER) * per_assignment.sum()  # every roster student, every item
    assert set(graded["graded_by"]) == {"auto", "manual"}
    totals = items.groupby(["assignment", "student"])["score"].sum()
    points = graded.groupby(["assignment", "student"])["max_score"].sum()
    for (name, student), (score, max_score) in _expected(course).items():
        assert totals[(name, student)] == pytest.approx(score, abs=1e-4), (name, student)
        assert points[(name, student)] == pytest.approx(max_score)
    dee = items[items["student"] == "dee"]
    assert not dee["submitted"].any() and (dee["score"] == 0).all()
    penalty = items[items["graded_by"] == "penalty"]
    assert list(zip(penalty["assignment"], penalty["student"], strict=True)) == [("a1_roles", LATE)]
    manual = graded[graded["graded_by"] == "manual"]
    assert set(manual["assignment"]) == {"a3_frameworks"}


def test_canvas_csv_has_the_gradebook_layout_and_scores(course: Path) -> None:
    canvas = pd.read_csv(_export(course, "canvas"), dtype=str, keep_default_na=False)
    assert list(canvas.columns) == CANVAS_FIXED_COLUMNS + ASSIGNMENTS
    points_row = canvas.iloc[0]
    assert points_row["Student"] == POINTS_POSSIBLE
    assert points_row[["ID", "SIS User ID", "SIS Login ID", "Section"]].tolist() == [""] * 4
    students = canvas.iloc[1:].set_index("SIS Login ID")
    assert sorted(students.index) == sorted(ROSTER)  # dee, who never submitted, included
    assert students.loc["ann", "Student"] == "Lee, Ann"
    for student, fields in ROSTER.items():  # Canvas's ID is nbgrader's lms_user_id
        assert students.loc[student, "ID"] == fields.get("lms_user_id", "")
    expected = _expected(course)
    for name in ASSIGNMENTS:
        assert float(points_row[name]) == pytest.approx(expected[(name, "ann")][1])
        for student in ROSTER:
            got = float(students.loc[student, name])
            assert got == pytest.approx(expected[(name, student)][0], abs=1e-3), (name, student)
    assert list(students["Student"]) == sorted(students["Student"])


def test_moodle_csv_has_one_row_per_roster_student(course: Path) -> None:
    moodle = pd.read_csv(_export(course, "moodle"), dtype=str, keep_default_na=False)
    assert list(moodle.columns) == MOODLE_FIXED_COLUMNS + ASSIGNMENTS
    rows = moodle.set_index("Username")
    assert sorted(rows.index) == sorted(ROSTER)
    assert rows.loc["bob", "Email address"] == "bob@example.org"
    assert rows.loc["cy", "ID number"] == "1003" and rows.loc["bob", "ID number"] == ""
    for (name, student), (score, _) in _expected(course).items():
        assert float(rows.loc[student, name]) == pytest.approx(score, abs=1e-3)


def test_plain_nbgrader_export_writes_the_same_files(course: Path, tmp_path: Path) -> None:
    # The config makes the per-item CSV nbgrader's default export, as pmcourse grade writes it.
    run_nbgrader(course, "export", "--to", str(tmp_path / "items.csv"))
    assert filecmp.cmp(tmp_path / "items.csv", _export(course, "items"), shallow=False)
    for fmt in ("canvas", "moodle"):
        cls = EXPORTERS[fmt]
        exporter = f"--exporter={cls.__module__}.{cls.__name__}"
        run_nbgrader(course, "export", exporter, "--to", str(tmp_path / f"{fmt}.csv"))
        assert filecmp.cmp(tmp_path / f"{fmt}.csv", _export(course, fmt), shallow=False), fmt
    # --assignment narrows the export as for nbgrader's own exporter.
    cls = EXPORTERS["canvas"]
    run_nbgrader(
        course, "export", f"--exporter={cls.__module__}.{cls.__name__}",
        "--assignment=['a3_frameworks']", "--to", str(tmp_path / "a3.csv"),
    )  # fmt: skip
    assert list(pd.read_csv(tmp_path / "a3.csv").columns)[-1:] == ["a3_frameworks"]


def test_export_after_manual_grading_needs_no_regrading(course: Path, tmp_path: Path) -> None:
    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    autograded = sorted((copy / "autograded").rglob("*.ipynb"))
    stamps = {path: path.stat().st_mtime_ns for path in autograded}
    before = pd.read_csv(_export(copy, "canvas"), dtype=str).iloc[1:].set_index("SIS Login ID")
    items = pd.read_csv(_export(copy, "items"))
    (item,) = set(items.loc[items["graded_by"] == "manual", "item"])
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}", "pm-vs-pmm") as gradebook:
        manual = gradebook.find_grade(item, "a3_frameworks", "a3_frameworks", "ann")
        manual.manual_score = 2.5  # what Formgrader stores when the instructor grades it
        manual.needs_manual_grade = False
        gradebook.db.commit()
    after = pd.read_csv(_export(copy, "canvas"), dtype=str).iloc[1:].set_index("SIS Login ID")
    gained = float(after.loc["ann", "a3_frameworks"]) - float(before.loc["ann", "a3_frameworks"])
    assert gained == pytest.approx(2.5)
    others = after.drop(index="ann")
    assert others.equals(before.drop(index="ann"))
    assert {path: path.stat().st_mtime_ns for path in autograded} == stamps  # nothing regraded


def test_every_exporter_has_a_command_line_format() -> None:
    assert set(EXPORT_FORMAT_HELP) == set(EXPORTERS)


def test_an_unknown_assignment_is_a_clear_error(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "a9_nothing", "--course-dir", str(course), "--format", "canvas"]) == 2
    error = capsys.readouterr().err
    assert "a9_nothing" in error and "a1_roles" in error
