"""``pmcourse quickstart DIR``: a ready nbgrader course folder from the installed package.

Like ``nbgrader quickstart``, but with this course: the package ships its ``nbgrader_config.py``,
the assignments' source notebooks with their data files (``solutions/``) and the lessons
(``course/``) as package data (``course_lib/data/course/``). Copied into ``DIR``, they make a
course where ``pmcourse release``, ``grade``, ``demo`` and plain ``nbgrader`` work.
"""

from __future__ import annotations

import re
import shutil
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.settings import CONFIG_FILE

__all__ = ["COURSE_PACKAGE", "LAYOUT", "lay_out_course"]

#: The package holding the course material.
COURSE_PACKAGE = "course_lib.data.course"
#: Packaged name -> name in the course folder.
LAYOUT = {
    "nbgrader_config.py.txt": CONFIG_FILE,
    "solutions": "solutions",
    "lessons": "course",
}
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
    target = target.resolve()
    existing = [name for name in LAYOUT.values() if (target / name).exists()]
    if existing and not force:
        raise PipelineError(
            f"{target} already holds a course ({', '.join(existing)}). Choose a new or empty "
            "folder, or pass --force to replace those files (other files are kept)."
        )
    target.mkdir(parents=True, exist_ok=True)
    package = resources.files(COURSE_PACKAGE)
    written = 0
    for packaged, name in LAYOUT.items():
        if force and (target / name).is_dir():
            shutil.rmtree(target / name)
        written += _copy(package / packaged, target / name)
    if course_id is not None:
        config = target / CONFIG_FILE
        with config.open("a", encoding="utf-8") as handle:
            handle.write(
                f"\n# Set by `pmcourse quickstart --course-id`.\n"
                f"c.CourseDirectory.course_id = {course_id!r}\n"
            )
    return written
