"""Autograde, execution: run the notebook in a private scratch folder, survive a dead kernel.

:class:`GradingExecute` is the course's replacement for nbgrader's ``Execute``:

- the kernel starts in a scratch copy of the submission's data files (a fresh temporary
  folder, never the course's ``autograded/`` folder, which holds the notebook being graded),
  and the scratch folder is deleted afterwards;
- a cell that runs past the time limit is named in its error (``NamedTimeoutExecute``);
- when the kernel dies or cannot be interrupted (``os._exit``, a loop that ignores SIGINT),
  the notebook is not lost: the cell that was running gets an error saying so, every later
  code cell is marked as not run, and grading goes on with what was handed over before.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import v4 as _nbformat_v4
from nbformat.notebooknode import NotebookNode

from course_lib.nbgrader_plugins.timeout import NamedTimeoutExecute

# nbformat ships no type hints; go through one Any-typed name.
nbv4: Any = _nbformat_v4

__all__ = ["STOPPED_NAME", "GradingExecute", "scratch_copy"]

#: ``ename`` of the error written into the cell that was running when the kernel stopped.
STOPPED_NAME = "KernelStopped"
_METADATA_KEY = "pmcourse"


def scratch_copy(folder: Path, into: Path) -> Path:
    """Copy the files of ``folder`` except notebooks into ``into`` (created); return it."""
    into.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.suffix == ".ipynb" or any(part.startswith(".") for part in relative.parts):
            continue
        target = into / relative
        if path.is_dir():
            target.mkdir(exist_ok=True)
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return into


class GradingExecute(NamedTimeoutExecute):
    """nbgrader's Execute in a scratch folder, going on when the kernel dies or hangs."""

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict, km: Any = None
    ) -> tuple[NotebookNode, ResourcesDict]:
        """Execute ``nb`` in a scratch copy of its folder; a stopped kernel is recorded."""
        metadata = resources.setdefault("metadata", {})
        folder = Path(metadata.get("path") or ".").resolve()
        self._running: int | None = None
        with tempfile.TemporaryDirectory(prefix="pmcourse-scratch-") as scratch:
            metadata["path"] = str(scratch_copy(folder, Path(scratch) / "work"))
            try:
                nb, resources = super().preprocess(nb, resources, km)
            except (CellTimeoutError, DeadKernelError) as error:
                self._record_stop(nb, error)
            finally:
                metadata["path"] = str(folder)
        return nb, resources

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        """Remember which cell runs, then run it as nbgrader does."""
        self._running = index
        result: tuple[NotebookNode, ResourcesDict] = super().preprocess_cell(cell, resources, index)
        return result

    def _record_stop(self, nb: NotebookNode, error: Exception) -> None:
        running = self._running if self._running is not None else -1
        reason = (
            "the kernel died"
            if isinstance(error, DeadKernelError)
            else f"the kernel could not be stopped after {self.timeout} s and was killed"
        )
        self.log.warning("Kernel stopped at cell %s: %s (%s)", running, reason, error)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or index < running:
                continue
            if index == running:
                message = f"{reason} while this cell ran; the cells after it did not run"
                cell.outputs = [
                    *cell.get("outputs", []),
                    nbv4.new_output(
                        "error",
                        ename=STOPPED_NAME,
                        evalue=message,
                        traceback=[f"{STOPPED_NAME}: {message}"],
                    ),
                ]
            cell.metadata.setdefault(_METADATA_KEY, {})["not_run"] = reason
