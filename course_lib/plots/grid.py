"""The Pragmatic grid: 37 boxes in seven columns, coloured by the course's role partition."""

from __future__ import annotations

from typing import cast

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from course_lib import _style as style
from course_lib._content import load_pragmatic_columns, load_pragmatic_grid
from course_lib.plots.figure import MAX_WIDTH, MIN_FONT_SIZE, new_figure, role_label, wrap_text

__all__ = ["plot_pragmatic_grid"]


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
    fig = new_figure(MAX_WIDTH, 7.6)
    ax = fig.add_subplot()
    ax.set_xlim(0, len(columns))
    ax.set_ylim(-depth - 0.15, 1.55)
    ax.set_axis_off()
    width, height = 0.96, 0.86
    for column_id, column in columns.iterrows():
        left = column_left[str(column_id)]
        ax.text(
            left + 0.5,
            0.55,
            str(column[column_label]),
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            gid=f"column:{column_id}",
        )
    for side, colour in style.SIDE_COLOURS.items():
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
            facecolor=style.ROLE_COLOURS[box["role"]],
            edgecolor=style.ROLE_EDGES[box["role"]],
            hatch="//" if inferred else None,
            linewidth=1.2,
            gid=f"box:{box_id}",
        )
        ax.add_patch(rectangle)
        label = wrap_text(str(box[box_column]) + (" *" if inferred else ""), 11)
        ax.text(
            box_left + width / 2,
            bottom + height / 2,
            label,
            ha="center",
            va="center",
            fontsize=MIN_FONT_SIZE,
            linespacing=1.1,
            gid=f"label:{box_id}",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.85, "linewidth": 0}
            if inferred
            else None,
        )
    handles = [
        Patch(
            facecolor=style.ROLE_COLOURS[role],
            edgecolor=style.ROLE_EDGES[role],
            label=role_label(role),
        )
        for role in ("product_management", "product_marketing")
    ]
    handles.append(
        Patch(
            facecolor="white",
            edgecolor=style.INK_SOFT,
            hatch="//",
            label="* inferred: Planning split by the using/buying rule",
        )
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, fontsize=10.5)
    edition = "classic names" if names == "classic" else "current names, paired by position"
    fig.suptitle(
        f"The Pragmatic grid ({edition}): {len(grid)} boxes in {len(columns)} columns,\n"
        "coloured by the course's role partition",
        fontsize=13,
    )
    return fig
