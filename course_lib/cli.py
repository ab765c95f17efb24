"""``pmcourse``: the instructor's command line for the course's nbgrader assignments.

Subcommands run from the course folder (the one holding ``nbgrader_config.py``) or take
``--course-dir``. Exit codes scripts can rely on:

  0  everything ran and nothing needs attention
  1  the run completed, but some submissions failed to grade, or the audit flagged something
  2  usage or configuration error (bad arguments, missing folder, unknown assignment,
     unreadable course file); a message names the path or value and the fix
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from course_lib._content import load_pragmatic_grid, load_tasks
from course_lib._partitions import partition
from course_lib._pipeline.errors import EXIT_USAGE, PipelineError

EXIT_CODES = """exit codes:
  0  everything ran and nothing needs attention
  1  the run completed, but some submissions failed to grade or the audit flagged something
  2  usage or configuration error: a message names the path or value and the fix
"""


#: ``pmcourse export --format`` values, as the help lists them (the plugins are in
#: ``course_lib.nbgrader_plugins.exports``; a test keeps the two lists the same).
EXPORT_FORMAT_HELP = {
    "items": "one row per student, assignment and graded item (reports/grades.csv)",
    "canvas": "Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section,\n"
    "            a column per assignment, points possible in row 2",
    "moodle": "Moodle grade import: names, username, ID number, email, a column per assignment",
    "nbgrader": "nbgrader's own CSV: one row per student and assignment",
}
EXPORT_FORMATS = "formats:\n" + "\n".join(
    f"  {name:<9} {text}" for name, text in EXPORT_FORMAT_HELP.items()
)


def _content_summary() -> str:
    tasks = load_tasks()
    roles = partition(tasks, "pragmatic_role").value_counts()
    lines = [
        f"Task catalog: {len(tasks)} tasks; Pragmatic grid: {len(load_pragmatic_grid())} boxes.",
        "Tasks per role (Pragmatic partition): "
        + ", ".join(f"{role} {count}" for role, count in roles.items()),
    ]
    return "\n".join(lines)


def _wrap(text: str) -> str:
    """A command description wrapped for the terminal (the epilogs keep their own lines)."""
    return textwrap.fill(text, width=88)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pmcourse`` with one subparser per command."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="pmcourse",
        description="Release, grade, report on and audit the course's nbgrader assignments.",
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    course_help = "folder holding nbgrader_config.py (default: the current directory)"
    parser.add_argument("--course-dir", type=Path, default=None, help=course_help)
    course = argparse.ArgumentParser(add_help=False)
    # Also accepted after the command; SUPPRESS keeps a value given before it.
    course.add_argument("--course-dir", type=Path, default=argparse.SUPPRESS, help=course_help)
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--no-progress", action="store_true", help="no progress bar")
    sandbox = argparse.ArgumentParser(add_help=False)
    sandbox.add_argument(
        "--no-sandbox",
        action="store_true",
        help=(
            "run trainees' code WITHOUT the sandbox (with the grader's rights), for machines "
            "that cannot sandbox; every run says so. By default each kernel reads only Python "
            "and the system, writes only its scratch folder, has no network and no secrets"
        ),
    )
    workers = argparse.ArgumentParser(add_help=False)
    workers.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="grading processes on this machine (default: c.PmCourse.workers, else two per "
        "CPU available, affinity and cgroup quota counted, at most 16)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    release = commands.add_parser(
        "release",
        parents=[course, quiet],
        help="generate the student versions (exercises/) from solutions/ (generate_assignment)",
        description=_wrap(
            "Run nbgrader generate_assignment for one assignment or all of them; with "
            "--exchange also nbgrader release_assignment, so that trainees can `nbgrader "
            "fetch_assignment` it from the exchange (c.Exchange.root)."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    release.add_argument("assignment", nargs="?", help="assignment id (default: all)")
    release.add_argument(
        "--exchange",
        action="store_true",
        help="also put the release in nbgrader's exchange (nbgrader release_assignment)",
    )

    collect = commands.add_parser(
        "collect",
        parents=[course],
        help="collect submissions from the exchange (nbgrader collect --update)",
        description=_wrap(
            "Run nbgrader collect --update for each assignment: the latest submission of each "
            "trainee moves from the exchange to submitted/<student>/<assignment>/, replacing "
            "an older one collected before. Prints who is new, updated and late (after the "
            "due date set with `nbgrader db assignment add ID --duedate=...`)."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    collect.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    collect.add_argument(
        "--before-duedate",
        action="store_true",
        help="collect each trainee's latest submission made before the due date "
        "(nbgrader collect --before-duedate)",
    )

    grade = commands.add_parser(
        "grade",
        parents=[course, workers, quiet, sandbox],
        help="autograde every submission, write feedback and export grades",
        description=_wrap(
            "Autograde the submissions in submitted/ through nbgrader, in parallel, with a "
            "progress bar; record a submission nbgrader cannot grade with its reason and go "
            "on; write feedback that never shows hidden tests (feedback/) and export "
            "reports/grades.csv with one row per student and graded item (as `pmcourse export "
            "--format items`; every student, graded in this run or before). Only new or "
            "changed submissions are graded (a content hash of each submission folder and of "
            "the release is kept in reports/grading_log.csv); --force grades all, --student "
            "just those named. With --scheduler the grading runs on a Dask cluster, this "
            "process records the grades."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    grade.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    grade.add_argument(
        "--fresh-kernels",
        action="store_true",
        help=(
            "start every kernel from scratch as stock nbgrader does (slower); by default each "
            "submission's new kernel is forked from a process that has done the imports"
        ),
    )
    grade.add_argument(
        "--force", action="store_true", help="grade every submission, changed or not"
    )
    grade.add_argument(
        "--student",
        dest="students",
        action="append",
        default=None,
        metavar="ID",
        help="grade this student's submissions (changed or not); repeat for more",
    )
    grade.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="grade on the Dask cluster of this scheduler (tcp://host:8786; default: "
        "c.PmCourse.scheduler, else this machine); workers need this package, nothing shared",
    )

    return_feedback = commands.add_parser(
        "return-feedback",
        parents=[course, quiet],
        help="regenerate feedback and put it in the exchange (generate_feedback + "
        "release_feedback)",
        description=_wrap(
            "Run nbgrader generate_feedback for every autograded submission (with the "
            "course's feedback pipeline, so manual grades and comments from Formgrader are "
            "in it and hidden tests are not), then nbgrader release_feedback. Each trainee "
            "gets their own with `nbgrader fetch_feedback ASSIGNMENT`, and nobody else's."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    return_feedback.add_argument(
        "assignments", nargs="*", help="assignment ids (default: all graded)"
    )

    export = commands.add_parser(
        "export",
        parents=[course],
        help="export grades from the gradebook for an LMS (nbgrader export plugins)",
        description=_wrap(
            "Read the gradebook as it stands (manual grades from Formgrader included; nothing "
            "is regraded) and write one file with the course's nbgrader export plugin for "
            "FORMAT; `nbgrader export --exporter=course_lib.nbgrader_plugins.exports."
            "CanvasExporter` writes the same file. Every student on the roster is included, "
            "and nbgrader's late penalties are applied."
        ),
        epilog=EXPORT_FORMATS + "\n" + EXIT_CODES,
        formatter_class=formatter,
    )
    export.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    export.add_argument(
        "--format",
        dest="fmt",
        choices=sorted(EXPORT_FORMAT_HELP),
        default="items",
        help="file format (default: items)",
    )
    export.add_argument(
        "--to", type=Path, default=None, help="file to write (default: reports/<format file>)"
    )

    report = commands.add_parser(
        "report",
        parents=[course, quiet],
        help="item analysis of a graded cohort: HTML page with plots plus CSV files",
        description=_wrap(
            "Write reports/report.html (one self-contained page, pictures inlined) and CSV files: "
            "score distribution "
            "per assignment, each item's share correct, the most-missed tasks with the "
            "explanation to discuss, and the cohort's majority partition compared with the "
            "Pragmatic and Blackblot partitions."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    report.add_argument("assignments", nargs="*", help="assignment ids (default: all graded)")

    audit = commands.add_parser(
        "audit",
        parents=[course, quiet],
        help="what the instructor should know about a graded cohort, beyond its scores",
        description=_wrap(
            "Read the grading log, the submitted notebooks and what the grader recorded in "
            "each autograded one (nothing runs), and flag submissions nbgrader could not "
            "grade, grade cells changed from the release, test cells that handed no answer "
            "over (rewritten by the trainee's code) or handed over a malformed one, kernels "
            "that died or hung, and gradebook scores changed after grading. Writes "
            "reports/audit.csv and prints a summary; exit 1 when anything is flagged."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    audit.add_argument("assignments", nargs="*", help="assignment ids (default: all graded)")

    demo = commands.add_parser(
        "demo",
        parents=[workers, quiet, sandbox],
        help="run release, grade, report and audit on a synthetic cohort in a temporary course",
        description=_wrap(
            "Copy nbgrader_config.py and solutions/ into a temporary course, write a bundled "
            "synthetic cohort (correct, partial, broken and tampered submissions), then run "
            "release, grade, report and audit, and print where the report is."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    demo.add_argument(
        "--source",
        type=Path,
        default=None,
        help="course to copy (default: the current directory, else the package's checkout)",
    )
    demo.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to build the demo course (default: a new temporary folder)",
    )
    demo.add_argument(
        "--students",
        type=_positive_int,
        default=None,
        help="trainees per assignment (default: the bundled cohort, 32)",
    )
    demo.add_argument(
        "--assignments", nargs="+", default=None, help="assignments to include (default: all)"
    )

    quickstart = commands.add_parser(
        "quickstart",
        help="lay out a ready nbgrader course from the package (like nbgrader quickstart)",
        description=_wrap(
            "Like nbgrader quickstart, with this course: write nbgrader_config.py, course/ "
            "(the lessons) and solutions/ (the assignments' source notebooks and data files, "
            "from the instructors' package pm-vs-pmm-course-solutions) into DIRECTORY. Then, "
            "in DIRECTORY, `pmcourse release`, `pmcourse grade`, `pmcourse demo` and plain "
            "nbgrader work."
        ),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    quickstart.add_argument("directory", type=Path, help="folder to create (or an empty one)")
    quickstart.add_argument(
        "--course-id", default=None, help="nbgrader course id (default: the config's, pm-vs-pmm)"
    )
    quickstart.add_argument(
        "--force",
        action="store_true",
        help="replace the course files in a folder that has them (other files are kept)",
    )

    commands.add_parser("content", help="summarise the bundled course content")
    return parser


def _run(args: argparse.Namespace) -> int:
    from course_lib._pipeline import commands

    progress = not getattr(args, "no_progress", False)
    if args.command == "release":
        return commands.release(
            args.course_dir, args.assignment, exchange=args.exchange, progress=progress
        )
    if args.command == "collect":
        return commands.collect(args.course_dir, args.assignments, args.before_duedate)
    if args.command == "return-feedback":
        return commands.return_feedback(args.course_dir, args.assignments, progress)
    if args.command == "export":
        return commands.export(args.course_dir, args.assignments, args.fmt, args.to)
    if args.command == "quickstart":
        return commands.quickstart(args.directory, args.course_id, args.force)
    if args.command == "grade":
        return commands.grade(
            args.course_dir,
            args.assignments,
            args.workers,
            progress,
            args.fresh_kernels,
            sandbox=not args.no_sandbox,
            force=args.force,
            students=args.students or (),
            scheduler=args.scheduler,
        )
    if args.command == "report":
        return commands.report(args.course_dir, args.assignments, progress)
    if args.command == "audit":
        return commands.audit(args.course_dir, args.assignments, progress)
    if args.command == "demo":
        return commands.demo(
            source=args.source,
            output=args.output,
            students=args.students,
            assignments=args.assignments,
            workers=args.workers,
            progress=progress,
            sandbox=not args.no_sandbox,
        )
    print(_content_summary())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pmcourse``; returns the process exit code (see the module docstring)."""

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    # nbgrader shells out to `alembic`, which lives next to this interpreter.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    try:
        return _run(args)
    except PipelineError as error:
        print(f"pmcourse {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"pmcourse {args.command}: interrupted", file=sys.stderr)
        return 130
