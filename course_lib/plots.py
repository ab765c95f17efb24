"""The course's four pictures, drawn with matplotlib and returned as figures.

Figures are built with :class:`matplotlib.figure.Figure` directly, each with its own Agg
canvas, never through pyplot: no backend is switched and nothing is registered globally. Each
figure shows itself as a PNG in a notebook (also where pyplot was never imported). Every
drawn element a test counts carries a ``gid`` such as ``box:pricing`` or ``span:next``.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any, cast

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon, Rectangle

from course_lib._content import (
    load_pragmatic_columns,
    load_pragmatic_grid,
    load_tasks,
    load_vocabulary,
)
from course_lib._partitions import PartitionComparison, partition
from course_lib._widget_data import ROLE_SPANS

__all__ = ["plot_horizons", "plot_partition_heatmap", "plot_pragmatic_grid", "plot_triangle"]

ROLE_COLOURS = {
    "product_management": "#9ecae1",
    "product_marketing": "#fdae6b",
    "marcom": "#fdd0a2",
    "shared": "#c7e9c0",
    "engineering": "#d9d9d9",
}
ROLE_EDGES = {"product_management": "#2166ac", "product_marketing": "#b35806"}
DISAGREEMENT_COLOUR = "#d7301f"

#: Job titles seen at each corner of the triangle (seed 004).
CORNER_TITLES: dict[str, tuple[str, ...]] = {
    "strategy": ("Product strategist", "PM strategist", "Strategic product manager"),
    "marketing": (
        "Product marketing manager",
        "Product marketing specialist",
        "Tactical product marketer",
        "Marketing PM",
    ),
    "technical": (
        "Technical PM",
        "Product owner",
        "PM specialist",
        "Product expert",
        "Product scientist",
    ),
}


class CourseFigure(Figure):
    """A Figure that shows itself as a PNG in Jupyter without pyplot's inline backend."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def _figure(width: float, height: float) -> CourseFigure:
    """A new figure drawn by its own Agg canvas: no pyplot, no global backend switch."""
    fig = CourseFigure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _role_label(role: str) -> str:
    return str(load_vocabulary("roles").at[role, "label"])


def plot_pragmatic_grid(names: str = "classic") -> Figure:
    """Draw the 37 boxes of the Pragmatic grid in seven columns, coloured by the course's role.

    Boxes whose role is the course's inference (the Planning split by the using/buying rule)
    are hatched and marked with an asterisk. ``names="current"`` labels boxes and columns with
    the current Pragmatic Institute names instead of the classic ones (old and new boxes are
    paired by position, which Pragmatic does not publish).
    """
    if names not in ("classic", "current"):
        raise ValueError(f"names must be 'classic' or 'current', not {names!r}")
    grid = load_pragmatic_grid()
    columns = load_pragmatic_columns()
    box_column = "name" if names == "classic" else "name_current"
    column_label = "label" if names == "classic" else "name_current"
    depth = int(grid["position"].max())
    column_left = {
        str(column): int(position) - 1 for column, position in columns["position"].items()
    }
    fig = _figure(15, 8.2)
    ax = fig.add_subplot()
    ax.set_xlim(0, len(columns))
    ax.set_ylim(-depth - 0.15, 1.55)
    ax.set_axis_off()
    width, height = 0.92, 0.84
    for column_id, column in columns.iterrows():
        left = column_left[str(column_id)]
        ax.text(
            left + 0.5,
            0.55,
            str(column[column_label]),
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold",
            gid=f"column:{column_id}",
        )
    for side, colour in (("strategic", "#2166ac"), ("tactical", "#b35806")):
        positions = columns.loc[columns["side"] == side, "position"]
        start, end = int(positions.min()) - 1, int(positions.max())
        ax.annotate(
            "",
            xy=(start + 0.04, 1.05),
            xytext=(end - 0.04, 1.05),
            arrowprops={"arrowstyle": "<->", "color": colour, "lw": 1.5},
        )
        ax.text(
            (start + end) / 2,
            1.25,
            side.capitalize(),
            ha="center",
            va="center",
            fontsize=11,
            color=colour,
            style="italic",
        )
    for box_id, box in grid.iterrows():
        box_left = column_left[str(box["column"])] + (1 - width) / 2
        bottom = -cast(int, box["position"]) + (1 - height) / 2
        inferred = box["role_basis"] == "inferred"
        rectangle = Rectangle(
            (box_left, bottom),
            width,
            height,
            facecolor=ROLE_COLOURS[box["role"]],
            edgecolor=ROLE_EDGES[box["role"]],
            hatch="//" if inferred else None,
            linewidth=1.2,
            gid=f"box:{box_id}",
        )
        ax.add_patch(rectangle)
        label = _wrap(str(box[box_column]), 16) + (" *" if inferred else "")
        ax.text(
            box_left + width / 2,
            bottom + height / 2,
            label,
            ha="center",
            va="center",
            fontsize=9,
            gid=f"label:{box_id}",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.85, "linewidth": 0}
            if inferred
            else None,
        )
    handles = [
        Patch(facecolor=ROLE_COLOURS[role], edgecolor=ROLE_EDGES[role], label=_role_label(role))
        for role in ("product_management", "product_marketing")
    ]
    handles.append(
        Patch(
            facecolor="white",
            edgecolor="#555555",
            hatch="//",
            label="* inferred: Planning split by the using/buying rule",
        )
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=10)
    edition = "classic names" if names == "classic" else "current names, paired by position"
    fig.suptitle(
        f"The Pragmatic grid ({edition}): {len(grid)} boxes in {len(columns)} columns, "
        "coloured by the course's role partition",
        fontsize=14,
    )
    return fig


