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
        help="grading processes (default: two per core)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    release = commands.add_parser(
        "release",
        parents=[course],
        help="generate the student versions (exercises/) from solutions/",
        description=_wrap("Run nbgrader generate_assignment for one assignment or all of them."),
        epilog=EXIT_CODES,
        formatter_class=formatter,
    )
    release.add_argument("assignment", nargs="?", help="assignment id (default: all)")

    grade = commands.add_parser(
        "grade",
        parents=[course, workers, quiet, sandbox],
        help="autograde every submission, write feedback and export grades",
        description=_wrap(
            "Autograde every submission in submitted/ through nbgrader, in parallel, with a "
            "progress bar; record a submission nbgrader cannot grade with its reason and go "
            "on; write feedback that never shows hidden tests (feedback/) and export "
            "reports/grades.csv with one column per graded item and the totals. Re-running "
            "regrades everything and gives the same scores."
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

    report = commands.add_parser(
        "report",
        parents=[course],
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

    commands.add_parser("content", help="summarise the bundled course content")
    return parser


def _run(args: argparse.Namespace) -> int:
    from course_lib._pipeline import commands

    progress = not getattr(args, "no_progress", False)
    if args.command == "release":
        return commands.release(args.course_dir, args.assignment)
    if args.command == "grade":
        return commands.grade(
            args.course_dir,
            args.assignments,
            args.workers,
            progress,
            args.fresh_kernels,
            sandbox=not args.no_sandbox,
        )
    if args.command == "report":
        return commands.report(args.course_dir, args.assignments)
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
