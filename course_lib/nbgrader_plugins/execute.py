"""Autograde, execution: a sandboxed kernel in a private scratch folder; a dead one loses nothing.

:class:`GradingExecute` is the course's replacement for nbgrader's ``Execute``:

- the kernel runs sandboxed (``course_lib._sandbox``: it reads only Python and the system,
  writes only its scratch folder, has no network, no inherited secrets, resource limits, and
  its whole process tree is gone afterwards); where this machine cannot sandbox, grading
  stops with a message naming the missing feature (``GradingExecute.sandbox = False`` runs
  without it, and says so for every notebook);
- the kernel starts in a scratch copy of the submission's data files (a fresh temporary
  folder, never the course's ``autograded/`` folder, which holds the notebook being graded),
  and the scratch folder is deleted afterwards;
- what the kernel prints is capped per cell and per notebook while it runs, with a visible
  note where output was cut, so an autograded notebook stays small;
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

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import v4 as _nbformat_v4
from nbformat.notebooknode import NotebookNode
from traitlets import Bool

from course_lib._sandbox import OutputCapMixin, SandboxedKernelManager, check_support
from course_lib.nbgrader_plugins.timeout import NamedTimeoutExecute

# nbformat ships no type hints; go through one Any-typed name.
nbv4: Any = _nbformat_v4

__all__ = ["NO_SANDBOX_WARNING", "STOPPED_NAME", "GradingExecute", "scratch_copy"]

#: Logged for every notebook graded without the sandbox.
NO_SANDBOX_WARNING = (
    "grading WITHOUT the sandbox (GradingExecute.sandbox = False / --no-sandbox): the trainee's "
    "code runs with the grader's rights and can read keys, write files and reach the network"
)

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


class GradingExecute(OutputCapMixin, NamedTimeoutExecute):
    """nbgrader's Execute, sandboxed, in a scratch folder, going on when the kernel dies."""

    sandbox = Bool(
        True,
        help="Run each kernel in the sandbox (course_lib._sandbox). False runs trainee code "
        "with the grader's own rights: only for machines that cannot sandbox.",
    ).tag(config=True)

    def _kernel_manager(self) -> type[Any]:
        """The kernel manager class to use: a sandboxed one unless the sandbox is off."""
        chosen: type[Any] = self.kernel_manager_class
        if not self.sandbox:
            self.log.warning(NO_SANDBOX_WARNING)
            return chosen
        check_support()  # raises SandboxUnavailable naming the missing kernel feature
        if issubclass(chosen, SandboxedKernelManager):
            return chosen
        if chosen is AsyncKernelManager:
            return SandboxedKernelManager
        raise RuntimeError(
            f"kernel manager {chosen.__name__} cannot sandbox; use a SandboxedKernelManager "
            "(or set GradingExecute.sandbox = False)"
        )

    def preprocess(
        self, nb: NotebookNode, resources: ResourcesDict, km: Any = None
    ) -> tuple[NotebookNode, ResourcesDict]:
        """Execute ``nb`` in a scratch copy of its folder; a stopped kernel is recorded."""
        self.kernel_manager_class = self._kernel_manager()
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
