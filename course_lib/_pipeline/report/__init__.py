"""``pmcourse report``: item analysis of a graded cohort, one HTML page plus CSV files.

Tables (:mod:`.tables`), figures (:mod:`.figures`) and rendering (:mod:`.render`, from the
``report.html.j2`` template) are separate; :func:`write_report` ties them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from course_lib._pipeline.report.figures import heatmap_png, items_png, scores_png
from course_lib._pipeline.report.render import render_report
from course_lib._pipeline.report.scores import score_stats
from course_lib._pipeline.report.tables import FRAMEWORKS, ReportTables, build_tables
from course_lib._pipeline.settings import CourseSettings
from course_lib._pipeline.workers import progress_bar

__all__ = ["MOST_MISSED", "REPORT_HTML", "write_csvs", "write_report"]

REPORT_HTML = "report.html"
#: How many of the most-missed tasks the page lists.
MOST_MISSED = 10
_MISSED_COLUMNS = [
    "assignment",
    "item",
    "item_title",
    "task",
    "expected",
    "share_correct",
    "commonest_wrong",
    "commonest_wrong_count",
    "task_text",
    "explanation",
]


def _page_tables(tables: ReportTables) -> dict[str, pd.DataFrame]:
    """The tables the page shows, cut down from the full ones written as CSV."""
    sides = tables.partition_tasks
    disputed = (
        sides[sides["cohort_sides_with"].isin(["Pragmatic", "Blackblot", "neither"])]
        if "cohort_sides_with" in sides
        else sides.iloc[0:0]
    )
    failed = tables.scores[tables.scores["status"] != "graded"]
    items = tables.items
    columns = ["assignment", "item", "title", "points", "share_correct", "share_full_marks"]
    return {
        "stats": score_stats(tables.scores),
        "auto_items": items[items["graded_by"] == "auto"][columns],
        "manual_items": items[items["graded_by"] == "manual"][
            ["assignment", "item", "title", "points", "submissions", "needs_manual_grading"]
        ],
        "partitions": tables.partitions,
        "disputed": disputed,
        "failed": failed[["assignment", "student", "status"]],
    }


def _missed(tables: ReportTables) -> list[dict[str, Any]]:
    """The most-missed tasks as records, each with its explanation."""
    missed = tables.tasks.head(MOST_MISSED).reindex(columns=_MISSED_COLUMNS)
    return [
        {str(key): ("" if pd.isna(value) else value) for key, value in row.items()}
        for row in missed.to_dict("records")
    ]


def _heatmaps(tables: ReportTables) -> list[dict[str, Any]]:
    """One heat map per sorting item and framework, with its title and a summary."""
    return [
        {
            "title": f"{assignment}, {item}: the cohort against {comparison.name_b}",
            "summary": comparison.summary(),
            "png": heatmap_png(comparison),
        }
        for assignment, item, comparison in tables.comparisons
    ]


def write_csvs(tables: ReportTables, folder: Path) -> None:
    """Write every table of the report as a CSV file in ``folder``."""
    tables.scores.to_csv(folder / "score_distribution.csv", index=False)
    tables.items.to_csv(folder / "items.csv", index=False)
    tables.tasks.to_csv(folder / "tasks.csv", index=False)
    tables.partitions.to_csv(folder / "partitions.csv", index=False)
    tables.partition_tasks.to_csv(folder / "partition_tasks.csv", index=False)


def write_report(
    settings: CourseSettings, assignments: Sequence[str], *, progress: bool = False
) -> Path:
    """Write ``reports/report.html`` (images inlined) and the CSV files; returns the page.

    With ``progress``, shows a bar on a terminal (plain lines elsewhere): the gradebook, each
    assignment's answers, the figures, the page.
    """
    out = settings.reports_dir
    out.mkdir(parents=True, exist_ok=True)
    page = out / REPORT_HTML
    with progress_bar(len(assignments) + 3, progress, "report", unit="step") as bar:
        tables = build_tables(settings, assignments, tick=lambda: bar.update(1))
        write_csvs(tables, out)
        auto_items = tables.items[tables.items["graded_by"] == "auto"]
        figures = {
            "scores": None if tables.scores.empty else scores_png(tables.scores),
            "items": None if auto_items.empty else items_png(auto_items),
        }
        heatmaps = _heatmaps(tables)
        bar.update(1)
        compared = set(tables.partitions.get("compared_with", pd.Series(dtype=str)))
        page.write_text(
            render_report(
                assignments=assignments,
                submissions=len(tables.scores),
                not_graded=int((tables.scores["status"] != "graded").sum()),
                tables=_page_tables(tables),
                figures=figures,
                missed=_missed(tables),
                heatmaps=heatmaps,
                frameworks_known=bool(set(FRAMEWORKS) & compared),
            ),
            encoding="utf-8",
        )
        bar.update(1)
    return page
