"""A crosstab of two partitions as an annotated heat map, disagreements outlined."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from course_lib import _style as style
from course_lib._partitions import SCHEMES, PartitionComparison, scheme_kind
from course_lib.plots.figure import MAX_WIDTH, new_figure, readable, sentence, wrap_text

__all__ = ["plot_partition_heatmap"]


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
    fig = new_figure(MAX_WIDTH, 2.4 + 0.62 * len(rows))
    ax = fig.add_subplot()
    ax.imshow(values, cmap="Blues", vmin=0, aspect="auto")
    column_width = max(8, int(52 / max(len(cols), 1)))
    ax.set_xticks(
        range(len(cols)), [wrap_text(_label(comparison.name_b, c), column_width) for c in cols]
    )
    ax.set_yticks(range(len(rows)), [wrap_text(_label(comparison.name_a, r), 22) for r in rows])
    ax.tick_params(labelsize=10)
    ax.set_xlabel(_axis_title(comparison.name_b), fontsize=11, labelpad=8)
    ax.set_ylabel(_axis_title(comparison.name_a), fontsize=11, labelpad=8)
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
                        edgecolor=style.DISAGREEMENT,
                        linewidth=2.5,
                        gid=f"disagreement:{row}:{col}",
                    )
                )
    fig.legend(
        handles=[
            Patch(
                facecolor="none",
                edgecolor=style.DISAGREEMENT,
                linewidth=2.5,
                label="disagreement (labels differ)",
            )
        ],
        loc="outside lower center",
        frameon=False,
        fontsize=10,
    )
    fig.suptitle(
        f"{_axis_title(comparison.name_a)} vs {_axis_title(comparison.name_b)}: "
        f"agreement {comparison.agreement:.0%}, kappa {comparison.kappa:.2f}, "
        f"{len(comparison.disagreements)} disagreement(s)",
        fontsize=12,
    )
    return fig


def _axis_title(name: str) -> str:
    """A partition's name in words: ``pragmatic_role`` -> ``Pragmatic role``."""
    return sentence(name.replace("_", " "))


def _label(name: str, label: str) -> str:
    """A label as trainees read it, when the partition is one of the course's schemes."""
    return readable(scheme_kind(name), label) if name in SCHEMES else label