def plot_horizons() -> Figure:
    """Draw the three horizons with the product marketing and product management spans.

    Product marketing covers current + next products, product management next + future;
    the overlap on next, where the hand-off happens, is highlighted.
    """
    horizons = load_vocabulary("horizons")
    fig = _figure(12, 5.6)
    ax = fig.add_subplot()
    ax.set_xlim(-0.05, len(horizons) + 0.05)
    ax.set_ylim(-0.5, 4.1)
    ax.set_axis_off()
    position = {str(horizon): number for number, horizon in enumerate(horizons.index)}
    shades = ("#f7f7f7", "#e8e8e8", "#f7f7f7")
    for (horizon, row), shade in zip(horizons.iterrows(), shades, strict=False):
        left = position[str(horizon)]
        ax.add_patch(
            Rectangle(
                (left, 0),
                1,
                3.0,
                facecolor=shade,
                edgecolor="#969696",
                zorder=0,
                gid=f"horizon:{horizon}",
            )
        )
        ax.text(
            left + 0.5,
            3.65,
            f"H{left + 1}: {row['label']}",
            ha="center",
            va="center",
            fontsize=13,
            fontweight="bold",
        )
        ax.text(
            left + 0.5,
            3.25,
            _wrap(_sentence(str(row["definition"]).split(":", 1)[-1]), 40),
            ha="center",
            va="center",
            fontsize=8.5,
            color="#404040",
        )
    shared = [h for h in ROLE_SPANS["product_marketing"] if h in ROLE_SPANS["product_management"]]
    levels = {"product_marketing": 2.0, "product_management": 1.0}
    for role, covered in ROLE_SPANS.items():
        start = min(position[h] for h in covered)
        end = max(position[h] for h in covered) + 1
        bottom = levels[role]
        ax.add_patch(
            Rectangle(
                (start + 0.06, bottom + 0.15),
                end - start - 0.12,
                0.55,
                facecolor=ROLE_COLOURS[role],
                edgecolor=ROLE_EDGES[role],
                linewidth=1.5,
                zorder=2,
                gid=f"span:{role}",
            )
        )
        own = [position[h] for h in covered if h not in shared] or [start]
        ax.text(
            (min(own) + max(own) + 1) / 2,
            bottom + 0.425,
            f"{_role_label(role)}:\n{' + '.join(covered)} products",
            ha="center",
            va="center",
            fontsize=11.5,
            fontweight="bold",
            zorder=3,
        )
    for horizon in shared:
        left = position[horizon]
        ax.add_patch(
            Rectangle(
                (left + 0.02, 0.9),
                0.96,
                2.0,
                facecolor="#e7d4e8",
                edgecolor="#7b3294",
                linewidth=2.0,
                linestyle="--",
                zorder=1,
                gid=f"overlap:{horizon}",
            )
        )
        ax.text(
            left + 0.5,
            0.5,
            f"Overlap on {horizon}: the go-to-market\nhand-off (launch, readiness)",
            ha="center",
            va="center",
            fontsize=10,
            color="#7b3294",
        )
    ax.text(
        position["current"] + 0.5,
        0.5,
        "Warning sign: a PM busy here\nis not planning for tomorrow",
        ha="center",
        va="center",
        fontsize=9.5,
        color="#b2182b",
        style="italic",
    )
    fig.suptitle("Three horizons: who covers which products (Pragmatic Institute)", fontsize=14)
    return fig


