"""Pipeline pieces that need no nbgrader run: settings, feedback scrubbing, grade-cell
comparison, failure reasons, the grades table and the report's partition comparison."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_lib._pipeline.audit import grade_cell_changes
from course_lib._pipeline.demo import demo_cohort
from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.report.tables import partition_tables
from course_lib._pipeline.results import failure_reason
from course_lib._pipeline.settings import load_settings
from course_lib.nbgrader_plugins.feedback import HIDDEN_NOTE, HideHiddenTests

ROOT = Path(__file__).resolve().parents[1]


def _meta(grade_id: str, **flags: object) -> dict[str, object]:
    return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, **flags}}


def test_settings_come_from_the_course_config(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'demo'\n"
        "c.CourseDirectory.source_directory = 'solutions'\n"
        "c.CourseDirectory.db_url = 'postgresql://grader@db/course'\n"
    )
    settings = load_settings(tmp_path)
    assert settings.root == tmp_path.resolve()
    assert settings.course_id == "demo"
    assert settings.db_url == "postgresql://grader@db/course"
    assert settings.source_dir == tmp_path.resolve() / "solutions"
    assert settings.release_dir == tmp_path.resolve() / "release"  # nbgrader's default
    assert settings.config.CourseDirectory.root == str(tmp_path.resolve())


def test_default_gradebook_is_sqlite_in_the_course_root(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    settings = load_settings(tmp_path)
    assert settings.db_url == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"


def test_repository_config_loads() -> None:
    settings = load_settings(ROOT)
    assert settings.course_id == "pm-vs-pmm"
    assert settings.source_dir == ROOT / "solutions"
    assert settings.release_dir == ROOT / "exercises"


def test_missing_config_is_a_pipeline_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"no nbgrader_config\.py in"):
        load_settings(tmp_path)


def _graded_notebook() -> nbformat.NotebookNode:
    test = new_code_cell(
        "check_answer('a1_roles', 'roles')\n"
        "### BEGIN HIDDEN TESTS\n"
        '_SECRET = "s3cr3t-value"\n'
        '_KEY = {"churn_interviews": "product_management"}\n'
        "0.0\n"
        "### END HIDDEN TESTS",
        metadata=_meta("test_roles", grade=True, solution=False, locked=True, points=5),
    )
    test.outputs = [
        new_output(
            "error",
            ename="KeyError",
            evalue="'churn_interviews'",
            traceback=['----> 3 _KEY = {"churn_interviews": "product_management"}', "KeyError"],
        )
    ]
    student = new_code_cell(
        "roles_answer = {}  # BEGIN HIDDEN TESTS typed by a trainee", metadata={}
    )
    return new_notebook(cells=[new_markdown_cell("# A1"), student, test])


def test_feedback_hides_hidden_tests_and_their_tracebacks() -> None:
    notebook = _graded_notebook()
    cleaned, _ = HideHiddenTests(enforce_metadata=False).preprocess(notebook, {})
    text = nbformat.writes(cleaned)
    assert "s3cr3t-value" not in text
    assert "_KEY" not in text and 'churn_interviews\\": \\"product_management' not in text
    test = cleaned.cells[2]
    assert test.source.startswith("check_answer('a1_roles', 'roles')")
    assert test.source.endswith(HIDDEN_NOTE)
    assert test.outputs[0]["traceback"] == ["KeyError: 'churn_interviews'"]
    # a trainee's unmatched marker in their own cell is left alone, not an error
    assert cleaned.cells[1].source.startswith("roles_answer = {}")


def test_the_course_config_runs_the_scrubber_first_in_feedback() -> None:
    settings = load_settings(ROOT)
    steps = settings.config.GenerateFeedback.preprocessors
    assert steps[0] is HideHiddenTests
    assert settings.config.HideHiddenTests.enforce_metadata is False


def test_grade_cell_changes_finds_deleted_duplicated_retyped_and_edited_cells() -> None:
    locked = {"grade": True, "solution": False, "locked": True, "points": 1}
    released = new_notebook(
        cells=[
            new_code_cell("answer = None", metadata=_meta("answer_a", solution=True)),
            new_code_cell("test_a()", metadata=_meta("test_a", **locked)),
            new_code_cell("test_b()", metadata=_meta("test_b", **locked)),
            new_code_cell("test_c()", metadata=_meta("test_c", **locked)),
            new_code_cell("test_d()", metadata=_meta("test_d", **locked)),
        ]
    )
    intact = nbformat.from_dict(released)
    assert grade_cell_changes(released, intact) == []
    tampered = nbformat.from_dict(released)
    tampered.cells[0].source = "answer = {'x': 1}"  # answering is not tampering
    tampered.cells[1].source = "1.0  # full marks please"
    tampered.cells.append(nbformat.from_dict(tampered.cells[2]))
    tampered.cells[3] = new_markdown_cell("test_c()", metadata=_meta("test_c", **locked))
    del tampered.cells[4]
    assert grade_cell_changes(released, tampered) == [
        "test_a edited",
        "test_b duplicated (2 copies)",
        "test_c retyped (code -> markdown)",
        "test_d deleted",
    ]


def test_failure_reason_is_one_line_naming_the_error_and_the_folder() -> None:
    result = {
        "success": False,
        "log": "[INFO] Converting\n    nbformat.reader.NotJSONError: Notebook does not appear "
        "to be JSON: '{\"cells\": ['\n[ERROR] There was an error processing assignment",
        "error": "Traceback ...\nnbgrader.converters.base.NbGraderException: Please see",
    }
    reason = failure_reason(result, Path("/course/submitted/ann/a1_roles"))
    assert reason.startswith("NotJSONError: Notebook does not appear to be JSON")
    assert reason.endswith("[/course/submitted/ann/a1_roles]")
    assert "NbGraderException" not in reason
    assert failure_reason({"success": False}) == "nbgrader autograde failed (see its log)"


def test_partition_tables_say_which_framework_the_cohort_sides_with() -> None:
    majority = pd.Series(
        {"t1": "product_management", "t2": "product_marketing", "t3": "marcom"}, name="cohort"
    )
    frameworks = {
        "Pragmatic": pd.Series(
            {"t1": "product_management", "t2": "product_management", "t3": "shared"}
        ),
        "Blackblot": pd.Series(
            {"t1": "product_management", "t2": "product_marketing", "t3": "shared"}
        ),
    }
    summary, sides, comparisons = partition_tables(
        {("a1", "test_roles"): majority}, {("a1", "test_roles"): frameworks}
    )
    agreement = dict(zip(summary["compared_with"], summary["agreement"], strict=True))
    assert agreement == pytest.approx({"Pragmatic": 1 / 3, "Blackblot": 2 / 3})
    assert list(sides["cohort_sides_with"]) == ["both", "Blackblot", "neither"]
    drawn = {c.name_b: c.agreement for _, _, c in comparisons}  # one heat map per framework
    assert drawn == pytest.approx({"Pragmatic": 1 / 3, "Blackblot": 2 / 3})


def test_bundled_demo_cohort_has_30_trainees_with_broken_and_tampered_ones() -> None:
    from course_lib._pipeline.demo import cohort

    trainees = demo_cohort()
    assert len(trainees) >= 30
    kinds = set(trainees.values())
    assert kinds <= set(cohort.SUBMISSION_KINDS)
    assert {
        "correct",
        "malformed_json",
        "cheat_input_transformer",
        "grade_cell_edited",
        "answer_cell_deleted",
    } <= kinds
    assert len(demo_cohort(40)) == 40 and len(demo_cohort(5)) == 5


def test_only_transient_failures_are_retried() -> None:
    from course_lib._pipeline.autograder import is_transient_failure

    assert is_transient_failure({"error": "sqlalchemy.exc.OperationalError: database is locked"})
    assert is_transient_failure({"log": "zmq.error.ZMQError: Address already in use"})
    assert not is_transient_failure({"log": "NotJSONError: Notebook does not appear to be JSON"})


def test_fresh_kernels_flag_reaches_the_grade_command() -> None:
    from course_lib.cli import build_parser

    assert build_parser().parse_args(["grade", "--fresh-kernels"]).fresh_kernels is True
    assert build_parser().parse_args(["grade"]).fresh_kernels is False


def test_framework_labels_come_from_the_hidden_test_or_a_task_csv(tmp_path: Path) -> None:
    from course_lib._pipeline.report.tables import framework_partitions
    from course_lib.grading.keys import ItemKey

    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.source_directory = 'solutions'\n"
    )
    folder = tmp_path / "solutions" / "a9"
    folder.mkdir(parents=True)
    (folder / "tasks.csv").write_text(
        "task,description,pragmatic_box,blackblot_owner\n"
        "t1,x,market_problems,product_marketer\n"
        "t3,z,launch,product_planner\n"
    )
    key = ItemKey(
        "test_roles",
        {"t1": "product_management", "t2": "marcom", "t3": "product_marketing"},
        extra={"_PRAGMATIC": {"t2": "marcom"}},
    )
    frameworks = framework_partitions(load_settings(tmp_path), "a9", key)
    assert frameworks["Pragmatic"].to_dict() == {
        "t2": "marcom",
        "t1": "product_management",
        "t3": "product_marketing",
    }
    assert frameworks["Blackblot"].to_dict() == {
        "t1": "product_marketing",
        "t3": "product_management",
    }


def test_a1_roles_sorting_tasks_have_both_framework_partitions() -> None:
    """The report compares a1's graded sort with Pragmatic and Blackblot (hidden-test literals)."""
    from course_lib._pipeline.report.tables import framework_partitions
    from course_lib.grading.keys import read_keys

    settings = load_settings(ROOT)
    key = read_keys(ROOT / "solutions" / "a1_roles" / "a1_roles.ipynb")["test_roles"]
    frameworks = framework_partitions(settings, "a1_roles", key)
    assert set(frameworks) == {"Pragmatic", "Blackblot"}
    for labels in frameworks.values():
        assert sorted(labels.index) == sorted(key.key)
    pragmatic, blackblot = frameworks["Pragmatic"], frameworks["Blackblot"]
    assert pragmatic["joint_roadmap_review"] == "shared"
    assert blackblot["joint_roadmap_review"] == "product_management"
    assert pragmatic["conference_keynote"] == "product_marketing"
    assert blackblot["conference_keynote"] == "product_management"
    # A cohort that answers with the course key sides with Pragmatic on both disagreements.
    cohort = pd.Series(key.key, name="cohort")
    summary, sides, _ = partition_tables(
        {("a1_roles", "test_roles"): cohort}, {("a1_roles", "test_roles"): frameworks}
    )
    agreement = dict(zip(summary["compared_with"], summary["agreement"], strict=True))
    assert agreement["Pragmatic"] == pytest.approx(1.0)
    assert agreement["Blackblot"] == pytest.approx(13 / 15)
    by_task = sides.set_index("task")["cohort_sides_with"]
    assert by_task["joint_roadmap_review"] == by_task["conference_keynote"] == "Pragmatic"
    assert (by_task.drop(["joint_roadmap_review", "conference_keynote"]) == "both").all()
