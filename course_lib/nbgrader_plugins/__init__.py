"""The course's nbgrader preprocessors, one per module, each listed in ``nbgrader_config.py``.

- :class:`SortStubClearSolutions` (release): sorting answers ship as dicts of ``None``.
- :class:`RepairGradeCells` (autograde): deleted, duplicated, split or retyped grade cells are
  put back before nbgrader checks them.
- :class:`NamedTimeoutExecute` (autograde): a cell that runs too long is stopped and named.
- :class:`HideHiddenTests` (feedback): hidden tests and evidence lines never reach trainees.

The export plugins (``nbgrader export --exporter=course_lib.nbgrader_plugins.exports.NAME``)
are in :mod:`.exports`, one class per format, reading the gradebook through :mod:`.grade_rows`.

This package imports nbgrader; ``import course_lib`` does not import it.
"""

from course_lib.nbgrader_plugins.feedback import HideHiddenTests
from course_lib.nbgrader_plugins.repair import RepairGradeCells
from course_lib.nbgrader_plugins.sort_stubs import SortStubClearSolutions, sort_stub
from course_lib.nbgrader_plugins.timeout import NamedTimeoutExecute

__all__ = [
    "HideHiddenTests",
    "NamedTimeoutExecute",
    "RepairGradeCells",
    "SortStubClearSolutions",
    "sort_stub",
]
