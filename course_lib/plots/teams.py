"""Who works with whom: Blackblot's team, its product definition chain, and one leader over
the product manager and the product marketer with a shared scorecard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from course_lib import _style as style
from course_lib._content import (
    cached_table,
    load_blackblot_roles,
    load_definition_chain,
)
from course_lib.plots.figure import MAX_WIDTH, draw_box, new_figure, readable, role_label, wrap_text

__all__ = ["plot_blackblot_team", "plot_definition_chain", "plot_working_together"]

# Where each Blackblot role sits (lower-left x, y) and its size, in a 10 x 7.4 drawing.
_TEAM_SPOTS: dict[str, tuple[float, float]] = {
    "director_of_products": (4.45, 5.55),
    "product_planner": (2.65, 3.35),
    "product_marketer": (6.0, 3.35),
    "sales_engineer": (6.0, 1.75),
    "marcom_manager": (8.0, 1.75),
    "product_architect": (0.2, 3.35),
}
_TEAM_SIZES: dict[str, tuple[float, float]] = {
    "director_of_products": (3.2, 1.1),
    "product_planner": (2.95, 1.75),
    "product_marketer": (3.6, 1.75),
    "sales_engineer": (1.6, 1.1),
    "marcom_manager": (1.6, 1.1),
    "product_architect": (1.75, 1.75),
}
_KIND_COLOURS = {
    "product_planner": style.ROLE_COLOURS["product_management"],
    "product_marketer": style.ROLE_COLOURS["product_marketing"],
    "sales_engineer": style.ROLE_COLOURS["marcom"],
    "marcom_manager": style.ROLE_COLOURS["marcom"],
    "director_of_products": style.ROLE_COLOURS["shared"],
    "product_architect": style.ROLE_COLOURS["engineering"],
}


def _arrow(ax: Any, start: tuple[float, float], end: tuple[float, float], **kwargs: Any) -> None:
    """An arrow from ``start`` to ``end`` (matplotlib arrow options in ``kwargs``)."""
    options: dict[str, Any] = {
        "arrowstyle": "-|>",
        "mutation_scale": 16,
        "linewidth": 1.8,
        "color": style.INK,
    }
    ax.add_patch(FancyArrowPatch(start, end, **(options | kwargs)))


def _region(ax: Any, xy: tuple[float, float], size: tuple[float, float], gid: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            xy,
            *size,
            boxstyle="round,pad=0,rounding_size=0.15",
            facecolor="none",
            edgecolor=style.INK_SOFT,
            linestyle="--",
            linewidth=1.4,
            gid=gid,
        )
    )


def plot_blackblot_team() -> Figure:
    """Draw Blackblot's team: the director over the planner (inbound, the user) and the
    marketer (outbound, the buyer), the sales engineer and MarCom manager beside the marketer,
    and the product architect outside product management, writing the PRD."""
    roles = load_blackblot_roles()
    fig = new_figure(MAX_WIDTH, 6.6)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.1, 7.4)
    ax.set_axis_off()
    _region(ax, (2.45, 1.45), (7.4, 5.5), "region:product_management")
    _region(ax, (0.05, 1.45), (2.2, 5.5), "region:engineering")
    ax.text(9.8, 7.2, "Product management: the problem space", fontsize=11, ha="right")
    ax.text(0.1, 7.2, "Solution space", fontsize=11, ha="left")
    for role, (x, y) in _TEAM_SPOTS.items():
        width, height = _TEAM_SIZES[role]
        owns = [str(item) for item in cast("list[str]", roles.at[role, "owns"])]
        lines = [str(roles.at[role, "label"]), f"({roles.at[role, 'kind']!s})"]
        if role in ("product_planner", "product_marketer", "product_architect"):
            chars = int(width * 8.5)
            lines.append(wrap_text(", ".join(owns[:3]) + (", ..." if len(owns) > 3 else ""), chars))
        draw_box(
            ax,
            (x, y),
            (width, height),
            "\n".join(lines),
            facecolor=_KIND_COLOURS[role],
            edgecolor=style.INK_SOFT,
            gid=f"role:{role}",
            fontsize=10,
            linespacing=1.25,
        )
    top = _TEAM_SPOTS["director_of_products"]
    for role in ("product_planner", "product_marketer"):
        x, y = _TEAM_SPOTS[role]
        width, height = _TEAM_SIZES[role]
        ax.plot([top[0] + 1.6, x + width / 2], [top[1], y + height], color=style.INK_SOFT, lw=1.5)
    planner_x, planner_y = _TEAM_SPOTS["product_planner"]
    _arrow(ax, (planner_x - 0.05, planner_y + 0.5), (1.98, planner_y + 0.5))
    ax.text(1.1, 2.95, "MRD \u2192 PRD", fontsize=10, ha="center", va="center")
    ax.add_patch(
        FancyBboxPatch(
            (0.05, 0.0),
            9.8,
            1.2,
            boxstyle="round,pad=0,rounding_size=0.1",
            facecolor=style.PAPER_SHADE,
            edgecolor=style.LINE,
            gid="market",
        )
    )
    ax.text(5.0, 0.25, "The market: users and buyers", ha="center", va="center", fontsize=10.5)
    inbound, outbound = (
        style.ROLE_EDGES["product_management"],
        style.ROLE_EDGES["product_marketing"],
    )
    _arrow(ax, (4.1, 0.55), (4.1, 3.3), color=inbound)
    ax.text(4.0, 0.8, "inbound: requirements", fontsize=10, color=inbound, ha="right")
    _arrow(ax, (7.8, 3.3), (7.8, 0.55), color=outbound)
    ax.text(7.9, 0.8, "outbound: demand", fontsize=10, color=outbound, ha="left")
    fig.suptitle("Blackblot PMTK: who is on the product team", fontsize=13)
    return fig


def plot_definition_chain() -> Figure:
    """Draw the product definition chain MRD -> PRD -> technical specification: what each
    document answers, who writes it, and where product management stops."""
    chain = load_definition_chain()
    fig = new_figure(MAX_WIDTH, 3.4)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    ax.set_axis_off()
    width, gap = 2.9, 0.5
    for number, (_, step) in enumerate(chain.iterrows()):
        x = 0.15 + number * (width + gap)
        name = str(step["abbreviation"]) or str(step["document"])
        inside = bool(step["in_product_management"])
        text = "\n".join(
            [
                name,
                wrap_text(str(step["document"]), 28) if step["abbreviation"] else "",
                f"{step['question']}?",
                f"written by the {readable('blackblot_role', str(step['owner'])).lower()}",
            ]
        ).replace("\n\n", "\n")
        draw_box(
            ax,
            (x, 0.55),
            (width, 2.3),
            text,
            facecolor=style.ROLE_TINTS["product_management"] if inside else style.PAPER_SHADE,
            gid=f"step:{name}",
            fontsize=10.5,
            linespacing=1.35,
        )
        if number:
            _arrow(ax, (x - gap + 0.05, 1.7), (x - 0.05, 1.7))
    boundary = 0.15 + width + gap / 2
    ax.plot([boundary, boundary], [0.2, 3.6], linestyle="--", color=style.WRONG, linewidth=1.5)
    ax.text(boundary - 0.1, 3.35, "product management", ha="right", fontsize=10.5)
    ax.text(boundary + 0.1, 3.35, "engineering", ha="left", fontsize=10.5)
    fig.suptitle("The product definition chain: problem, solution, build", fontsize=13)
    return fig


def plot_working_together(shared_kpis: Iterable[str]) -> Figure:
    """Draw one leader over the product manager and the product marketer, each role's own
    KPIs, and the shared scorecard (``shared_kpis``: KPI ids of :func:`role_kpis`) both answer
    for."""
    kpis = cached_table("kpis")
    shared = [str(kpi) for kpi in shared_kpis]
    unknown = [kpi for kpi in shared if kpi not in kpis.index]
    if unknown or not shared:
        raise ValueError(
            f"shared_kpis must name KPI ids of role_kpis(), got {unknown or shared!r}; "
            f"choose from: {', '.join(kpis.index)}"
        )
    leader = str(load_blackblot_roles().at["director_of_products", "label"])
    fig = new_figure(MAX_WIDTH, 6.2)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 7)
    ax.set_axis_off()
    draw_box(
        ax, (3.0, 5.7), (4.0, 1.0), f"One product leader\n(Blackblot: {leader})",
        facecolor=style.ROLE_COLOURS["shared"], gid="leader", fontsize=11,
    )  # fmt: skip
    spots = {"product_management": 0.2, "product_marketing": 6.8}
    for role, x in spots.items():
        draw_box(
            ax, (x, 3.9), (3.0, 0.9), role_label(role), facecolor=style.ROLE_COLOURS[role],
            edgecolor=style.ROLE_EDGES[role], gid=f"role:{role}", fontsize=11, fontweight="bold",
        )  # fmt: skip
        _arrow(ax, (x + 1.5, 4.85), (5.0, 5.65), arrowstyle="-|>", color=style.INK_SOFT)
        own = [str(kpis.at[k, "kpi"]) for k in kpis.index[kpis["role"] == role] if k not in shared]
        ax.text(
            x + 0.1, 3.75, "Own KPIs:\n" + "\n".join(f"\u2022 {name}" for name in own),
            va="top", ha="left", fontsize=10, linespacing=1.35, gid=f"kpis:{role}",
        )  # fmt: skip
    ax.text(5.0, 5.1, "both report to", ha="center", fontsize=10, color=style.INK_SOFT)
    names = [str(kpis.at[k, "kpi"]) for k in shared]
    draw_box(
        ax, (3.55, 0.5), (2.9, 0.55 + 0.36 * len(names)),
        "Shared scorecard\n" + "\n".join(names), facecolor=style.HIGHLIGHT, gid="shared",
        fontsize=10.5, linespacing=1.4,
    )  # fmt: skip
    for x in (3.2, 6.8):
        _arrow(ax, (x, 3.85), (5.0 + (x - 5.0) * 0.4, 1.1 + 0.36 * len(names)), color=style.INK)
    ax.text(5.0, 2.95, "both answer for", ha="center", fontsize=10, color=style.INK_SOFT)
    fig.suptitle("Working together: one leader, shared goals", fontsize=13)
    return fig
