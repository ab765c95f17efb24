"""The course's pictures, drawn with matplotlib and returned as figures.

Figures are built with :class:`matplotlib.figure.Figure` directly, each with its own Agg
canvas, never through pyplot: no backend is switched and nothing is registered globally. Each
figure shows itself as a PNG in a notebook (also where pyplot was never imported). Every
drawn element a test counts carries a ``gid`` such as ``box:pricing`` or ``span:next``.
"""

from course_lib.plots.grid import plot_pragmatic_grid
from course_lib.plots.heatmap import plot_partition_heatmap
from course_lib.plots.horizons import plot_horizons
from course_lib.plots.raci import plot_raci
from course_lib.plots.teams import (
    plot_blackblot_team,
    plot_definition_chain,
    plot_working_together,
)
from course_lib.plots.triangle import plot_triangle

__all__ = [
    "plot_blackblot_team",
    "plot_definition_chain",
    "plot_horizons",
    "plot_partition_heatmap",
    "plot_pragmatic_grid",
    "plot_raci",
    "plot_triangle",
    "plot_working_together",
]
