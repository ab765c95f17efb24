"""A crosstab of two partitions as an annotated heat map, disagreements outlined."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from course_lib import _style as style
from course_lib._partitions import PartitionComparison
from course_lib.plots.figure import new_figure, wrap_text

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
    fig = new_figure(2.4 + 1.7 * len(cols), 1.8 + 0.75 * len(rows))
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="Blues", vmin=0, aspect="auto")
    ax.set_xticks(range(len(cols)), [wrap_text(c.replace("_", " "), 14) for c in cols])
    ax.set_yticks(range(len(rows)), [wrap_text(r.replace("_", " "), 18) for r in rows])
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
                        edgecolor=style.DISAGREEMENT,
                        linewidth=2.5,
                        gid=f"disagreement:{row}:{col}",
                    )
                )
    fig.colorbar(image, ax=ax, label="tasks", shrink=0.8)
    ax.legend(
        handles=[
            Patch(
                facecolor="none",
                edgecolor=style.DISAGREEMENT,
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
