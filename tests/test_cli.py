"""``pmcourse``: help text, exit codes, and clear errors for bad paths and names (no grading)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course_lib.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (
    "release",
    "collect",
    "grade",
    "return-feedback",
    "export",
    "report",
    "audit",
    "demo",
    "quickstart",
)


def _course(tmp_path: Path, assignments: tuple[str, ...] = ("a1_roles",)) -> Path:
    """A copy of the course's config and some solution folders."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for name in assignments:
        shutil.copytree(ROOT / "solutions" / name, course / "solutions" / name)
    return course


def test_help_lists_every_command_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out
    assert "0  everything ran" in out and "2  usage or configuration error" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help_with_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"pmcourse {command}" in out
    assert "exit codes" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["grade", "--workers", "0"]) == 2
    assert "expected at least 1" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2


def test_missing_course_folder_names_the_path_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    assert main(["grade", "--course-dir", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "--course-dir" in err
    assert "Traceback" not in err


def test_folder_without_config_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--course-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nbgrader_config.py" in err and str(tmp_path) in err


def test_broken_config_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Foo.bar = (\n")
    assert main(["audit", "--course-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "failed to load" in err and "SyntaxError" in err


def test_unknown_assignment_lists_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course = _course(tmp_path)
    for command in ("release", "grade", "report", "audit"):
        assert main([command, "a9_nope", "--course-dir", str(course)]) == 2
        err = capsys.readouterr().err
        assert "unknown assignment 'a9_nope'" in err
        assert "a1_roles" in err
        assert str(course / "solutions" / "a9_nope") in err


def test_grade_without_submissions_says_where_they_go(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course = _course(tmp_path)
    assert main(["grade", "--course-dir", str(course)]) == 2
    err = capsys.readouterr().err
    assert str(course / "submitted") in err
    assert "submitted/<student>/<assignment>/<assignment>.ipynb" in err


def test_report_and_audit_before_grading_say_grade_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course = _course(tmp_path)
    for command in ("report", "audit"):
        assert main([command, "--course-dir", str(course)]) == 2
        assert "Run `pmcourse grade` first" in capsys.readouterr().err


def test_demo_into_a_non_empty_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["demo", "--source", str(ROOT), "--output", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_parser_defaults_course_dir_to_none_meaning_cwd() -> None:
    args = build_parser().parse_args(["grade"])
    assert args.course_dir is None and args.assignments == [] and args.workers is None


def test_course_dir_works_before_or_after_the_command(tmp_path: Path) -> None:
    parser = build_parser()
    assert parser.parse_args(["--course-dir", str(tmp_path), "grade"]).course_dir == tmp_path
    assert parser.parse_args(["grade", "--course-dir", str(tmp_path)]).course_dir == tmp_path


@pytest.mark.parametrize(
    ("command", "nbgrader_steps"),
    [
        ("release", ["generate_assignment", "release_assignment"]),
        ("collect", ["nbgrader collect --update", "--before-duedate"]),
        ("return-feedback", ["generate_feedback", "release_feedback", "fetch_feedback"]),
        ("export", ["nbgrader export --exporter=", "canvas", "moodle"]),
        ("quickstart", ["nbgrader quickstart"]),
    ],
)
def test_exchange_commands_name_the_nbgrader_steps_they_run(
    command: str, nbgrader_steps: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for step in nbgrader_steps:
        assert step in out, step
