"""Incremental and targeted ``pmcourse grade`` runs, with nbgrader and kernels for real.

One course is released, submitted (three trainees of a1_roles) and graded once per module;
each test grades a copy of it again. A submission counts as graded in a run when its
``autograded/`` folder was replaced (the recorder swaps in a new folder for each result it
writes), and the command's own summary line must say the same count.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from cohort_support import grade_rows, log_rows, released_course

from course_lib import _notebook as nbmeta
from course_lib._pipeline.bundle import build_bundle
from course_lib._pipeline.demo import cohort
from course_lib._pipeline.export import item_scores
from course_lib._pipeline.gradebook import open_gradebook
from course_lib._pipeline.settings import load_settings
from course_lib.cli import main

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

ASSIGNMENT = "a1_roles"
KINDS = {"ann": "correct", "bob": "partial", "cy": "blank"}
EVERYONE = set(KINDS)
SUMMARY = re.compile(r"graded (\d+) of (\d+) submissions \((\d+) unchanged")


@pytest.fixture(scope="module")
def first_graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course after its first ``pmcourse grade`` (every submission graded)."""
    course = released_course(tmp_path_factory.mktemp("incremental") / "course",
                             {ASSIGNMENT: KINDS})  # fmt: skip
    assert main(["grade", "--course-dir", str(course), "--no-progress"]) == 0
    return course


@pytest.fixture
def course(first_graded: Path, tmp_path: Path) -> Path:
    """A private copy of the graded course (its gradebook lives in the folder)."""
    return Path(shutil.copytree(first_graded, tmp_path / "course", symlinks=True))


def _folder_ids(course: Path) -> dict[str, int | None]:
    ids: dict[str, int | None] = {}
    for student in KINDS:
        folder = course / "autograded" / student / ASSIGNMENT
        ids[student] = os.stat(folder).st_ino if folder.exists() else None
    return ids


def _grade(course: Path, capsys: pytest.CaptureFixture[str], *options: str) -> set[str]:
    """Run ``pmcourse grade`` with ``options``; the students whose submission it graded."""
    before = _folder_ids(course)
    capsys.readouterr()
    assert main(["grade", "--course-dir", str(course), "--no-progress", *options]) == 0
    summary = SUMMARY.search(capsys.readouterr().out)
    assert summary is not None
    after = _folder_ids(course)
    graded = {student for student in KINDS if after[student] != before[student]}
    assert (int(summary[1]), int(summary[2]), int(summary[3])) == (
        len(graded), len(graded), len(KINDS) - len(graded)
    )  # fmt: skip
    return graded


def _scores(course: Path) -> dict[tuple[str, str], float]:
    table = item_scores(load_settings(course, jupyter_path=False), [ASSIGNMENT])
    return {(row.student, row.item): float(row.score) for row in table.itertuples()}


def _totals(course: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    for (student, _), score in _scores(course).items():
        totals[student] = totals.get(student, 0.0) + score
    return totals


def test_first_grade_scores_each_kind(first_graded: Path) -> None:
    assert _totals(first_graded) == pytest.approx(
        {student: cohort.expected_score(ASSIGNMENT, kind) for student, kind in KINDS.items()}
    )
    assert {row["student"] for row in log_rows(first_graded)} == EVERYONE


def test_nothing_changed_grades_nothing_and_keeps_every_outcome(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scores, log = _scores(course), log_rows(course)
    export = (course / "reports" / "grades.csv").read_bytes()
    assert _grade(course, capsys) == set()
    assert _scores(course) == scores
    assert log_rows(course) == log
    assert (course / "reports" / "grades.csv").read_bytes() == export


def test_a_changed_notebook_regrades_exactly_that_submission(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _totals(course)
    # bob hands in the solution's answers instead of his partial ones
    cohort.write_cohort(course, ASSIGNMENT, {"bob": "correct"}, seed=11)
    assert _grade(course, capsys) == {"bob"}
    after = _totals(course)
    assert after["bob"] == pytest.approx(cohort.expected_score(ASSIGNMENT, "correct"))
    assert after["bob"] > before["bob"]
    assert {name: after[name] for name in ("ann", "cy")} == {
        name: before[name] for name in ("ann", "cy")
    }


def test_a_rerelease_regrades_everyone(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A new data file in the assignment's source folder: a new release, a new bundle digest.
    (course / "solutions" / ASSIGNMENT / "glossary.txt").write_text("PM: product management\n")
    assert main(["release", ASSIGNMENT, "--course-dir", str(course)]) == 0
    digests = {row["assignment_hash"] for row in log_rows(course)}
    assert _grade(course, capsys) == EVERYONE
    new_digests = {row["assignment_hash"] for row in log_rows(course)}
    assert len(new_digests) == 1 and new_digests.isdisjoint(digests)
    assert _grade(course, capsys) == set()


def test_force_regrades_everyone(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scores = _scores(course)
    assert _grade(course, capsys, "--force") == EVERYONE
    assert _scores(course) == scores


def test_named_students_are_graded_changed_or_not_and_exports_cover_everyone(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cohort.write_cohort(course, ASSIGNMENT, {"ann": "partial"}, seed=11)  # changed, not named
    log = {row["student"]: row for row in log_rows(course)}
    assert _grade(course, capsys, "--student", "bob", "--student", "cy") == {"bob", "cy"}
    assert {row["student"] for row in grade_rows(course)} == EVERYONE
    new_log = {row["student"]: row for row in log_rows(course)}
    assert set(new_log) == EVERYONE
    assert new_log["ann"] == log["ann"]  # not named: its last outcome is kept as it was
    # ann's change is graded by the next plain run, and only hers.
    assert _grade(course, capsys) == {"ann"}


def test_an_unknown_student_is_an_error_naming_the_id(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _folder_ids(course)
    capsys.readouterr()
    command = ["grade", "--course-dir", str(course), "--no-progress", "--student", "ann"]
    assert main([*command, "--student", "zed_unknown"]) == 2
    assert "zed_unknown" in capsys.readouterr().err
    assert _folder_ids(course) == before


def test_a_deleted_autograded_notebook_is_graded_again(
    course: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scores = _scores(course)
    (course / "autograded" / "cy" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").unlink()
    assert _grade(course, capsys) == {"cy"}
    notebook = course / "autograded" / "cy" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert json.loads(notebook.read_text())["cells"]
    assert _scores(course) == scores


def test_a_bundle_keeps_the_source_cells_in_notebook_order(first_graded: Path) -> None:
    # A worker's private gradebook is filled in this order, and the repair of a deleted grade
    # cell puts it back after the cells listed before it: any other order misplaces it.
    settings = load_settings(first_graded, jupyter_path=False)
    with open_gradebook(settings) as gradebook:
        bundle = build_bundle(settings, gradebook, ASSIGNMENT)
    source = settings.source_dir / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
    in_notebook = [name for name in map(nbmeta.grade_id, cells) if name is not None]
    assert [row["name"] for row in bundle.rows["source_cell"]] == in_notebook
    assert len(in_notebook) > 3
