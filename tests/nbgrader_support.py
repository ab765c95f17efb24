"""Shared helpers to run nbgrader for real in a temporary course directory.

A temporary course holds a copy of ``nbgrader_config.py`` and ``solutions/``; nbgrader runs
in it as a subprocess with the venv's ``bin/`` first on PATH (nbgrader shells out to
``alembic``). Test modules build one course per module and share it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from course_lib.grading.items import assignment_ids

ASSIGNMENT_IDS = assignment_ids()


ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def nbgrader_env() -> dict[str, str]:
    """The environment nbgrader needs: the venv's bin/ first on PATH, no stray config."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


def make_course(folder: Path) -> Path:
    """Copy the course's nbgrader config and solutions into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", folder / "solutions")
    return folder


def run_nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader <args>`` in ``course``; fail with its log when ``check`` and it fails."""
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-6000:]}"
        )
    return result


def generate_all(course: Path) -> None:
    """Run ``nbgrader generate_assignment`` for every assignment in ``course``."""
    for assignment in ASSIGNMENT_IDS:
        run_nbgrader(course, "generate_assignment", assignment, "--force")


def submit(course: Path, student: str, assignment: str, notebook: Path) -> None:
    """Place ``notebook`` (+ the release's data files) as ``student``'s submission."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for data_file in (course / "exercises" / assignment).iterdir():
        if data_file.suffix != ".ipynb":
            shutil.copy(data_file, folder / data_file.name)
    shutil.copy(notebook, folder / f"{assignment}.ipynb")


def gradebook_scores(course: Path, assignment: str) -> dict[str, dict[str, float | None]]:
    """Return ``{student: {grade_id: auto score}}`` for ``assignment`` from the gradebook."""
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, float | None]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            grades: dict[str, float | None] = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grades[grade.name] = grade.auto_score
            scores[submission.student_id] = grades
    return scores


def total_auto_score(grades: dict[str, float | None]) -> float:
    """Sum of the auto scores of one submission (manual grades pending count as 0)."""
    return sum(score or 0.0 for score in grades.values())


def cell_sources(path: Path) -> list[tuple[str, str]]:
    """(cell type, source) of every cell of a notebook, for drift comparisons."""
    notebook: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return [
        (
            cell["cell_type"],
            "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"],
        )
        for cell in notebook["cells"]
    ]
