"""Settings are read as nbgrader reads them: the Jupyter config path, then the course folder.

Each test points ``JUPYTER_CONFIG_DIR`` at a temporary folder holding an
``nbgrader_config.py`` (where nbgrader's JupyterHub docs put the gradebook and course id), so
the real files of this machine are not involved; plain ``nbgrader`` runs with the same
environment and must see what ``pmcourse`` sees.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from nbgrader_support import BIN, nbgrader_env

from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.gradebook import create_students
from course_lib._pipeline.settings import load_settings
from course_lib.cli import main

pytestmark = pytest.mark.nbgrader


@pytest.fixture
def jupyter_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty Jupyter config folder, the first of the Jupyter config path."""
    folder = tmp_path / "jupyter-config"
    folder.mkdir()
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(folder))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")
    yield folder


def _course(folder: Path, *lines: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = "c = get_config()\nc.CourseDirectory.source_directory = 'solutions'\n"
    (folder / "nbgrader_config.py").write_text(text + "".join(f"{line}\n" for line in lines))
    return folder


def _hub_config(jupyter_dir: Path, *lines: str) -> Path:
    path = jupyter_dir / "nbgrader_config.py"
    path.write_text("c = get_config()\n" + "".join(f"{line}\n" for line in lines))
    return path


def test_gradebook_and_course_id_from_the_jupyter_config_path(
    jupyter_dir: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared" / "gradebook.db"
    _hub_config(
        jupyter_dir,
        f"c.CourseDirectory.db_url = 'sqlite:///{shared}'",
        "c.CourseDirectory.course_id = 'hub-course'",
        "c.PmCourse.db_connections = 3",
    )
    course = _course(tmp_path / "course")
    settings = load_settings(course)
    assert settings.db_url == f"sqlite:///{shared}"
    assert settings.course_id == "hub-course"
    assert settings.options.db_connections == 3
    assert settings.config_files == (
        jupyter_dir / "nbgrader_config.py",
        course / "nbgrader_config.py",
    )
    # The course folder's file is read last and wins for what it sets.
    _course(course, "c.PmCourse.db_connections = 1")
    assert load_settings(course).options.db_connections == 1


def test_plain_nbgrader_uses_the_gradebook_pmcourse_uses(jupyter_dir: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    _hub_config(jupyter_dir, f"c.CourseDirectory.db_url = 'sqlite:///{shared / 'gb.db'}'")
    course = _course(tmp_path / "course")
    create_students(load_settings(course), ["ada_from_pmcourse"])
    assert not (course / "gradebook.db").exists()
    env = nbgrader_env()
    env["JUPYTER_CONFIG_DIR"] = str(jupyter_dir)
    env["JUPYTER_PREFER_ENV_PATH"] = "0"
    listed = subprocess.run(
        [str(BIN / "nbgrader"), "db", "student", "list"],
        cwd=course, env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert "ada_from_pmcourse" in listed.stdout + listed.stderr


def test_a_different_course_id_in_the_course_folder_stops_with_both_sources(
    jupyter_dir: Path, tmp_path: Path
) -> None:
    hub = _hub_config(jupyter_dir, "c.CourseDirectory.course_id = 'hub-course'")
    course = _course(tmp_path / "course", "c.CourseDirectory.course_id = 'folder-course'")
    with pytest.raises(PipelineError) as stopped:
        load_settings(course)
    message = str(stopped.value)
    for part in ("'hub-course'", "'folder-course'", str(hub), str(course / "nbgrader_config.py")):
        assert part in message


def test_a_different_gradebook_stops_with_both_urls_and_no_password(
    jupyter_dir: Path, tmp_path: Path
) -> None:
    hub = _hub_config(
        jupyter_dir, "c.CourseDirectory.db_url = 'postgresql://grader:s3cret@db.example/course'"
    )
    course = _course(tmp_path / "course", "c.CourseDirectory.db_url = 'sqlite:///local.db'")
    with pytest.raises(PipelineError) as stopped:
        load_settings(course)
    message = str(stopped.value)
    assert "postgresql://grader:***@db.example/course" in message
    assert "'sqlite:///local.db'" in message
    assert str(hub) in message and str(course / "nbgrader_config.py") in message
    assert "s3cret" not in message
    # The command line turns it into exit code 2 with the message.
    assert main(["export", "--course-dir", str(course)]) == 2


def test_a_hub_root_elsewhere_means_another_default_gradebook(
    jupyter_dir: Path, tmp_path: Path
) -> None:
    other = tmp_path / "srv" / "course"
    other.mkdir(parents=True)
    _hub_config(jupyter_dir, f"c.CourseDirectory.root = '{other}'")
    course = _course(tmp_path / "course", f"c.CourseDirectory.root = '{tmp_path / 'course'}'")
    with pytest.raises(PipelineError, match="different gradebooks") as stopped:
        load_settings(course)
    assert str(other / "gradebook.db") in str(stopped.value)
    assert str(course / "gradebook.db") in str(stopped.value)


def test_the_same_values_on_both_sides_are_fine(jupyter_dir: Path, tmp_path: Path) -> None:
    _hub_config(
        jupyter_dir,
        "c.CourseDirectory.course_id = 'same'",
        "c.CourseDirectory.db_url = 'sqlite:////srv/gradebook.db'",
    )
    course = _course(
        tmp_path / "course",
        "c.CourseDirectory.course_id = 'same'",
        "c.CourseDirectory.db_url = 'sqlite:////srv/gradebook.db'",
    )
    settings = load_settings(course)
    assert (settings.course_id, settings.db_url) == ("same", "sqlite:////srv/gradebook.db")


def test_a_demo_course_ignores_the_jupyter_config_path(jupyter_dir: Path, tmp_path: Path) -> None:
    _hub_config(jupyter_dir, "c.CourseDirectory.course_id = 'hub-course'")
    course = _course(tmp_path / "course", "c.CourseDirectory.course_id = 'demo'")
    settings = load_settings(course, jupyter_path=False)
    assert settings.course_id == "demo"
    assert settings.db_url == f"sqlite:///{course.resolve() / 'gradebook.db'}"


def test_a_bad_pmcourse_setting_names_the_setting(tmp_path: Path) -> None:
    course = _course(tmp_path / "course", "c.PmCourse.db_connections = 0")
    with pytest.raises(PipelineError, match=r"c\.PmCourse"):
        load_settings(course, jupyter_path=False)
