"""A synthetic cohort of every submission kind, autograded by nbgrader in one run per assignment."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbgrader_support import ROOT, generate_all, gradebook_scores, make_course, run_nbgrader

from course_lib._pipeline.demo.cohort import (
    SUBMISSION_KINDS,
    expected_flagged,
    expected_score,
    write_cohort,
)
from course_lib.grading.items import assignment_ids, load_assignment_specs
from course_lib.grading.keys import read_keys
from course_lib.grading.scoring import judge

ASSIGNMENT_IDS = assignment_ids()

SPECS = load_assignment_specs()
COHORT = {kind.replace("_", "-"): kind for kind in SUBMISSION_KINDS}


def test_every_required_kind_is_there() -> None:
    required = {
        "correct", "partial", "blank", "raising", "infinite_loop", "malformed_json",
        "grade_cell_deleted", "grade_cell_duplicated", "grade_cell_edited",
        "cheat_dict_subclass", "cheat_monkeypatch", "cheat_builtins", "cheat_assertionerror",
        "cheat_input_transformer",
    }  # fmt: skip
    assert required <= set(SUBMISSION_KINDS)
    assert all(SUBMISSION_KINDS[kind] for kind in SUBMISSION_KINDS)


def test_expected_scores_are_sensible() -> None:
    for assignment, spec in SPECS.items():
        full = spec.autograded_points
        assert expected_score(assignment, "correct") == full
        assert expected_score(assignment, "blank") == 0
        assert 0 < expected_score(assignment, "partial") < full
        assert expected_score(assignment, "cheat_builtins") == expected_score(assignment, "partial")
    with pytest.raises(ValueError, match="unknown submission kind 'nope'"):
        expected_score("a1_roles", "nope")


def test_expected_flagged_says_what_the_audit_must_flag_and_why() -> None:
    from course_lib._pipeline.audit import CHECKS

    for assignment in ASSIGNMENT_IDS:
        for kind in SUBMISSION_KINDS:
            expected = expected_flagged(assignment, kind)
            assert expected.kind == kind and expected.reason
            assert expected.checks <= set(CHECKS), expected
            assert expected.flagged == bool(expected.checks)
        for kind in ("grade_cell_deleted", "grade_cell_duplicated", "grade_cell_split",
                     "grade_cell_retyped", "grade_cell_edited"):  # fmt: skip
            expected = expected_flagged(assignment, kind)
            assert expected.checks == {"grade_cell_changed"}
        assert expected_flagged(assignment, "malformed_json").checks == {"not_graded"}
        cheat = expected_flagged(assignment, "cheat_input_transformer")
        assert cheat.checks == {"handover_missing"}
        assert expected_score(assignment, "cheat_input_transformer") == 0  # no more than blank
        for kind in ("correct", "partial", "blank", "answer_cell_deleted", "cheat_builtins"):
            assert not expected_flagged(assignment, kind).flagged
    with pytest.raises(ValueError, match="unknown assignment 'a9'"):
        expected_flagged("a9", "correct")
    with pytest.raises(ValueError, match="unknown submission kind 'nope'"):
        expected_flagged("a1_roles", "nope")


def test_write_cohort_rejects_unknown_kinds_and_needs_the_release(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected one of: correct"):
        write_cohort(tmp_path, "a1_roles", {"s1": "typo"}, seed=1)
    with pytest.raises(FileNotFoundError, match="generate_assignment a1_roles"):
        write_cohort(tmp_path, "a1_roles", {"s1": "correct"}, seed=1)


def test_partial_answers_run_and_score_what_expected_score_says(tmp_path: Path) -> None:
    """Without nbgrader: each partial answer cell of the literal kinds runs as Python and
    scores, against the solution's key, the share ``expected_score`` counts on."""
    for assignment in ("a5_decision_rights", "a1_roles"):
        spec = SPECS[assignment]
        shutil.copytree(ROOT / "solutions" / assignment, tmp_path / "solutions" / assignment)
        shutil.copytree(ROOT / "exercises" / assignment, tmp_path / "exercises" / assignment)
        write_cohort(tmp_path, assignment, {"p": "partial"}, seed=7)
        notebook = tmp_path / "submitted" / "p" / assignment / f"{assignment}.ipynb"
        cells = {
            cell["metadata"].get("nbgrader", {}).get("grade_id"): "".join(cell["source"])
            for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        }
        keys = read_keys(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
        total = 0.0
        for item in spec.items:
            if not item.autograded:
                continue
            namespace: dict[str, object] = {}
            exec(cells[item.answer_grade_id], namespace)
            answer = namespace[item.answer_variable]
            total += item.points * judge(item, answer, keys[item.grade_id].key).fraction
        assert total == pytest.approx(expected_score(assignment, "partial"))
        assert 0 < total < spec.autograded_points


@pytest.fixture(scope="module")
def course() -> Iterator[Path]:
    """Every assignment released and its whole cohort autograded in one nbgrader run each."""
    # Not tmp_path_factory: concurrent pytest runs on this machine prune its base folders.
    folder = tempfile.TemporaryDirectory(prefix="pmcourse-cohort-")
    course = make_course(Path(folder.name))
    generate_all(course)
    for assignment in ASSIGNMENT_IDS:
        write_cohort(course, assignment, COHORT, seed=2026)
        # The malformed notebook makes nbgrader exit non-zero; everyone else must be graded.
        run_nbgrader(course, "autograde", assignment, check=False)
    yield course
    folder.cleanup()


@pytest.mark.nbgrader
@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_each_student_gets_the_expected_score(course: Path, assignment: str) -> None:
    scores = gradebook_scores(course, assignment)
    got = {student: sum(s or 0.0 for s in scores.get(student, {}).values()) for student in COHORT}
    expected = {student: expected_score(assignment, kind) for student, kind in COHORT.items()}
    assert got == pytest.approx(expected), {
        student: (got[student], expected[student])
        for student in COHORT
        if abs(got[student] - expected[student]) > 1e-6
    }


@pytest.mark.nbgrader
@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_the_run_finishes_for_everyone_but_the_unreadable_notebook(
    course: Path, assignment: str
) -> None:
    graded = {
        student
        for student in COHORT
        if (course / "autograded" / student / assignment / f"{assignment}.ipynb").is_file()
    }
    assert graded == set(COHORT) - {"malformed-json"}


@pytest.mark.nbgrader
@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_the_timeout_names_the_question_and_later_cells_still_run(
    course: Path, assignment: str
) -> None:

    path = course / "autograded" / "infinite-loop" / assignment / f"{assignment}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = next(item for item in SPECS[assignment].items if item.autograded)
    errors = [
        output["evalue"]
        for cell in cells
        for output in cell.get("outputs", [])
        if output.get("ename") == "CellTimeoutError"
    ]
    assert errors and all(f"'{first.answer_grade_id}'" in message for message in errors)
    test_output = next(
        "".join(output.get("text", ""))
        for cell in cells
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == first.grade_id
        for output in cell["outputs"]
        if output.get("name") == "stdout"
    )
    assert f"[{first.item}] no answer" in test_output and "time limit" in test_output
    handed = [
        cell["metadata"].get("pmcourse", {}).get("handover")
        for cell in cells
        if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("test_")
    ]
    assert handed and handed[0] == "not_defined" and handed.count("missing") == 0


@pytest.mark.nbgrader
@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_every_test_cell_hands_over_except_where_the_audit_must_flag(
    course: Path, assignment: str
) -> None:
    """The grader records each hand-over; only the transformer cheat leaves none."""
    for student, kind in COHORT.items():
        if kind == "malformed_json":
            continue
        path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        statuses = {
            cell["metadata"]["nbgrader"]["grade_id"]: cell["metadata"]["pmcourse"]["handover"]
            for cell in cells
            if "pmcourse" in cell["metadata"] and "handover" in cell["metadata"]["pmcourse"]
        }
        autograded = [item.grade_id for item in SPECS[assignment].items if item.autograded]
        assert sorted(statuses) == sorted(autograded), (student, statuses)
        missing = "missing" in statuses.values()
        assert missing == ("handover_missing" in expected_flagged(assignment, kind).checks), (
            student,
            statuses,
        )
