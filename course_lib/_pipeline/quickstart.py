"""``pmcourse quickstart DIR``: a ready nbgrader course folder from the installed packages.

Like ``nbgrader quickstart``, but with this course. ``course_lib`` ships the course's
``nbgrader_config.py`` and lessons (``course/``) as package data (``course_lib/data/course/``).
The assignments' source notebooks and data files (``solutions/``) hold the grading keys, so
they ship apart, in the instructors' distribution ``pm-vs-pmm-course-solutions`` (package
``pmcourse_solutions``, built from ``instructor/``): an environment trainees use never holds
them. In a source checkout the repository's ``solutions/`` is used instead. Copied into
``DIR``, they make a course where ``pmcourse release``, ``grade``, ``demo`` and plain
``nbgrader`` work.
"""

from __future__ import annotations

import re
import shutil
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.settings import CONFIG_FILE

__all__ = [
    "COURSE_PACKAGE",
    "LAYOUT",
    "SOLUTIONS_PACKAGE",
    "lay_out_course",
    "packaged_solutions",
]

#: The package holding the course's config and lessons.
COURSE_PACKAGE = "course_lib.data.course"
#: The instructors' package holding ``solutions/`` (distribution pm-vs-pmm-course-solutions).
SOLUTIONS_PACKAGE = "pmcourse_solutions"
#: Packaged name in COURSE_PACKAGE -> name in the course folder.
LAYOUT = {"nbgrader_config.py.txt": CONFIG_FILE, "lessons": "course"}
SOLUTIONS = "solutions"
_SKIP = {".ipynb_checkpoints", "__pycache__"}
_COURSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _copy(source: Traversable, target: Path) -> int:
    """Copy a packaged file or folder to ``target``; returns the number of files written."""
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        return 1
    count = 0
    for child in sorted(source.iterdir(), key=lambda entry: entry.name):
        if child.name not in _SKIP:
            count += _copy(child, target / child.name)
    return count


def packaged_solutions() -> Traversable:
    """The ``solutions/`` folder to copy: the instructors' package's, else a source checkout's;
    PipelineError saying what to install when neither is there."""
    try:
        return resources.files(SOLUTIONS_PACKAGE) / SOLUTIONS
    except ModuleNotFoundError:
        pass
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / SOLUTIONS).is_dir() and (checkout / "instructor").is_dir():
        return checkout / SOLUTIONS
    raise PipelineError(
        "the assignments' solutions (with their grading keys) are not installed: install the "
        "instructors' package pm-vs-pmm-course-solutions (a wheel built with `pip wheel "
        "./instructor` in the course repository) where you grade, never where trainees work; "
        "then run quickstart again."
    )


def lay_out_course(target: Path, *, course_id: str | None = None, force: bool = False) -> int:
    """Write the packaged course into ``target`` (created when missing); returns how many
    files were written. ``course_id`` replaces the config's ``CourseDirectory.course_id``.

    Refuses (PipelineError) a folder that already holds a course unless ``force``, which
    replaces the course's files and leaves every other file alone.
    """
    if course_id is not None and not _COURSE_ID.match(course_id):
        raise PipelineError(
            f"course id {course_id!r} is not usable in the exchange's folder names; use "
            "letters, digits, '.', '_' or '-' (e.g. pm-vs-pmm-2025)."
        )
    solutions = packaged_solutions()
    target = target.resolve()
    existing = [name for name in [*LAYOUT.values(), SOLUTIONS] if (target / name).exists()]
    if existing and not force:
        raise PipelineError(
            f"{target} already holds a course ({', '.join(existing)}). Choose a new or empty "
            "folder, or pass --force to replace those files (other files are kept)."
        )
    target.mkdir(parents=True, exist_ok=True)
    package = resources.files(COURSE_PACKAGE)
    written = 0
    sources = [(package / packaged, name) for packaged, name in LAYOUT.items()]
    for source, name in [*sources, (solutions, SOLUTIONS)]:
        if force and (target / name).is_dir():
            shutil.rmtree(target / name)
        written += _copy(source, target / name)
    if course_id is not None:
        config = target / CONFIG_FILE
        with config.open("a", encoding="utf-8") as handle:
            handle.write(
                f"\n# Set by `pmcourse quickstart --course-id`.\n"
                f"c.CourseDirectory.course_id = {course_id!r}\n"
            )
    return written
