"""The three horizons with the product marketing and product management spans."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course_lib import _style as style
from course_lib._content import load_vocabulary
from course_lib._partitions import role_spans
from course_lib.plots.figure import MAX_WIDTH, new_figure, role_label, sentence, wrap_text

__all__ = ["plot_horizons"]


def plot_horizons() -> Figure:
    """Draw the three horizons with the product marketing and product management spans.

    Product marketing covers current + next products, product management next + future;
    the overlap on next, where the hand-off happens, is highlighted.
    """
    horizons = load_vocabulary("horizons")
    fig = new_figure(MAX_WIDTH, 5.4)
    ax = fig.add_subplot()
    ax.set_xlim(-0.05, len(horizons) + 0.05)
    ax.set_ylim(-0.3, 4.3)
    ax.set_axis_off()
    position = {str(horizon): number for number, horizon in enumerate(horizons.index)}
    shades = (style.PAPER, style.PAPER_SHADE, style.PAPER)
    for (horizon, row), shade in zip(horizons.iterrows(), shades, strict=False):
        left = position[str(horizon)]
        ax.add_patch(
            Rectangle(
                (left, 0),
                1,
                3.0,
                facecolor=shade,
                edgecolor=style.LINE,
                zorder=0,
                gid=f"horizon:{horizon}",
            )
        )
        ax.text(
            left + 0.5,
            4.0,
            f"H{left + 1}: {row['label']}",
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold",
        )
        ax.text(
            left + 0.5,
            3.35,
            wrap_text(sentence(str(row["definition"]).split(":", 1)[-1]), 30),
            ha="center",
            va="center",
            fontsize=10,
            color=style.INK,
        )
    spans = role_spans()
    shared = [h for h in spans["product_marketing"] if h in spans["product_management"]]
    levels = {"product_marketing": 2.0, "product_management": 1.0}
    for role, covered in spans.items():
        start = min(position[h] for h in covered)
        end = max(position[h] for h in covered) + 1
        bottom = levels[role]
        ax.add_patch(
            Rectangle(
                (start + 0.06, bottom + 0.15),
                end - start - 0.12,
                0.55,
                facecolor=style.ROLE_COLOURS[role],
                edgecolor=style.ROLE_EDGES[role],
                linewidth=1.5,
                zorder=2,
                gid=f"span:{role}",
            )
        )
        own = [position[h] for h in covered if h not in shared] or [start]
        ax.text(
            (min(own) + max(own) + 1) / 2,
            bottom + 0.425,
            f"{role_label(role)}:\n{' + '.join(covered)} products",
            ha="center",
            va="center",
            fontsize=10.5,
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
                facecolor=style.OVERLAP,
                edgecolor=style.CORNER_COLOURS["strategy"],
                linewidth=2.0,
                linestyle="--",
                zorder=1,
                gid=f"overlap:{horizon}",
            )
        )
        ax.text(
            left + 0.5,
            0.5,
            f"Overlap on {horizon}:\nthe go-to-market hand-off\n(launch, readiness)",
            ha="center",
            va="center",
            fontsize=10,
            color=style.CORNER_COLOURS["strategy"],
        )
    ax.text(
        position["current"] + 0.5,
        0.5,
        "Warning sign: a PM\nbusy here is not\nplanning for tomorrow",
        ha="center",
        va="center",
        fontsize=10,
        color=style.WRONG,
        style="italic",
    )
    fig.suptitle("Three horizons: who covers which products (Pragmatic Institute)", fontsize=13)
    return fig