def plot_partition_heatmap(comparison: PartitionComparison) -> Figure:
    """Draw the crosstab of a :func:`compare_partitions` result as an annotated heat map.

    Rows are labels of partition a, columns labels of partition b, labels used by both first
    so that agreement runs down the diagonal. Cells where the two labels differ and tasks
    exist (the disagreements) get a red outline.
    """
    if not isinstance(comparison, PartitionComparison):
        raise TypeError(
            "plot_partition_heatmap needs the result of compare_partitions(a, b), "
            f"not {type(comparison).__name__}"
        )
    crosstab = comparison.crosstab
    if crosstab.empty:
        raise ValueError("the comparison has no task labelled on both sides; nothing to draw")
    # labels found on both sides first, in the same order, so agreement runs down the diagonal
    both = [label for label in crosstab.index if label in crosstab.columns]
    crosstab = crosstab.loc[
        both + [label for label in crosstab.index if label not in both],
        both + [label for label in crosstab.columns if label not in both],
    ]
    rows = [str(label) for label in crosstab.index]
    cols = [str(label) for label in crosstab.columns]
    values = crosstab.to_numpy()
    fig = _figure(2.4 + 1.7 * len(cols), 1.8 + 0.75 * len(rows))
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="Blues", vmin=0, aspect="auto")
    ax.set_xticks(range(len(cols)), [_wrap(c.replace("_", " "), 14) for c in cols])
    ax.set_yticks(range(len(rows)), [_wrap(r.replace("_", " "), 18) for r in rows])
    ax.set_xlabel(comparison.name_b, fontsize=11)
    ax.set_ylabel(comparison.name_a, fontsize=11)
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    peak = values.max() if values.size else 0
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            count = int(values[i, j])
            ax.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                fontsize=12,
                color="white" if peak and count > peak / 2 else "black",
                gid=f"count:{row}:{col}",
            )
            if count and row != col:
                ax.add_patch(
                    Rectangle(
                        (j - 0.46, i - 0.46),
                        0.92,
                        0.92,
                        facecolor="none",
                        edgecolor=DISAGREEMENT_COLOUR,
                        linewidth=2.5,
                        gid=f"disagreement:{row}:{col}",
                    )
                )
    fig.colorbar(image, ax=ax, label="tasks", shrink=0.8)
    ax.legend(
        handles=[
            Patch(
                facecolor="none",
                edgecolor=DISAGREEMENT_COLOUR,
                linewidth=2.5,
                label="disagreement (labels differ)",
            )
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        frameon=False,
        fontsize=10,
    )
    fig.suptitle(
        f"{comparison.name_a} vs {comparison.name_b}: agreement {comparison.agreement:.0%}, "
        f"kappa {comparison.kappa:.2f}, {len(comparison.disagreements)} disagreement(s)",
        fontsize=12,
    )
    return fig


_CORNER_XY = {"strategy": (0.5, 0.866), "marketing": (0.0, 0.0), "technical": (1.0, 0.0)}
_CORNER_COLOURS = {"strategy": "#7b3294", "marketing": "#e66101", "technical": "#2166ac"}
_TITLE_SPOTS: dict[str, dict[str, Any]] = {
    # where each corner's list of job titles goes: anchor point and alignment
    "strategy": {"x": 0.62, "y": 0.93, "ha": "left", "va": "top"},
    "marketing": {"x": -0.08, "y": 0.06, "ha": "right", "va": "bottom"},
    "technical": {"x": 1.08, "y": 0.06, "ha": "left", "va": "bottom"},
}


def _draw_triangle(ax: Any, corners: pd.DataFrame, counts: dict[str, int] | None = None) -> None:
    """Draw the triangle, its three corner markers and their labels on ``ax``."""
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.add_patch(
        Polygon(
            [_CORNER_XY[str(c)] for c in corners.index],
            closed=True,
            facecolor="#f7f7f7",
            edgecolor="#636363",
            linewidth=2,
            gid="triangle",
        )
    )
    for corner, row in corners.iterrows():
        x, y = _CORNER_XY[str(corner)]
        ax.plot([x], [y], marker="o", markersize=14, color="#404040", gid=f"corner:{corner}")
        label = str(row["label"])
        if counts is not None:
            label += f" ({counts[str(corner)]})"
        ax.text(
            x,
            y + (0.07 if y > 0 else -0.08),
            label,
            ha="center",
            va="center",
            fontsize=14,
            fontweight="bold",
            color=_CORNER_COLOURS.get(str(corner), "black"),
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
    catalog's tasks (or ``tasks``) by corner, one dot each near its corner, and lists their
    titles per corner beside the triangle.
    """
    if show not in ("titles", "tasks"):
        raise ValueError(f"show must be 'titles' or 'tasks', not {show!r}")
    corners = load_vocabulary("corners")
    if show == "titles":
        fig = _figure(12, 6.5)
        ax = fig.add_subplot()
        ax.set_xlim(-0.75, 1.75)
        ax.set_ylim(-0.2, 1.05)
        _draw_triangle(ax, corners)
        for corner in corners.index:
            spot = _TITLE_SPOTS[str(corner)]
            ax.text(
                spot["x"],
                spot["y"],
                "Titles:\n" + "\n".join(CORNER_TITLES[str(corner)]),
                ha=spot["ha"],
                va=spot["va"],
                fontsize=11,
                linespacing=1.4,
                gid=f"titles:{corner}",
            )
        ax.text(
            0.5,
            0.3,
            "Most PMs cover two corners\nwell; startups need all three.",
            ha="center",
            va="center",
            fontsize=11,
            style="italic",
        )
        fig.suptitle(
            "The product management triangle: corners and the titles found there", fontsize=14
        )
        return fig
    catalog = load_tasks() if tasks is None else tasks
    placed = partition(catalog, "corner")
    chosen = {
        str(corner): [str(task) for task, label in placed.items() if label == corner]
        for corner in corners.index
    }
    fig = _figure(17, 7)
    grid = fig.add_gridspec(1, 1 + len(corners), width_ratios=[1.3] + [1.0] * len(corners))
    ax = fig.add_subplot(grid[0, 0])
    ax.set_xlim(-0.15, 1.15)
    ax.set_ylim(-0.2, 1.0)
    _draw_triangle(ax, corners, {corner: len(ids) for corner, ids in chosen.items()})
    for number, (corner, ids) in enumerate(chosen.items(), start=1):
        colour = _CORNER_COLOURS.get(corner, "black")
        for task, (x, y) in zip(ids, _lattice(corner, len(ids)), strict=True):
            ax.plot([x], [y], marker="o", markersize=6, color=colour, gid=f"task:{task}")
        column = fig.add_subplot(grid[0, number])
        column.set_axis_off()
        corner_label = str(corners.at[corner, "label"])
        heading = f"{corner_label}: {len(ids)} task(s)"
        column.text(
            0,
            1,
            heading,
            ha="left",
            va="top",
            fontsize=12,
            fontweight="bold",
            color=colour,
            transform=column.transAxes,
        )
        titles = [_wrap(str(catalog.at[task, "title"]), 40) for task in ids]
        column.text(
            0,
            0.95,
            "\n".join(f"\u2022 {t}".replace("\n", "\n   ") for t in titles),
            ha="left",
            va="top",
            fontsize=9,
            linespacing=1.25,
            transform=column.transAxes,
            gid=f"tasks:{corner}",
        )
    fig.suptitle(f"The product management triangle: {len(catalog)} tasks by corner", fontsize=14)
    return fig
