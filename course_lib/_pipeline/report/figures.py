"""The report's pictures as PNG bytes, drawn without pyplot (no global backend)."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_lib import _style as style
from course_lib._partitions import PartitionComparison
from course_lib.plots import plot_partition_heatmap

__all__ = ["heatmap_png", "items_png", "scores_png"]

_BINS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001]


def _png(figure: Figure, dpi: int = 90) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def scores_png(scores: pd.DataFrame) -> bytes:
    """Histograms of the score (percent) per assignment, side by side."""
    assignments = sorted(scores["assignment"].unique())
    figure = Figure(figsize=(4 * max(1, len(assignments)), 3.2), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, max(1, len(assignments)), squeeze=False)[0]
    for axis, assignment in zip(axes, assignments, strict=False):
        percent = scores.loc[scores["assignment"] == assignment, "percent"].dropna()
        axis.hist(percent, bins=_BINS, color=style.ROLE_EDGES["product_management"])
        axis.set_title(assignment)
        axis.set_xlabel("score (% of autograded points)")
        axis.set_ylabel("trainees")
    return _png(figure)


def items_png(items: pd.DataFrame) -> bytes:
    """One bar per autograded item: the share of its points the cohort earned."""
    labels = [f"{row.assignment} {row.item}" for row in items.itertuples()]
    figure = Figure(figsize=(7, 0.35 * len(labels) + 1.2), layout="constrained")
    FigureCanvasAgg(figure)
    axis = figure.subplots()
    axis.barh(labels[::-1], list(items["share_correct"])[::-1], color=style.CORRECT)
    axis.set_xlim(0, 1)
    axis.set_xlabel("share of points earned")
    axis.set_title("Each item's share correct")
    return _png(figure)


def heatmap_png(comparison: PartitionComparison) -> bytes:
    """The course's partition heat map (:func:`course_lib.plots.plot_partition_heatmap`) of
    the cohort's majority partition against one framework."""
    return _png(plot_partition_heatmap(comparison), dpi=80)
