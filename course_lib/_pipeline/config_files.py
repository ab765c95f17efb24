"""nbgrader's configuration files, read in nbgrader's order, each value with the file it came from.

nbgrader (``NbGrader.load_config_file`` and ``initialize``) loads, lowest priority first:

1. ``jupyter_config`` then ``nbgrader_config`` (``.py``, then ``.json``) from every folder of
   the Jupyter config path (``jupyter_core.paths.jupyter_config_path()``: ``JUPYTER_CONFIG_DIR``
   or ``~/.jupyter`` first, then the environment's and the system's ``etc/jupyter``), the
   system folders first so that the user's folder wins;
2. ``nbgrader_config.py`` of the folder it runs in (the course folder);
3. ``nbgrader_config.py`` of ``CourseDirectory.root`` when that is another folder.

Formgrader, and nbgrader started outside the course folder (a JupyterHub server started in
the home folder), read only the first group. :func:`read_course_config` reads all three the
same way and keeps each file apart, so a value can be traced to its file and the two views
compared (:mod:`course_lib._pipeline.settings` stops when they differ).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import (
    ConfigFileNotFound,
    JSONFileConfigLoader,
    PyFileConfigLoader,
)

from course_lib._pipeline.errors import PipelineError

__all__ = [
    "CONFIG_FILE",
    "ConfigFile",
    "CourseConfig",
    "jupyter_path_files",
    "read_course_config",
]

CONFIG_FILE = "nbgrader_config.py"
#: Base names nbgrader loads from each folder of the Jupyter config path, in this order.
JUPYTER_PATH_NAMES = ("jupyter_config", "nbgrader_config")
JUPYTER_PATH = "Jupyter config path"
COURSE_FOLDER = "course folder"


@dataclass(frozen=True)
class ConfigFile:
    """One loaded configuration file and which group it belongs to (``scope``)."""

    path: Path
    config: Config
    scope: str


@dataclass(frozen=True)
class CourseConfig:
    """Every configuration file of a course, lowest priority first, and their merge."""

    files: tuple[ConfigFile, ...]

    def merged(self, scope: str | None = None) -> Config:
        """The files merged in order (only those of ``scope`` when given); the files' own
        configs are left as they were (``Config.merge`` adopts a section it lacks, so each is
        merged as a copy)."""
        result = Config()
        for file in self.files:
            if scope is None or file.scope == scope:
                result.merge(copy.deepcopy(file.config))
        return result

    def value(self, section: str, name: str, scope: str | None = None) -> tuple[Any, Path | None]:
        """``(value, file that set it)`` of ``c.<section>.<name>``: the last file setting it
        wins, as in nbgrader; ``(None, None)`` when no file sets it."""
        for file in reversed(self.files):
            if scope is not None and file.scope != scope:
                continue
            values = file.config.get(section, {})
            if name in values:
                return values[name], file.path
        return None, None


def jupyter_path_files() -> list[Path]:
    """The configuration files nbgrader reads from the Jupyter config path that exist, in
    the order it loads them (lowest priority first)."""
    found = []
    for folder in reversed(jupyter_config_path()):
        for name in JUPYTER_PATH_NAMES:
            for suffix in (".py", ".json"):
                path = Path(folder) / f"{name}{suffix}"
                if path.is_file():
                    found.append(path)
    return found


def _load(path: Path) -> Config:
    """Load one ``.py`` or ``.json`` configuration file; PipelineError naming it if it fails."""
    loader_class = JSONFileConfigLoader if path.suffix == ".json" else PyFileConfigLoader
    loader = loader_class(path.name, path=str(path.parent))
    try:
        config: Config = loader.load_config()
    except ConfigFileNotFound as error:  # pragma: no cover - the caller checked it exists
        raise PipelineError(f"cannot read {path}: {error}") from error
    except Exception as error:
        raise PipelineError(
            f"{path} failed to load ({type(error).__name__}: {error}). "
            "Fix the file so that `nbgrader` itself can load it."
        ) from error
    return config


def _root_folder(folder: Path, files: Sequence[ConfigFile]) -> Path:
    """``CourseDirectory.root`` of ``files`` (relative to ``folder``), else ``folder``."""
    merged = CourseConfig(tuple(files))
    root, _ = merged.value("CourseDirectory", "root")
    return (folder / str(root)).resolve() if root else folder


def read_course_config(folder: Path, *, jupyter_path: bool = True) -> CourseConfig:
    """The configuration files nbgrader run in ``folder`` loads, in its order.

    ``jupyter_path=False`` reads the course folder alone (a throwaway course such as the
    demo's must not pick up a hub's gradebook). Raises PipelineError naming the file when
    ``folder`` has no ``nbgrader_config.py`` or a file does not load.
    """
    config_path = folder / CONFIG_FILE
    if not config_path.is_file():
        raise PipelineError(
            f"no {CONFIG_FILE} in {folder}. Run the command from the course folder or pass "
            f"--course-dir <folder with {CONFIG_FILE}>."
        )
    files: list[ConfigFile] = []
    if jupyter_path:
        files.extend(ConfigFile(path, _load(path), JUPYTER_PATH) for path in jupyter_path_files())
    seen = {file.path.resolve() for file in files}
    if config_path.resolve() not in seen:
        files.append(ConfigFile(config_path, _load(config_path), COURSE_FOLDER))
        seen.add(config_path.resolve())
    root_config = _root_folder(folder, files) / CONFIG_FILE
    if root_config.is_file() and root_config.resolve() not in seen:
        files.append(ConfigFile(root_config, _load(root_config), COURSE_FOLDER))
    return CourseConfig(tuple(files))
