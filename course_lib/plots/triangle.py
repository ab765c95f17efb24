"""The product management triangle: strategy, marketing and technical corners."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from course_lib import _style as style
from course_lib._content import load_tasks, load_vocabulary
from course_lib._partitions import partition
from course_lib.plots.figure import MAX_WIDTH, new_figure

__all__ = ["plot_triangle"]


_CORNER_XY = {"strategy": (0.5, 0.866), "marketing": (0.0, 0.0), "technical": (1.0, 0.0)}
_TITLE_SPOTS: dict[str, dict[str, Any]] = {
    # where each corner's list of job titles goes: anchor point and alignment
    "strategy": {"x": 0.64, "y": 0.95, "ha": "left", "va": "top"},
    "marketing": {"x": -0.1, "y": 0.08, "ha": "right", "va": "bottom"},
    "technical": {"x": 1.1, "y": 0.08, "ha": "left", "va": "bottom"},
}


def _draw_triangle(ax: Any, corners: pd.DataFrame, counts: dict[str, int] | None = None) -> None:
    """Draw the triangle, its three corner markers and their labels on ``ax``."""
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.add_patch(
        Polygon(
            [_CORNER_XY[str(c)] for c in corners.index],
            closed=True,
            facecolor=style.PAPER,
            edgecolor=style.INK_SOFT,
            linewidth=2,
            gid="triangle",
        )
    )
    for corner, row in corners.iterrows():
        x, y = _CORNER_XY[str(corner)]
        ax.plot([x], [y], marker="o", markersize=14, color=style.INK, gid=f"corner:{corner}")
        label = str(row["label"])
        if counts is not None:
            label += f" ({counts[str(corner)]})"
        ax.text(
            x,
            y + (0.07 if y > 0 else -0.08),
            label,
            ha="center",
            va="center",
            fontsize=12.5,
            fontweight="bold",
            color=style.CORNER_COLOURS.get(str(corner), "black"),
            gid=f"corner-label:{corner}",
        )


def _lattice(corner: str, count: int, step: float = 0.05) -> list[tuple[float, float]]:
    """``count`` points on a triangular lattice filling the triangle from ``corner`` inwards."""
    cx, cy = _CORNER_XY[corner]
    (jx, jy), (lx, ly) = (_CORNER_XY[c] for c in _CORNER_XY if c != corner)
    points: list[tuple[float, float]] = []
    row = 0
    while len(points) < count:
        for place in range(row + 1):
            a, b = (row - place + 1) * step, (place + 1) * step
            points.append((cx + a * (jx - cx) + b * (lx - cx), cy + a * (jy - cy) + b * (ly - cy)))
        row += 1
    return points[:count]


def plot_triangle(show: str = "titles", tasks: pd.DataFrame | None = None) -> Figure:
    """Draw the product management triangle: strategy, marketing and technical corners.

    ``show="titles"`` lists the job titles found at each corner; ``show="tasks"`` places the
    catalog's tasks (or ``tasks``) by corner, one dot each near its corner, with a count per
    corner. The tasks' titles are too many for a picture: list them with
    ``tasks_by_label(tasks, "corner")`` in a table.
    """
    if show not in ("titles", "tasks"):
        raise ValueError(f"show must be 'titles' or 'tasks', not {show!r}")
    corners = load_vocabulary("corners")
    fig = new_figure(MAX_WIDTH, 5.4)
    ax = fig.add_subplot()
    ax.set_xlim(-0.78, 1.78)
    ax.set_ylim(-0.2, 1.02)
    if show == "titles":
        _draw_triangle(ax, corners)
        for corner in corners.index:
            spot = _TITLE_SPOTS[str(corner)]
            ax.text(
                spot["x"],
                spot["y"],
                "Titles:\n" + "\n".join(map(str, cast("list[str]", corners.at[corner, "titles"]))),
                ha=spot["ha"],
                va=spot["va"],
                fontsize=10.5,
                linespacing=1.4,
                gid=f"titles:{corner}",
            )
        ax.text(
            0.5,
            0.3,
            "Most PMs cover two\ncorners well; startups\nneed all three.",
            ha="center",
            va="center",
            fontsize=10.5,
            style="italic",
        )
        fig.suptitle(
            "The product management triangle: corners and the titles found there", fontsize=13
        )
        return fig
    catalog = load_tasks() if tasks is None else tasks
    placed = partition(catalog, "corner")
    chosen = {
        str(corner): [str(task) for task, label in placed.items() if label == corner]
        for corner in corners.index
    }
    ax.set_xlim(-0.45, 1.45)
    _draw_triangle(ax, corners, {corner: len(ids) for corner, ids in chosen.items()})
    for corner, ids in chosen.items():
        colour = style.CORNER_COLOURS.get(corner, "black")
        for task, (x, y) in zip(ids, _lattice(corner, len(ids)), strict=True):
            ax.plot([x], [y], marker="o", markersize=6, color=colour, gid=f"task:{task}")
    fig.suptitle(
        f"The product management triangle: {len(catalog)} tasks by corner, one dot each",
        fontsize=13,
    )
    return fig
