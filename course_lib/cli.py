"""The ``pmcourse`` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def _content_summary() -> str:
    from course_lib import load_pragmatic_grid, load_tasks, partition

    tasks = load_tasks()
    roles = partition(tasks, "pragmatic_role").value_counts()
    lines = [
        f"Task catalog: {len(tasks)} tasks; Pragmatic grid: {len(load_pragmatic_grid())} boxes.",
        "Tasks per role (Pragmatic partition): "
        + ", ".join(f"{role} {count}" for role, count in roles.items()),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pmcourse``; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="pmcourse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("content", help="summarise the bundled course content")
    commands.add_parser("demo", help="run the course's main job")
    args = parser.parse_args(argv)
    if args.command in {"content", "demo"}:
        print(_content_summary())
        print("Open the lessons with: make lab  (JupyterLab on course/)")
    return 0
