"""The course's nbgrader preprocessors, one per module, each listed in ``nbgrader_config.py``.

- :class:`SortStubClearSolutions` (release): sorting answers ship as dicts of ``None``.
- :class:`RepairGradeCells` (autograde, sanitize): deleted, duplicated, split or retyped
  grade cells are put back before nbgrader checks them.
- :class:`KeyBlindTests` (autograde, sanitize): each test cell becomes the hand-over of its
  answer, so no key reaches the notebook the kernel runs.
- :class:`GradingExecute` (autograde): the kernel runs in a scratch folder; a cell that runs
  too long is stopped and named; a dead kernel loses nothing handed over before.
- :class:`ScoreHandedOverAnswers` (autograde): the grader scores the handed-over answers
  against the gradebook's keys and writes each test cell's result.
- :class:`HideHiddenTests` (feedback): hidden regions and tracebacks never reach trainees.

The export plugins (``nbgrader export --exporter=course_lib.nbgrader_plugins.exports.NAME``)
are in :mod:`.exports`, one class per format, reading the gradebook through :mod:`.grade_rows`.

This package imports nbgrader; ``import course_lib`` does not import it.
"""

from course_lib.nbgrader_plugins.execute import GradingExecute
from course_lib.nbgrader_plugins.feedback import HideHiddenTests
from course_lib.nbgrader_plugins.key_blind import KeyBlindTests
from course_lib.nbgrader_plugins.repair import RepairGradeCells
from course_lib.nbgrader_plugins.scoring import ScoreHandedOverAnswers
from course_lib.nbgrader_plugins.sort_stubs import SortStubClearSolutions, sort_stub
from course_lib.nbgrader_plugins.timeout import NamedTimeoutExecute

__all__ = [
    "GradingExecute",
    "HideHiddenTests",
    "KeyBlindTests",
    "NamedTimeoutExecute",
    "RepairGradeCells",
    "ScoreHandedOverAnswers",
    "SortStubClearSolutions",
    "sort_stub",
]
