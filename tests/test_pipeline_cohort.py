"""``pmcourse`` end to end on a small synthetic cohort, with nbgrader for real.

One temporary course per module (a copy of ``nbgrader_config.py`` and two assignments'
solutions: a1_roles with sorting answers, a4_team_audit with computed ones); the commands run
in-process through ``course_lib.cli.main``, as the console script does.
"""

from __future__ import annotations

import base64
import csv
import html
import re
import shutil
from pathlib import Path

import pytest
from nbgrader_support import run_nbgrader

from course_lib._pipeline.demo import cohort
from course_lib._pipeline.export import item_scores
from course_lib._pipeline.report import MOST_MISSED
from course_lib._pipeline.report.tables import build_tables
from course_lib._pipeline.settings import load_settings
from course_lib.cli import main
from course_lib.grading.keys import read_keys
from course_lib.nbgrader_plugins.grade_rows import ITEM_COLUMNS

pytestmark = [pytest.mark.nbgrader, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("a1_roles", "a4_team_audit")
KINDS = {
    "a1_roles": {
        "ann": "correct",
        "bob": "partial",
        "cy": "blank",
        "dee": "malformed_json",
        "eve": "cheat_input_transformer",
        "fay": "grade_cell_edited",
        "gus": "cheat_builtins",
        "hal": "answer_cell_deleted",
    },
    "a4_team_audit": {
        "ann": "correct",
        "bob": "partial",
        "eve": "cheat_input_transformer",
        "hal": "answer_cell_deleted",
    },
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course with both assignments released and the cohort submitted (not yet graded)."""
    root = tmp_path_factory.mktemp("pipeline") / "course"
    root.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for name in ASSIGNMENTS:
        shutil.copytree(ROOT / "solutions" / name, root / "solutions" / name)
        assert main(["release", name, "--course-dir", str(root)]) == 0
        cohort.write_cohort(root, name, KINDS[name], seed=11)
    return root


@pytest.fixture(scope="module")
def graded(course: Path) -> Path:
    """The course after one ``pmcourse grade``: exit 1, since one notebook is unreadable."""
    assert main(["grade", "--course-dir", str(course), "--no-progress"]) == 1
    return course


def test_release_generates_the_exercises_without_keys(course: Path) -> None:
    for name in ASSIGNMENTS:
        released = course / "exercises" / name / f"{name}.ipynb"
        assert released.is_file()
        text = released.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "_KEY" not in text
        for key in read_keys(course / "solutions" / name / f"{name}.ipynb").values():
            assert all(reason[:60] not in text for reason in key.explanations.values())


def _totals(path: Path) -> dict[tuple[str, str], float]:
    """(assignment, student) -> summed score of the tidy per-item grades CSV."""
    totals: dict[tuple[str, str], float] = {}
    for row in _rows(path):
        key = (row["assignment"], row["student"])
        totals[key] = totals.get(key, 0.0) + float(row["score"])
    return totals


def test_grade_gives_every_kind_its_expected_score(graded: Path) -> None:
    totals = _totals(graded / "reports" / "grades.csv")
    for name, kinds in KINDS.items():
        for student, kind in kinds.items():
            expected = cohort.expected_score(name, kind)
            assert totals[(name, student)] == pytest.approx(expected, abs=1e-3), (student, kind)


def test_grades_csv_has_a_row_per_student_and_item(graded: Path) -> None:
    rows = _rows(graded / "reports" / "grades.csv")
    assert list(rows[0]) == ITEM_COLUMNS
    a1 = {(row["student"], row["item"]) for row in rows if row["assignment"] == "a1_roles"}
    students = {student for kinds in KINDS.values() for student in kinds}
    # Every student known to the gradebook, also those who did not submit a1 or a4.
    assert a1 == {(s, item) for s in students for item in ("test_roles", "test_kpis")}
    ann = {(row["assignment"], row["item"]): row for row in rows if row["student"] == "ann"}
    assert float(ann[("a1_roles", "test_roles")]["score"]) == 5.0
    assert ann[("a1_roles", "test_roles")]["graded_by"] == "auto"
    assert ("a4_team_audit", "test_role_mix") in ann
    not_submitted = [row for row in rows if row["assignment"] == "a4_team_audit"]
    cy = [row for row in not_submitted if row["student"] == "cy"]
    assert cy and all(row["submitted"] == "False" and float(row["score"]) == 0 for row in cy)


def test_a_broken_submission_is_recorded_with_its_reason(graded: Path) -> None:
    log = {
        (row["assignment"], row["student"]): row
        for row in _rows(graded / "reports" / "grading_log.csv")
    }
    broken = log[("a1_roles", "dee")]
    assert broken["ok"] == "False"
    assert "NotJSONError" in broken["reason"]
    assert str(graded / "submitted" / "dee" / "a1_roles") in broken["reason"]
    assert all(row["ok"] == "True" for key, row in log.items() if key != ("a1_roles", "dee"))
    assert _totals(graded / "reports" / "grades.csv")[("a1_roles", "dee")] == 0.0


def test_feedback_shows_results_but_never_hidden_tests(graded: Path) -> None:
    pairs: set[str] = set()
    reasons: set[str] = set()
    for name in ASSIGNMENTS:
        for key in read_keys(graded / "solutions" / name / f"{name}.ipynb").values():
            reasons |= set(key.explanations.values())
            if isinstance(key.key, dict):
                pairs |= {
                    f"&quot;{task}&quot;: &quot;{label}&quot;"
                    for task, label in key.key.items()
                    if isinstance(label, str)
                }
    files = sorted((graded / "feedback").glob("*/*/*.html"))
    assert len(files) == sum(len(kinds) for kinds in KINDS.values()) - 1  # not the broken one
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "_KEY" not in text, path
        assert "_EXPLAIN" not in text, path
        assert "PMCOURSE-EVIDENCE" not in text, path
        assert "Score:" in text, path
        visible = " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
        assert not [reason for reason in reasons if reason in visible], path
    blank = (graded / "feedback" / "cy" / "a1_roles" / "a1_roles.html").read_text(encoding="utf-8")
    assert "0 of 15 labelled right" in " ".join(
        html.unescape(re.sub(r"<[^>]+>", "", blank)).split()
    )
    leaked = [pair for pair in pairs if pair in blank]
    assert leaked == []


def test_regrading_gives_the_same_scores(graded: Path) -> None:
    settings = load_settings(graded)
    before = item_scores(settings, list(ASSIGNMENTS))
    grades_before = (graded / "reports" / "grades.csv").read_text(encoding="utf-8")
    assert (
        main(["grade", "a1_roles", "a4_team_audit", "--course-dir", str(graded), "--no-progress"])
        == 1
    )
    after = item_scores(settings, list(ASSIGNMENTS))
    assert before[["assignment", "student", "item", "score"]].equals(
        after[["assignment", "student", "item", "score"]]
    )
    assert (graded / "reports" / "grades.csv").read_text(encoding="utf-8") == grades_before


def test_grading_with_kernels_started_from_scratch_gives_the_same_scores(
    graded: Path, tmp_path: Path
) -> None:
    from course_lib._pipeline.grade import grade_cohort

    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    settings = load_settings(copy)
    grade_cohort(settings, ["a1_roles"], workers=2, progress=False, forked_kernels=False)
    fresh = item_scores(settings, ["a1_roles"])
    forked = item_scores(load_settings(graded), ["a1_roles"])
    assert fresh[["student", "item", "score"]].equals(forked[["student", "item", "score"]])


def test_report_writes_html_with_plots_and_csvs(graded: Path) -> None:
    assert main(["report", "--course-dir", str(graded)]) == 0
    reports = graded / "reports"
    page = (reports / "report.html").read_text(encoding="utf-8")
    for section in (
        "Scores",
        "share correct",
        "Most-missed tasks",
        "majority partition",
    ):
        assert section in page
    # One portable file: every picture is inlined as PNG data, nothing is linked; the cohort's
    # majority partition of the graded role sort is drawn against each framework.
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', page)
    assert [alt for _, alt in images] == [
        "histograms of the share of autograded points per assignment",
        "share of points earned per autograded item",
        "a1_roles, test_roles: the cohort against Pragmatic",
        "a1_roles, test_roles: the cohort against Blackblot",
    ]
    for data, _ in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(reports.glob("*.png"))
    items = {(row["assignment"], row["item"]): row for row in _rows(reports / "items.csv")}
    assert float(items[("a1_roles", "test_roles")]["points"]) == 5.0
    tasks = _rows(reports / "tasks.csv")
    assert {row["item"] for row in tasks} == {"test_roles", "test_kpis"}
    shares = [float(row["share_correct"]) for row in tasks]
    assert shares == sorted(shares)  # most-missed first
    # Each task's reason for its expected label comes from the hidden test; the task as the
    # trainee read it (the comment in the answer cell) has its own column.
    keys = read_keys(graded / "solutions" / "a1_roles" / "a1_roles.ipynb")
    for row in tasks:
        assert row["explanation"] == keys[row["item"]].explanations[row["task"]], row
        assert row["task_text"] and row["task_text"] != row["explanation"], row
    texts = {row["task"]: row["task_text"] for row in tasks}
    assert texts["win_rate"] == "Share of competitive deals won"
    missed = tasks[:MOST_MISSED]
    text = html.unescape(page.replace("<wbr>", ""))
    assert missed[0]["explanation"] and missed[0]["explanation"] in text
    assert all(f"“{row['task_text']}”" in text for row in missed)
    partitions = _rows(reports / "partitions.csv")
    assert {row["item"] for row in partitions} == {"test_roles", "test_kpis"}
    # The graded role sort is compared with each framework (labels from its hidden test).
    compared = {row["compared_with"]: row for row in partitions if row["item"] == "test_roles"}
    assert set(compared) == {"Pragmatic", "Blackblot", "course key"}
    for name in ("Pragmatic", "Blackblot"):
        assert compared[name]["tasks"] == "15"
        assert 0.0 <= float(compared[name]["agreement"]) <= 1.0
    sides = [row for row in _rows(reports / "partition_tasks.csv") if row["item"] == "test_roles"]
    assert len(sides) == 15
    assert {row["cohort_sides_with"] for row in sides} <= {
        "both",
        "Pragmatic",
        "Blackblot",
        "neither",
    }
    disputed = {row["task"]: row for row in sides if row["Pragmatic"] != row["Blackblot"]}
    assert {"joint_roadmap_review", "conference_keynote"} <= set(disputed)
    assert all(row["cohort_sides_with"] != "both" for row in disputed.values())
    assert "No framework labels" not in page
    assert "conference_keynote" in text  # a disputed task is listed on the page


def test_report_falls_back_to_the_task_text_where_no_reason_is_given(
    graded: Path, tmp_path: Path
) -> None:
    """A solution whose hidden test has no ``_EXPLAIN`` still gets a readable explanation."""
    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    notebook = copy / "solutions" / "a1_roles" / "a1_roles.ipynb"
    text = notebook.read_text(encoding="utf-8")
    start = text.index('"_EXPLAIN = {\\n",')
    end = text.index('"}\\n",', start) + len('"}\\n",')
    notebook.write_text(text[:start] + text[end:], encoding="utf-8")  # drop test_roles' reasons
    keys = read_keys(notebook)
    assert keys["test_roles"].explanations == {} and keys["test_kpis"].explanations
    tasks = build_tables(load_settings(copy), ["a1_roles"]).tasks
    roles = tasks[tasks["item"] == "test_roles"]
    assert len(roles) == 15 and (roles["explanation"] == roles["task_text"]).all()
    kpis = tasks[tasks["item"] == "test_kpis"].set_index("task")
    assert kpis.at["win_rate", "explanation"] == keys["test_kpis"].explanations["win_rate"]


def test_audit_flags_exactly_the_tampered_and_broken_submissions(
    graded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--course-dir", str(graded), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "student(s) flagged" in out
    findings = _rows(graded / "reports" / "audit.csv")
    found: dict[tuple[str, str], set[str]] = {}
    for row in findings:
        found.setdefault((row["assignment"], row["student"]), set()).add(row["check"])
    for name, kinds in KINDS.items():
        for student, kind in kinds.items():
            expected = cohort.expected_flagged(name, kind)
            assert found.get((name, student), set()) == expected.checks, (name, student, kind)
    # A deleted answer cell is audited on what nbgrader graded (the stub it put back): clean.
    assert ("a1_roles", "hal") not in found and ("a4_team_audit", "hal") not in found
    checks = {(row["assignment"], row["student"], row["check"]) for row in findings}
    assert ("a1_roles", "eve", "handover_missing") in checks
    assert ("a4_team_audit", "eve", "handover_missing") in checks
    assert ("a1_roles", "fay", "grade_cell_changed") in checks
    assert ("a1_roles", "dee", "not_graded") in checks


def test_audit_without_an_autograded_notebook_says_so(graded: Path, tmp_path: Path) -> None:
    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    shutil.rmtree(copy / "autograded" / "ann" / "a1_roles")
    assert main(["audit", "a1_roles", "--course-dir", str(copy), "--no-progress"]) == 1
    ann = [row for row in _rows(copy / "reports" / "audit.csv") if row["student"] == "ann"]
    assert [row["check"] for row in ann] == ["not_graded"]
    assert "no autograded notebook" in ann[0]["detail"]
    assert str(copy / "autograded" / "ann" / "a1_roles") in ann[0]["detail"]


def test_audit_catches_a_score_changed_in_the_gradebook(graded: Path, tmp_path: Path) -> None:
    from nbgrader.api import Gradebook

    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    settings = load_settings(copy)
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        grade = gradebook.find_grade("test_roles", "a1_roles", "a1_roles", "cy")
        grade.auto_score = 5.0
        gradebook.db.commit()
    assert main(["audit", "a1_roles", "--course-dir", str(copy), "--no-progress"]) == 1
    checks = {
        row["check"] for row in _rows(copy / "reports" / "audit.csv") if row["student"] == "cy"
    }
    assert checks == {"gradebook_differs"}


def test_unreadable_source_notebook_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course = tmp_path / "course"
    (course / "solutions" / "a1_roles").mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    broken = course / "solutions" / "a1_roles" / "a1_roles.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    assert main(["release", "a1_roles", "--course-dir", str(course)]) == 2
    err = capsys.readouterr().err
    assert str(course / "solutions" / "a1_roles") in err
    assert "Traceback" not in err


def test_report_names_an_unreadable_solution_and_the_audit_needs_none(
    graded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "course"
    shutil.copytree(graded, copy)
    solution = copy / "solutions" / "a1_roles" / "a1_roles.ipynb"
    solution.write_text('{"cells": [', encoding="utf-8")
    assert main(["report", "a1_roles", "--course-dir", str(copy)]) == 2
    err = capsys.readouterr().err
    assert str(solution) in err and "Traceback" not in err
    # The audit reads no key: it works from the release and what the grader recorded.
    assert main(["audit", "a1_roles", "--course-dir", str(copy), "--no-progress"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_plain_nbgrader_feedback_is_the_same_as_pmcourse_grades(
    graded: Path, tmp_path: Path
) -> None:
    """Every pipeline is defined once (nbgrader_config.py): ``nbgrader generate_feedback``
    on the same autograded notebooks writes the same feedback files as ``pmcourse grade``."""
    copy = tmp_path / "course"
    shutil.copytree(graded, copy, ignore=shutil.ignore_patterns("feedback"))
    for name in ASSIGNMENTS:
        run_nbgrader(copy, "generate_feedback", name, "--force")
    ours = sorted(p.relative_to(graded / "feedback") for p in (graded / "feedback").rglob("*.html"))
    theirs = sorted(p.relative_to(copy / "feedback") for p in (copy / "feedback").rglob("*.html"))
    assert ours == theirs and len(ours) == sum(len(kinds) for kinds in KINDS.values()) - 1
    for path in ours:
        mine = (graded / "feedback" / path).read_text(encoding="utf-8")
        stock = (copy / "feedback" / path).read_text(encoding="utf-8")
        assert mine == stock, path
        assert "PMCOURSE-EVIDENCE" not in mine and "BEGIN HIDDEN TESTS" not in mine
