"""A small released course with a synthetic cohort, for the grading tests.

``released_course`` copies ``nbgrader_config.py`` and the chosen assignments' solutions into a
folder, adds configuration lines (a gradebook URL, a shorter timeout), releases each assignment
with ``pmcourse release`` and writes the cohort (:mod:`course_lib._pipeline.demo.cohort`).
Nothing is graded yet.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from course_lib._pipeline.demo import cohort
from course_lib.cli import main

ROOT = Path(__file__).resolve().parents[1]


def released_course(
    folder: Path,
    kinds: Mapping[str, Mapping[str, str]],
    config_lines: Sequence[str] = (),
    seed: int = 11,
) -> Path:
    """A course in ``folder``: ``kinds`` is assignment -> student -> submission kind."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    (folder / "nbgrader_config.py").write_text(
        text + "".join(f"{line}\n" for line in config_lines), encoding="utf-8"
    )
    for name, students in kinds.items():
        shutil.copytree(ROOT / "solutions" / name, folder / "solutions" / name)
        assert main(["release", name, "--course-dir", str(folder)]) == 0
        cohort.write_cohort(folder, name, students, seed=seed)
    return folder


def grade_rows(course: Path) -> list[dict[str, str]]:
    """The rows of ``reports/grades.csv`` (one per student, assignment and graded item)."""
    with (course / "reports" / "grades.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def log_rows(course: Path) -> list[dict[str, str]]:
    """The rows of the grading log ``reports/grading_log.csv``."""
    with (course / "reports" / "grading_log.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
