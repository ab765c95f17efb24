"""``pmcourse report``: item analysis of a graded cohort, one HTML page plus CSV files.

Tables (:mod:`.tables`), figures (:mod:`.figures`) and rendering (:mod:`.render`, from the
``report.html.j2`` template) are separate; :func:`write_report` ties them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from course_lib._pipeline.report.figures import items_png, scores_png
from course_lib._pipeline.report.render import render_report
from course_lib._pipeline.report.tables import ReportTables, build_tables
from course_lib._pipeline.settings import CourseSettings

__all__ = ["MOST_MISSED", "REPORT_HTML", "write_csvs", "write_report"]

REPORT_HTML = "report.html"
#: How many of the most-missed tasks the page lists.
MOST_MISSED = 10
_MISSED_COLUMNS = [
    "assignment",
    "item",
    "task",
    "expected",
    "share_correct",
    "commonest_wrong",
    "task_text",
    "explanation",
]


def _page_tables(tables: ReportTables) -> dict[str, pd.DataFrame]:
    """The tables the page shows, cut down from the full ones written as CSV."""
    stats = (
        tables.scores.groupby("assignment")["percent"]
        .describe()[["count", "mean", "min", "50%", "max"]]
        .reset_index()
        .rename(columns={"50%": "median", "count": "trainees"})
    )
    stats["trainees"] = stats["trainees"].astype(int)
    sides = tables.partition_tasks
    disputed = (
        sides[sides["cohort_sides_with"].isin(["Pragmatic", "Blackblot", "neither"])]
        if "cohort_sides_with" in sides
        else sides.iloc[0:0]
    )
    failed = tables.scores[tables.scores["status"] != "graded"]
    return {
        "stats": stats,
        "items": tables.items[
            ["assignment", "item", "title", "points", "share_correct", "share_full_marks"]
        ],
        "missed": tables.tasks.head(MOST_MISSED)[_MISSED_COLUMNS],
        "partitions": tables.partitions,
        "disputed": disputed,
        "failed": failed[["assignment", "student", "status"]],
    }


def write_csvs(tables: ReportTables, folder: Path) -> None:
    """Write every table of the report as a CSV file in ``folder``."""
    tables.scores.to_csv(folder / "score_distribution.csv", index=False)
    tables.items.to_csv(folder / "items.csv", index=False)
    tables.tasks.to_csv(folder / "tasks.csv", index=False)
    tables.partitions.to_csv(folder / "partitions.csv", index=False)
    tables.partition_tasks.to_csv(folder / "partition_tasks.csv", index=False)


def write_report(settings: CourseSettings, assignments: Sequence[str]) -> Path:
    """Write ``reports/report.html`` (images inlined) and the CSV files; returns the page."""
    out = settings.reports_dir
    out.mkdir(parents=True, exist_ok=True)
    tables = build_tables(settings, assignments)
    write_csvs(tables, out)
    compared = set(tables.partitions.get("compared_with", pd.Series(dtype=str)))
    page = out / REPORT_HTML
    page.write_text(
        render_report(
            assignments=assignments,
            submissions=len(tables.scores),
            not_graded=int((tables.scores["status"] != "graded").sum()),
            tables=_page_tables(tables),
            figures={
                "scores": scores_png(tables.scores),
                "items": None if tables.items.empty else items_png(tables.items),
            },
            frameworks_known=bool({"Pragmatic", "Blackblot"} & compared),
        ),
        encoding="utf-8",
    )
    return page
