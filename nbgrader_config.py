"""nbgrader configuration of the course (see docs/grading.md).

Every pipeline of the course is defined here, once: plain ``nbgrader`` and ``pmcourse`` run
the same steps. Run nbgrader from the repository root with the venv's bin/ first on PATH
(nbgrader shells out to alembic). ``NbGraderAPI`` does not read this file by itself:
``pmcourse`` loads it (``course_lib._pipeline.settings.load_settings``) and passes it in.
"""

from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ComputeChecksums,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    IncludeHeaderFooter,
    InstantiateTests,
    LimitOutput,
    LockCells,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
    SaveCells,
)

from course_lib.nbgrader_plugins import (
    GradingExecute,
    HideHiddenTests,
    KeyBlindTests,
    RepairGradeCells,
    ScoreHandedOverAnswers,
    SortStubClearSolutions,
)
from course_lib.nbgrader_plugins.exports import ItemsExporter
from course_lib.nbgrader_plugins.feedback_page import FeedbackHTMLExporter

c = get_config()  # noqa: F821 -- nbgrader injects get_config into its config files

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "pm-vs-pmm"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# The release: sorting answers become the same dict with None labels (valid Python, zero
# points); every other solution region becomes `...  # YOUR ANSWER HERE`.
c.ClearSolutions.code_stub = {"python": "...  # YOUR ANSWER HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    SortStubClearSolutions,
    ClearOutput,
    CheckCellMetadata,
    ComputeChecksums,
    SaveCells,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
]

# Autograde, sanitize: repair deleted/duplicated/split/retyped cells first, then nbgrader's own
# checks restore every test cell from the gradebook; last, KeyBlindTests replaces each test cell
# by the hand-over of its answer, so the notebook the kernel runs holds no key.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    RepairGradeCells,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
    KeyBlindTests,
]
# Autograde, run and score: the kernel runs in a scratch folder (GradingExecute); then the grader
# scores each handed-over answer against the gradebook's keys in its own process and writes the
# test cell's result (ScoreHandedOverAnswers), which SaveAutoGrades records.
c.Autograde.autograde_preprocessors = [
    GradingExecute,
    ScoreHandedOverAnswers,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# A cell that runs longer than this is interrupted; the cells after it still run. The course's
# cells take about a second at most; a 16-student cohort autogrades in under a minute.
c.Execute.timeout = 10
c.Execute.interrupt_on_timeout = True
c.GradingExecute.timeout = 10
c.GradingExecute.interrupt_on_timeout = True

# Every trainee kernel runs sandboxed (course_lib._sandbox): it reads only Python and the system,
# writes only a scratch copy of the submission, has no network and no inherited secrets, and its
# whole process tree is gone after the notebook. Set False only on a machine that cannot sandbox
# (pmcourse grade --no-sandbox does it for one run); grading then warns on every notebook.
c.GradingExecute.sandbox = True
# Per-kernel limits (memory and file size in MB, CPU in seconds); the course's notebooks need a
# fraction of each.
c.SandboxedProvisioner.limits = {
    "memory_mb": 2048,
    "processes": 128,
    "file_size_mb": 32,
    "cpu_seconds": 120,
    "open_files": 256,
}
# What a notebook keeps of the kernel's output, in characters: a visible note marks the cut.
c.GradingExecute.output_cell_limit = 100_000
c.GradingExecute.output_notebook_limit = 400_000

# Any stderr output zeroes a grade cell: drop known noise before grades are read.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"Jupyter is migrating its paths|FutureWarning|DeprecationWarning|PendingDeprecationWarning"
)
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# Feedback shows scores and messages but never the hidden tests (their keys and secret), their
# tracebacks or evidence lines: HideHiddenTests runs first (course_lib.nbgrader_plugins.feedback).
c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
# nbconvert's HTML page, compiled once per process and not parsed again when it has nothing
# for HTMLExporter's accessibility edits: half the CPU of a feedback page, the same document.
c.GenerateFeedback.exporter_class = FeedbackHTMLExporter
c.HideHiddenTests.enforce_metadata = False

# Exports: one nbgrader export plugin per format (course_lib.nbgrader_plugins.exports), the same
# classes `pmcourse export --format NAME` runs. Plain `nbgrader export` writes the tidy per-item
# CSV (ItemsExporter, "items"), as `pmcourse grade` does; for an LMS pick another:
#   nbgrader export --exporter=course_lib.nbgrader_plugins.exports.CanvasExporter --to canvas.csv
#   nbgrader export --exporter=course_lib.nbgrader_plugins.exports.MoodleExporter --to moodle.csv
#   nbgrader export --exporter=nbgrader.plugins.CsvExportPlugin   (nbgrader's own, "nbgrader")
# Every roster student is in every file; late penalties recorded by AssignLatePenalties (in the
# autograde pipeline above; c.LateSubmissionPlugin.penalty_method = "none" or "zero") are
# subtracted. Canvas: ID is the student's lms_user_id (nbgrader db student add --lms-user-id).
c.ExportApp.plugin_class = ItemsExporter
# To update existing LMS columns instead of creating new ones, name them per assignment:
# c.CanvasExporter.column_names = {"a1_roles": "Roles (12345)"}
# c.MoodleExporter.column_names = {"a1_roles": "Assignment: Roles"}

# The exchange that `pmcourse release --exchange`, `collect` and `return-feedback` use (nbgrader's
# default below; it must exist and be writable by everyone). Trainees' nbgrader needs the same
# root and course id, usually in /etc/jupyter/nbgrader_config.py on the hub.
# c.Exchange.root = "/usr/local/share/nbgrader/exchange"
