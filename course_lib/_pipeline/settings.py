"""Course settings, read from the course's ``nbgrader_config.py`` like nbgrader does."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets.config import Config
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from course_lib._pipeline.errors import PipelineError
from course_lib.grading.keys import ItemKey, read_keys

__all__ = ["CONFIG_FILE", "CourseSettings", "load_settings", "read_solution_keys"]

CONFIG_FILE = "nbgrader_config.py"


@dataclass(frozen=True)
class CourseSettings:
    """Where a course's folders are and the nbgrader configuration to run it with.

    ``config`` is the loaded ``nbgrader_config.py`` with ``CourseDirectory.root`` made absolute;
    pass it to ``NbGraderAPI(config=...)`` so database URL, timeouts and preprocessors apply.
    """

    root: Path
    config: Config
    course_id: str
    db_url: str
    source_dir: Path
    release_dir: Path
    submitted_dir: Path
    autograded_dir: Path
    feedback_dir: Path

    @property
    def reports_dir(self) -> Path:
        """Folder for the grades export, the report and the audit."""
        return self.root / "reports"

    def assignments(self) -> list[str]:
        """Assignment ids: the folders of the source directory that hold a notebook."""
        if not self.source_dir.is_dir():
            return []
        return sorted(
            path.name
            for path in self.source_dir.iterdir()
            if path.is_dir() and any(path.glob("*.ipynb"))
        )

    def check_assignment(self, assignment: str) -> Path:
        """The source folder of ``assignment``; PipelineError naming the known ones if unknown."""
        known = self.assignments()
        if assignment not in known:
            listed = ", ".join(known) if known else "none"
            raise PipelineError(
                f"unknown assignment {assignment!r}: no notebook in "
                f"{self.source_dir / assignment}. Known assignments: {listed}. "
                "Check the name, or add its source notebook under that folder."
            )
        return self.source_dir / assignment

    def source_notebook(self, assignment: str) -> Path:
        """The (single) source notebook of ``assignment``."""
        folder = self.check_assignment(assignment)
        notebooks = sorted(folder.glob("*.ipynb"))
        preferred = folder / f"{assignment}.ipynb"
        return preferred if preferred in notebooks else notebooks[0]

    def submission_dir(self, student: str, assignment: str) -> Path:
        """``submitted/<student>/<assignment>/``: where one collected submission lives."""
        return self.submitted_dir / student / assignment

    def submitted_notebook(self, student: str, assignment: str) -> Path:
        """The notebook of one collected submission."""
        return self.submission_dir(student, assignment) / f"{assignment}.ipynb"

    def autograded_notebook(self, student: str, assignment: str) -> Path:
        """The notebook nbgrader wrote when it autograded one submission."""
        return self.autograded_dir / student / assignment / f"{assignment}.ipynb"

    def students(self, assignment: str) -> list[str]:
        """Students with a submitted folder for ``assignment``, sorted."""
        if not self.submitted_dir.is_dir():
            return []
        return sorted(
            path.name for path in self.submitted_dir.iterdir() if (path / assignment).is_dir()
        )


def read_solution_keys(path: Path) -> dict[str, ItemKey]:
    """The keys in a solution notebook's hidden tests; PipelineError naming the file if not."""
    try:
        return dict(read_keys(path))
    except Exception as error:
        raise PipelineError(
            f"cannot read the keys of {path} ({type(error).__name__}: {error}). Every test cell "
            "needs a hidden region with a literal _KEY (docs/grading.md); fix the "
            "notebook or restore it from version control."
        ) from error


def _section_value(config: Config, section: str, name: str) -> Any:
    values = config.get(section, {})
    return values.get(name) if name in values else None


def load_settings(course_dir: str | os.PathLike[str] | None = None) -> CourseSettings:
    """Load ``nbgrader_config.py`` from ``course_dir`` (default: the current directory).

    Raises PipelineError (naming the path and the fix) when the folder or the file is missing
    or the file does not load.
    """
    root = Path(course_dir if course_dir is not None else Path.cwd()).resolve()
    if not root.is_dir():
        raise PipelineError(
            f"course folder {root} does not exist. Pass --course-dir with the folder that "
            f"holds {CONFIG_FILE}, or run the command from it."
        )
    config_path = root / CONFIG_FILE
    if not config_path.is_file():
        raise PipelineError(
            f"no {CONFIG_FILE} in {root}. Run the command from the course folder or pass "
            f"--course-dir <folder with {CONFIG_FILE}>."
        )
    loader = PyFileConfigLoader(CONFIG_FILE, path=str(root))
    try:
        config = loader.load_config()
    except ConfigFileNotFound as error:  # pragma: no cover - checked above
        raise PipelineError(f"cannot read {config_path}: {error}") from error
    except Exception as error:
        raise PipelineError(
            f"{config_path} failed to load ({type(error).__name__}: {error}). "
            "Fix the file so that `nbgrader` itself can load it."
        ) from error
    course_root = _section_value(config, "CourseDirectory", "root")
    root_path = (root / course_root).resolve() if course_root else root
    config.CourseDirectory.root = str(root_path)
    db_url = _section_value(config, "CourseDirectory", "db_url")
    if not db_url:
        db_url = f"sqlite:///{root_path / 'gradebook.db'}"
    course_id = _section_value(config, "CourseDirectory", "course_id") or ""

    def folder(name: str, default: str) -> Path:
        value = _section_value(config, "CourseDirectory", name) or default
        return root_path / str(value)

    return CourseSettings(
        root=root_path,
        config=config,
        course_id=str(course_id),
        db_url=str(db_url),
        source_dir=folder("source_directory", "source"),
        release_dir=folder("release_directory", "release"),
        submitted_dir=folder("submitted_directory", "submitted"),
        autograded_dir=folder("autograded_directory", "autograded"),
        feedback_dir=folder("feedback_directory", "feedback"),
    )
