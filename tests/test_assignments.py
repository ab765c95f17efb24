"""The assignments under nbgrader for real, in one temporary course for the module."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbgrader_support import (
    ROOT,
    cell_sources,
    generate_all,
    gradebook_scores,
    make_course,
    run_nbgrader,
    submit,
    total_auto_score,
)

from course_lib.grading.hidden import EXPLANATION_LITERAL, FRAMEWORK_LITERALS
from course_lib.grading.items import assignment_ids, load_assignment_specs
from course_lib.grading.keys import read_keys
from course_lib.nbgrader_plugins.grade_rows import ITEM_COLUMNS

ASSIGNMENT_IDS = assignment_ids()


pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

SPECS = load_assignment_specs()


@pytest.fixture(scope="module")
def course() -> Iterator[Path]:
    """A course with every assignment released, its solution and its release submitted,
    autograded, fed back and exported."""
    # Not tmp_path_factory: concurrent pytest runs on this machine prune its base folders.
    folder = tempfile.TemporaryDirectory(prefix="pmcourse-course-")
    course = make_course(Path(folder.name))
    generate_all(course)
    for assignment in ASSIGNMENT_IDS:
        notebook = f"{assignment}.ipynb"
        submit(course, "solution", assignment, course / "solutions" / assignment / notebook)
        submit(course, "as_shipped", assignment, course / "exercises" / assignment / notebook)
        run_nbgrader(course, "autograde", assignment)
        run_nbgrader(course, "generate_feedback", assignment)
    run_nbgrader(course, "export")
    yield course
    folder.cleanup()


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_exercises_do_not_drift_from_solutions(course: Path, assignment: str) -> None:
    generated = course / "exercises" / assignment
    shipped = ROOT / "exercises" / assignment
    notebook = f"{assignment}.ipynb"
    assert cell_sources(generated / notebook) == cell_sources(shipped / notebook), (
        f"exercises/{assignment} differs from what nbgrader generates from solutions/; run "
        f"`nbgrader generate_assignment {assignment} --force` from the repository root"
    )
    assert sorted(p.name for p in generated.iterdir()) == sorted(p.name for p in shipped.iterdir())
    for data_file in generated.iterdir():
        if data_file.suffix != ".ipynb":
            assert data_file.read_bytes() == (shipped / data_file.name).read_bytes()


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_every_solution_gets_full_marks(course: Path, assignment: str) -> None:
    grades = gradebook_scores(course, assignment)["solution"]
    spec = SPECS[assignment]
    for item in spec.items:
        if item.autograded:
            assert grades[item.grade_id] == item.points, (item.grade_id, grades)
        else:  # a manually graded answer waits for the instructor
            assert grades[item.grade_id] is None
    assert total_auto_score(grades) == spec.autograded_points


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_every_release_as_shipped_scores_zero_without_errors(course: Path, assignment: str) -> None:
    grades = gradebook_scores(course, assignment)["as_shipped"]
    assert all(score == 0 for score in grades.values()), grades
    autograded = course / "autograded" / "as_shipped" / assignment / f"{assignment}.ipynb"
    notebook = json.loads(autograded.read_text(encoding="utf-8"))
    test_cells = [
        cell
        for cell in notebook["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("test_")
    ]
    assert test_cells
    for cell in test_cells:
        kinds = [output["output_type"] for output in cell["outputs"]]
        streams = [output.get("name") for output in cell["outputs"] if "name" in output]
        assert "error" not in kinds and "stderr" not in streams, cell["outputs"]


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_released_stubs_are_valid_python(assignment: str) -> None:
    notebook = json.loads(
        (ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    )
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            compile("".join(cell["source"]), f"{assignment} cell {cell.get('id')}", "exec")


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_the_release_runs_in_a_trainees_kernel_and_each_check_names_what_is_missing(
    assignment: str, tmp_path: Path
) -> None:
    """Run as shipped (no hidden tests): every cell but the checks runs cleanly, and every
    check fails on the blank answer with a message naming what to fix (nbgrader's Validate
    button sees the same)."""
    import nbformat
    from nbclient import NotebookClient

    shutil.copytree(ROOT / "exercises" / assignment, tmp_path / assignment)
    path = tmp_path / assignment / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=60,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": path.parent}},
    )
    client.execute()
    autograded = {item.grade_id: item for item in SPECS[assignment].items if item.autograded}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        errors = [output for output in cell.get("outputs", []) if output.output_type == "error"]
        if grade_id not in autograded:
            assert not errors, (grade_id, errors)
            continue
        [error] = errors
        assert error.ename == "AnswerFormatError", error
        item = autograded[grade_id]
        assert "not answered yet" in error.evalue or "not defined" in error.evalue, error.evalue
        assert f"[{item.item}]" in error.evalue


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_nbgrader_validate_fails_on_the_blank_release_and_passes_on_a_well_formed_answer(
    course: Path, assignment: str, tmp_path: Path
) -> None:
    """The toolbar's Validate: blank fails naming what is missing; the solution's answers,
    right or wrong, pass without the key being told."""
    blank = course / "exercises" / assignment / f"{assignment}.ipynb"
    result = run_nbgrader(course, "validate", str(blank), check=False)
    text = result.stdout + result.stderr
    assert "Success! Your notebook passes all the tests." not in text
    assert "AnswerFormatError" in text and ("not answered yet" in text or "not defined" in text)
    answered = course / "submitted" / "solution" / assignment / f"{assignment}.ipynb"
    result = run_nbgrader(course, "validate", str(answered), check=False)
    assert "Success! Your notebook passes all the tests." in result.stdout + result.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_every_grade_comes_from_an_answer_handed_over_and_no_key_reaches_the_notebook(
    course: Path, assignment: str
) -> None:
    keys = read_keys(course / "solutions" / assignment / f"{assignment}.ipynb")
    for student in ("solution", "as_shipped"):
        path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
        text = path.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "_KEY" not in text
        for key in keys.values():
            for explanation in key.explanations.values():
                assert explanation[:60] not in text
        notebook = json.loads(text)
        recorded = {
            cell["metadata"]["nbgrader"]["grade_id"]: cell["metadata"].get("pmcourse", {})
            for cell in notebook["cells"]
            if cell["metadata"].get("nbgrader", {}).get("grade_id") in keys
        }
        assert set(recorded) == set(keys)
        # The solution hands every answer over; the blank release hands over its stubs, or
        # says a computed answer is not defined (its cell is `...`).
        allowed = {"answer"} if student == "solution" else {"answer", "not_defined"}
        assert {record.get("handover") for record in recorded.values()} <= allowed, recorded


def _visible_text(page: str) -> str:
    """The text of an HTML page: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


