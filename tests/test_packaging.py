"""The package as people install it: a built wheel in a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# What setuptools prints when the packaging configuration is off (a data folder that is not a
# declared package, a deprecated option): a newcomer's install should show none of it.
SETUPTOOLS_WARNINGS = (
    "SetuptoolsDeprecationWarning",
    "SetuptoolsWarning",
    "is absent from the `packages` configuration",
    "Package would be ignored",
)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel, built verbosely, and everything the build printed."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--verbose",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("pm_vs_pmm_course-*.whl")
    return built, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(build: tuple[Path, str]) -> Path:
    return build[0]


def test_building_prints_no_setuptools_warning(build: tuple[Path, str]) -> None:
    output = build[1]
    assert "Successfully built pm-vs-pmm-course" in output  # the verbose log was captured
    found = [warning for warning in SETUPTOOLS_WARNINGS if warning in output]
    assert found == [], f"the build warns: {found}"


def test_wheel_declares_the_content_files_as_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {p.name for p in (ROOT / "course_lib" / "data").glob("*.csv")}
    assert bundled, "no content files in the source tree"
    for name in bundled:
        assert f"course_lib/data/{name}" in names
    assert "course_lib/py.typed" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "pmcourse = course_lib.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_wheel_ships_every_subpackage_and_the_report_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(
        path.parent.relative_to(ROOT).as_posix()
        for path in (ROOT / "course_lib").rglob("__init__.py")
    )
    assert len(packages) >= 8, packages  # grading, nbgrader_plugins, _pipeline, report, demo...
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    modules = [p.relative_to(ROOT).as_posix() for p in (ROOT / "course_lib").rglob("*.py")]
    missing = [module for module in modules if module not in names]
    assert not missing, missing
    assert "course_lib/_pipeline/report/report.html.j2" in names
    assert "course_lib/data/demo/cohort.csv" in names
    assert "course_lib/data/demo/tampering_cells.ipynb" in names


def _fresh_venv(wheel: Path, tmp_path: Path) -> Path:
    """A new virtual environment with the wheel installed; returns its python."""
    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Dependencies (pandas, ...) come from the test environment's site-packages as a plain path
    # entry; .pth files there (such as the editable install of this repo) are not processed.
    fresh_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(fresh_site) / "_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    return python


def test_wheel_in_a_fresh_venv_loads_the_content(wheel: Path, tmp_path: Path) -> None:
    python = _fresh_venv(wheel, tmp_path)
    env_dir = tmp_path / "fresh"
    probe = (
        "import course_lib, pathlib;"
        "print(len(course_lib.load_tasks()), len(course_lib.load_pragmatic_grid()));"
        "print(pathlib.Path(course_lib.__file__).resolve())"
    )
    result = subprocess.run(
        [str(python), "-I", "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    counts, location = result.stdout.split("\n")[:2]
    n_tasks, n_boxes = map(int, counts.split())
    assert n_tasks >= 45 and n_boxes == 37
    assert Path(location).is_relative_to(env_dir.resolve()), location


def test_wheel_in_a_fresh_venv_imports_every_public_name_and_runs_pmcourse(
    wheel: Path, tmp_path: Path
) -> None:
    python = _fresh_venv(wheel, tmp_path)
    probe = (
        "import course_lib, pathlib\n"
        "for name in course_lib.__all__:\n"
        "    getattr(course_lib, name)\n"
        "import course_lib.grading, course_lib.nbgrader_plugins, course_lib._pipeline.commands\n"
        "print(len(course_lib.__all__), pathlib.Path(course_lib.widgets.__file__).resolve())"
    )
    result = subprocess.run(
        [str(python), "-I", "-c", probe], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    count, location = result.stdout.split()
    assert int(count) >= 20
    assert Path(location).is_relative_to((tmp_path / "fresh").resolve()), location
    pmcourse = tmp_path / "fresh" / "bin" / "pmcourse"
    shown = subprocess.run(
        [str(pmcourse), "demo", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert shown.returncode == 0, shown.stderr
    assert "synthetic cohort" in shown.stdout and "--students" in shown.stdout
