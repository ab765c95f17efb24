"""``pmcourse quickstart`` from the built wheels in a fresh virtual environment.

The course_lib wheel ships the config and lessons but no solutions (they hold the keys); the
instructors' wheel (``instructor/``) ships them. With both installed, ``quickstart`` lays out
a course in an empty folder where ``release``, ``grade`` and ``demo`` work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.quickstart import lay_out_course
from course_lib._pipeline.settings import load_settings
from course_lib.grading.items import load_assignment_specs

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _wheel(source: Path, out: Path) -> Path:
    """Build the wheel of the project in ``source`` into ``out`` (a fresh build folder)."""
    shutil.rmtree(source / "build", ignore_errors=True)  # no stale files from an older build
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out),
         str(source)],
        check=True, capture_output=True,
    )  # fmt: skip
    built = sorted(out.glob("*.whl"), key=lambda path: path.stat().st_mtime)
    return built[-1]


def _fresh_venv(folder: Path) -> Path:
    """A new virtual environment whose dependencies (pandas, nbgrader...) come from the test
    environment's site-packages as a plain path entry; returns its bin/ folder."""
    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / "bin" / "python"
    fresh_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(fresh_site) / "_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    return folder / "bin"


def _install(bin_dir: Path, wheel: Path) -> None:
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip


def _pmcourse(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    # The fresh venv first; console scripts of the dependencies (alembic) from the test venv.
    env["PATH"] = f"{bin_dir}{os.pathsep}{BIN}{os.pathsep}{env.get('PATH', '')}"
    # ... and their data files (nbconvert's templates), which pip put under the test venv.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return subprocess.run(
        [str(bin_dir / "pmcourse"), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.mark.nbgrader
@pytest.mark.slow
def test_quickstart_from_the_wheels_then_release_grade_and_demo(tmp_path: Path) -> None:
    course_wheel = _wheel(ROOT, tmp_path / "dist")
    solutions_wheel = _wheel(ROOT / "instructor", tmp_path / "dist-solutions")
    shipped = zipfile.ZipFile(course_wheel).namelist()
    assert "course_lib/data/course/nbgrader_config.py.txt" in shipped
    assert "course_lib/data/course/lessons/00_start_here.ipynb" in shipped
    assert not [name for name in shipped if "solutions/" in name]  # the keys ship apart
    bin_dir = _fresh_venv(tmp_path / "fresh")
    _install(bin_dir, course_wheel)

    # Without the instructors' package, quickstart says what to install.
    refused = _pmcourse(bin_dir, tmp_path, "quickstart", "course")
    assert refused.returncode == 2, refused.stderr
    assert "pm-vs-pmm-course-solutions" in refused.stderr
    assert not (tmp_path / "course").exists()

    _install(bin_dir, solutions_wheel)
    made = _pmcourse(bin_dir, tmp_path, "quickstart", "course", "--course-id", "pm-2025")
    assert made.returncode == 0, made.stderr
    course = tmp_path / "course"
    for name in ("nbgrader_config.py", "course/00_start_here.ipynb", "solutions/a3_frameworks"):
        assert (course / name).exists(), name
    for assignment in load_assignment_specs():
        source = course / "solutions" / assignment / f"{assignment}.ipynb"
        assert source.read_bytes() == (ROOT / "solutions" / assignment / source.name).read_bytes()
    assert "c.CourseDirectory.course_id = 'pm-2025'" in (course / "nbgrader_config.py").read_text()
    again = _pmcourse(bin_dir, tmp_path, "quickstart", "course")
    assert again.returncode == 2 and "already holds a course" in again.stderr

    # release and grade work in the new course (one trainee hands in the solution) ...
    released = _pmcourse(bin_dir, course, "release", "a1_roles", "--no-progress")
    assert released.returncode == 0, released.stderr
    assert (course / "exercises" / "a1_roles" / "a1_roles.ipynb").is_file()
    submission = course / "submitted" / "ann" / "a1_roles"
    submission.mkdir(parents=True)
    shutil.copy(course / "solutions" / "a1_roles" / "a1_roles.ipynb", submission)
    graded = _pmcourse(bin_dir, course, "grade", "--workers", "1", "--no-progress")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "graded 1 of 1 submissions" in graded.stdout
    points = load_assignment_specs()["a1_roles"].autograded_points
    items = (course / "reports" / "grades.csv").read_text().splitlines()[1:]
    assert sum(float(row.split(",")[5]) for row in items) == pytest.approx(points)

    # ... and so does the demo, which copies this course.
    demo = _pmcourse(
        bin_dir, course, "demo", "--students", "3", "--assignments", "a1_roles",
        "--output", str(tmp_path / "demo"), "--no-progress",
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert f"from {course}" in demo.stdout
    assert "every trainee got the score" in demo.stdout
    page = tmp_path / "demo" / "reports" / "report.html"
    assert page.is_file() and "Cohort report" in page.read_text(encoding="utf-8")


def test_quickstart_in_a_checkout_lays_out_a_course_nbgrader_can_load(tmp_path: Path) -> None:
    target = tmp_path / "new"
    written = lay_out_course(target, course_id="pm-2025")
    lessons = sorted(p.name for p in (ROOT / "course").glob("*.ipynb"))
    assert sorted(p.name for p in (target / "course").iterdir()) == lessons
    sources = [p for p in (ROOT / "solutions").rglob("*") if p.is_file()]
    assert written == 1 + len(lessons) + len(sources)
    settings = load_settings(target)
    assert settings.course_id == "pm-2025"
    assert settings.assignments() == sorted(load_assignment_specs())
    assert settings.source_dir == target.resolve() / "solutions"


def test_quickstart_keeps_an_existing_course_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "course"
    lay_out_course(target)
    (target / "notes.txt").write_text("mine")
    (target / "course" / "00_start_here.ipynb").write_text("edited")
    with pytest.raises(PipelineError, match=r"already holds a course .*--force"):
        lay_out_course(target)
    lay_out_course(target, force=True)
    assert (target / "notes.txt").read_text() == "mine"  # other files are kept
    restored = (target / "course" / "00_start_here.ipynb").read_bytes()
    assert restored == (ROOT / "course" / "00_start_here.ipynb").read_bytes()


def test_a_course_id_unusable_in_the_exchange_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"course id 'pm 2025/x'.*letters, digits"):
        lay_out_course(tmp_path / "course", course_id="pm 2025/x")
    assert not (tmp_path / "course").exists()