@pytest.mark.parametrize("assignment", ASSIGNMENT_IDS)
def test_feedback_shows_scores_but_no_hidden_tests(course: Path, assignment: str) -> None:
    page = (course / "feedback" / "solution" / assignment / f"{assignment}.html").read_text()
    keys = read_keys(course / "solutions" / assignment / f"{assignment}.ipynb")
    assert "BEGIN HIDDEN TESTS" not in page and "_KEY" not in page
    assert EXPLANATION_LITERAL not in page
    text = _visible_text(page)
    if assignment in ("a1_roles", "a2_horizons"):  # the grader's messages are readable
        assert "labelled right" in text
    for key in keys.values():  # the reasons behind the key stay with the instructor
        for task, explanation in key.explanations.items():
            assert " ".join(explanation.split()) not in text, (key.grade_id, task)


def test_export_lists_every_submission(course: Path) -> None:
    """Plain ``nbgrader export`` runs the course's per-item exporter (nbgrader_config.py)."""
    with (course / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ITEM_COLUMNS
    pairs = {(row["assignment"], row["student"]) for row in rows}
    assert pairs == {(a, s) for a in ASSIGNMENT_IDS for s in ("solution", "as_shipped")}


def test_keys_are_nowhere_in_the_release_or_the_package() -> None:
    """No id -> label pair of a key, and no reason behind one, is in exercises/ or course_lib/.

    Sorting keys must not appear in any form; computed label keys (a3, a4) follow from the
    data files by design, so only their literal dict form is looked for.
    """
    shipped = [
        path
        for folder in (ROOT / "exercises", ROOT / "course_lib")
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in {".py", ".ipynb", ".csv", ".json", ".md", ".txt"}
    ]
    texts = {path: path.read_text(encoding="utf-8") for path in shipped}
    checked = explained = raci_rows = 0
    for assignment in ASSIGNMENT_IDS:
        keys = read_keys(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
        for item in SPECS[assignment].items:
            if not item.autograded:
                continue
            key = keys[item.grade_id]
            # The reason behind each expected label (_EXPLAIN) names the label: hidden too.
            for task, explanation in key.explanations.items():
                for path, text in texts.items():
                    assert explanation not in text and explanation[:60] not in text, (
                        f"{path} holds the explanation of {task} ({item.grade_id})"
                    )
                explained += 1
            if item.kind == "raci":
                # A RACI row in any form: the dict literal (full or short role names) or the
                # task, role, letter triples of a long table such as course_lib/data/raci.csv.
                short = {"product_management": "PM", "product_marketing": "PMM"}
                for task, row in key.key.items():
                    forms = [
                        f'"{task}": {{'
                        + ", ".join(
                            f'"{names.get(role, role)}": ' + (f'"{letter}"' if letter else blank)
                            for role, letter in row.items()
                        )
                        + "}"
                        for names in ({}, short)
                        for blank in ('""', "None")
                    ]
                    forms += [
                        f"{task}{sep}{role}{sep}{letter}"
                        for role, letter in row.items()
                        if letter
                        for sep in (",", "|")
                    ]
                    for path, text in texts.items():
                        found = [form for form in forms if form in text]
                        assert not found, f"{path} reveals the key of {item.grade_id}: {found}"
                    raci_rows += 1
                continue
            if item.kind not in ("sort", "labels"):
                continue
            # The frameworks' partitions next to a sort key (_PRAGMATIC, _BLACKBLOT) are
            # hidden too: a framework label is the key wherever the two agree.
            labelled = [key.key] + [
                key.extra[literal]
                for literal in FRAMEWORK_LITERALS.values()
                if item.kind == "sort" and literal in key.extra
            ]
            for task, label in ((t, v) for mapping in labelled for t, v in mapping.items()):
                pairs = [f'"{task}": "{label}"', f"'{task}': '{label}'"]
                if item.kind == "sort":
                    pairs += [f"{task},{label}", f"{task}|{label}", f"{task}: {label}"]
                for path, text in texts.items():
                    found = [pair for pair in pairs if pair in text]
                    assert not found, f"{path} reveals the key of {item.grade_id}: {found}"
                checked += 1
    # keys, then the framework partitions of a1 (15 tasks) and a5 (6 tasks)
    assert checked >= 12 + 7 + 10 + 3 + 1 + 6 + 2 * 15 + 2 * 6
    assert explained == 15 + 7 + 10 + 3 + 1 + 6 + 6  # every graded sort and RACI row: a reason
    assert raci_rows == 6


def test_graded_tasks_are_not_in_the_teaching_catalog() -> None:
    from course_lib import load_tasks

    catalog = load_tasks()
    known = {
        str(text).casefold() for column in ("title", "description") for text in catalog[column]
    }
    a3_tasks = (ROOT / "solutions" / "a3_frameworks" / "a3_tasks.csv").read_text().splitlines()
    graded_ids = {line.split(",")[0] for line in a3_tasks[1:]}
    with (ROOT / "solutions" / "a5_decision_rights" / "a5_tasks.csv").open() as handle:
        a5_tasks = list(csv.DictReader(handle))
    graded_ids |= {row["task"] for row in a5_tasks}
    for row in a5_tasks:
        assert row["title"].casefold() not in known and row["description"].casefold() not in known
    for assignment in ASSIGNMENT_IDS:
        notebook = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
        for item in SPECS[assignment].items:
            graded_ids |= set(item.ids) if item.kind in ("sort", "raci") else set()
        for _, source in cell_sources(notebook):
            for line in source.splitlines():
                stripped = line.lstrip()
                if (stripped.startswith('"') and "#" in line) or stripped.startswith("# "):
                    assert line.split("#", 1)[1].strip().casefold() not in known, line
    assert graded_ids and not graded_ids & set(catalog.index), graded_ids & set(catalog.index)
