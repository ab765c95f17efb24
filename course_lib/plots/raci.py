"""A RACI matrix as a picture: tasks as rows, roles as columns, each cell its letter."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from course_lib import _style as style
from course_lib._content import cached_table
from course_lib._labels import display_label
from course_lib.plots.figure import MAX_WIDTH, new_figure, wrap_text

__all__ = ["plot_raci"]

_LETTERS = ("A", "R", "C", "I")


def _row_label(task: object) -> str:
    catalog = cached_table("tasks")
    title = str(catalog.at[task, "title"]) if task in catalog.index else str(task)
    return wrap_text(title, 34)


def plot_raci(matrix: pd.DataFrame, title: str | None = None) -> Figure:
    """Draw a RACI matrix: one row per task (its title), one column per role, letters in cells.

    ``matrix`` is what :func:`raci_matrix` returns (task ids as rows, RACI roles as columns,
    R, A, C, I or "" in the cells). Cells are shaded by letter, the A darkest; a legend says
    what each letter means.
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise TypeError("plot_raci needs a non-empty matrix such as raci_matrix()")
    unknown = sorted({str(v) for v in matrix.to_numpy().ravel()} - set(style.RACI_COLOURS))
    if unknown:
        raise ValueError(f"cells must hold R, A, C, I or ''; found {', '.join(map(repr, unknown))}")
    rows, cols = list(matrix.index), [str(c) for c in matrix.columns]
    lines = sum(_row_label(task).count("\n") + 1 for task in rows)
    fig = new_figure(MAX_WIDTH, 1.5 + 0.22 * lines + 0.16 * len(rows))
    ax = fig.add_subplot()
    for i, task in enumerate(rows):
        for j, role in enumerate(cols):
            letter = str(matrix.at[task, role])
            ax.add_patch(
                Rectangle(
                    (j - 0.5, i - 0.5), 1, 1,
                    facecolor=style.RACI_COLOURS[letter], edgecolor=style.LINE, linewidth=1,
                    gid=f"cell:{task}:{role}",
                )
            )  # fmt: skip
            if letter:
                colour = "white" if letter == "A" else style.INK
                ax.text(j, i, letter, ha="center", va="center", fontsize=13, weight="bold",
                        color=colour, gid=f"letter:{task}:{role}")  # fmt: skip
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xticks(range(len(cols)), [wrap_text(display_label("raci_role", c), 14) for c in cols])
    ax.set_yticks(range(len(rows)), [_row_label(task) for task in rows])
    ax.xaxis.tick_top()
    ax.tick_params(labelsize=10, length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    letters = cached_table("raci_letters")["label"]
    fig.legend(
        handles=[
            Patch(facecolor=style.RACI_COLOURS[letter], edgecolor=style.LINE,
                  label=f"{letter}: {letters[letter]}")
            for letter in _LETTERS
        ],
        loc="outside lower center", ncols=4, fontsize=10, frameon=False,
    )  # fmt: skip
    if title:
        fig.suptitle(title, fontsize=12)
    return fig
