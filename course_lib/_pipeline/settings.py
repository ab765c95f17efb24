"""Course settings, read like nbgrader reads them (:mod:`.config_files`): folders, gradebook,
course id and ``pmcourse``'s own options (``c.PmCourse``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from traitlets import Integer, TraitError, Unicode
from traitlets.config import Config, Configurable

from course_lib._pipeline.config_files import (
    CONFIG_FILE,
    JUPYTER_PATH,
    CourseConfig,
    read_course_config,
)
from course_lib._pipeline.errors import PipelineError
from course_lib.grading.keys import ItemKey, read_keys

__all__ = [
    "CONFIG_FILE",
    "CourseSettings",
    "PipelineOptions",
    "PmCourse",
    "check_same_course",
    "load_settings",
    "read_solution_keys",
    "shown_url",
]


class PmCourse(Configurable):
    """``pmcourse``'s own settings, set in ``nbgrader_config.py`` as ``c.PmCourse.<name>``
    (nbgrader ignores them); command-line options override them for one run."""

    scheduler = Unicode(
        "",
        help="Address of a Dask scheduler (tcp://host:8786) to grade on; empty: this machine.",
    ).tag(config=True)
    workers = Integer(
        0,
        help="Grading processes on this machine; 0: two per CPU available to pmcourse "
        "(affinity and cgroup quota), at most 16.",
    ).tag(config=True)
    db_connections = Integer(
        2,
        min=1,
        help="Most connections pmcourse opens to the gradebook at once, whatever the number "
        "of workers (they never connect: the coordinating process records every grade). "
        "A SQLite gradebook always uses one.",
    ).tag(config=True)


@dataclass(frozen=True)
class PipelineOptions:
    """The ``c.PmCourse`` settings of a course (see :class:`PmCourse`)."""

    scheduler: str = ""
    workers: int = 0
    db_connections: int = 2


@dataclass(frozen=True)
class CourseSettings:
    """Where a course's folders are and the nbgrader configuration to run it with.

    ``config`` is every configuration file nbgrader reads, merged in its order, with
    ``CourseDirectory.root`` made absolute; pass it to ``NbGraderAPI(config=...)`` so database
    URL, timeouts and preprocessors apply. ``config_files`` lists those files.
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
    options: PipelineOptions = PipelineOptions()
    config_files: tuple[Path, ...] = ()

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


def _options(config: Config) -> PipelineOptions:
    try:
        options = PmCourse(config=config)
    except TraitError as error:
        raise PipelineError(
            f"invalid c.PmCourse setting in {CONFIG_FILE}: {error}. Fix the value "
            "(see `pmcourse grade --help`)."
        ) from error
    return PipelineOptions(
        scheduler=str(options.scheduler),
        workers=int(options.workers),
        db_connections=int(options.db_connections),
    )


def shown_url(url: str) -> str:
    """A database URL fit for a message: its password replaced by ``***``."""
    try:
        return str(make_url(url).render_as_string(hide_password=True))
    except Exception:  # not a URL SQLAlchemy can parse: show it as it is
        return url


def _same_url(first: str, second: str) -> bool:
    try:
        return bool(make_url(first) == make_url(second))
    except Exception:
        return first == second


def _origin(path: Path | None, what: str, default: str) -> str:
    return f"{what} in {path}" if path is not None else default


def check_same_course(course: CourseConfig, root: Path, course_id: str, db_url: str) -> None:
    """Stop with a PipelineError when nbgrader started outside the course folder (Formgrader
    on a hub, reading only the Jupyter config path) would use another gradebook or course id
    than pmcourse and nbgrader run in the course folder; the message names both values and
    the file each came from."""
    scope = JUPYTER_PATH
    outside_id, id_file = course.value("CourseDirectory", "course_id", scope)
    _, chosen_id_file = course.value("CourseDirectory", "course_id")
    if outside_id is not None and str(outside_id) != course_id:
        raise PipelineError(
            f"pmcourse and nbgrader would grade different courses: pmcourse (like nbgrader run "
            f"in {root}) uses course id {course_id!r} "
            f"({_origin(chosen_id_file, 'c.CourseDirectory.course_id', 'the default')}), "
            f"while Formgrader and nbgrader started outside the course folder use "
            f"{str(outside_id)!r} (c.CourseDirectory.course_id in {id_file}). Set the same "
            "c.CourseDirectory.course_id in both files, or remove it from one of them."
        )
    outside_url, url_file = course.value("CourseDirectory", "db_url", scope)
    outside_root, root_file = course.value("CourseDirectory", "root", scope)
    if outside_url is None and outside_root is not None:
        outside_url = f"sqlite:///{Path(str(outside_root)).resolve() / 'gradebook.db'}"
        url_file = root_file
        outside_what = "the default gradebook.db in c.CourseDirectory.root"
    else:
        outside_what = "c.CourseDirectory.db_url"
    if outside_url is None or _same_url(str(outside_url), db_url):
        return
    _, chosen_url_file = course.value("CourseDirectory", "db_url")
    chosen = _origin(
        chosen_url_file,
        "c.CourseDirectory.db_url",
        f"the default: gradebook.db in the course root {root}, as no file sets "
        "c.CourseDirectory.db_url",
    )
    raise PipelineError(
        f"pmcourse and nbgrader would use different gradebooks: pmcourse (like nbgrader run "
        f"in {root}) uses {shown_url(db_url)!r} ({chosen}), while Formgrader and nbgrader "
        f"started outside the course folder use {shown_url(str(outside_url))!r} "
        f"({outside_what} in {url_file}). Set the same c.CourseDirectory.db_url in both "
        "files, or remove it from one of them."
    )


def load_settings(
    course_dir: str | os.PathLike[str] | None = None, *, jupyter_path: bool = True
) -> CourseSettings:
    """Load the course's configuration the way nbgrader does (the Jupyter config path, then
    ``nbgrader_config.py`` in ``course_dir``, default the current directory).

    ``jupyter_path=False`` reads the course folder alone (throwaway courses: the demo).
    Raises PipelineError (naming the path and the fix) when the folder or the file is
    missing, a file does not load, or Formgrader would see another gradebook or course id
    (:func:`check_same_course`).
    """
    folder = Path(course_dir if course_dir is not None else Path.cwd()).resolve()
    if not folder.is_dir():
        raise PipelineError(
            f"course folder {folder} does not exist. Pass --course-dir with the folder that "
            f"holds {CONFIG_FILE}, or run the command from it."
        )
    course = read_course_config(folder, jupyter_path=jupyter_path)
    config = course.merged()
    course_root, _ = course.value("CourseDirectory", "root")
    root_path = (folder / str(course_root)).resolve() if course_root else folder
    config.CourseDirectory.root = str(root_path)
    db_url, _ = course.value("CourseDirectory", "db_url")
    if not db_url:
        db_url = f"sqlite:///{root_path / 'gradebook.db'}"
    course_id = str(course.value("CourseDirectory", "course_id")[0] or "")
    check_same_course(course, root_path, course_id, str(db_url))

    def folder_of(name: str, default: str) -> Path:
        value = course.value("CourseDirectory", name)[0] or default
        return root_path / str(value)

    return CourseSettings(
        root=root_path,
        config=config,
        course_id=course_id,
        db_url=str(db_url),
        source_dir=folder_of("source_directory", "source"),
        release_dir=folder_of("release_directory", "release"),
        submitted_dir=folder_of("submitted_directory", "submitted"),
        autograded_dir=folder_of("autograded_directory", "autograded"),
        feedback_dir=folder_of("feedback_directory", "feedback"),
        options=_options(config),
        config_files=tuple(file.path for file in course.files),
    )
