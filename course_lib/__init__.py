"""Helper library for the course "Product management versus product marketing".

The content (tasks, roles, horizons, the two frameworks) is data; these functions load it,
partition it and give trainees feedback. Widgets and plots are imported only when used, so
``import course_lib`` pulls in neither ipywidgets nor matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any as _Any

from course_lib._content import (
    VOCABULARIES,
    ContentError,
    load_blackblot_roles,
    load_decision_failures,
    load_definition_chain,
    load_pragmatic_columns,
    load_pragmatic_grid,
    load_raci,
    load_sources,
    load_tasks,
    load_vocabulary,
)
from course_lib._labels import label_choices, normalize_label
from course_lib._partitions import SCHEMES, PartitionComparison, compare_partitions, partition
from course_lib._practice import SortFeedback, check_sort
from course_lib._raci.feedback import RaciFeedback, check_raci
from course_lib._raci.practice import (
    combine_roles,
    framework_accountables,
    raci_matrix,
    role_load,
    rule_report,
)
from course_lib._tables import show_table
from course_lib.lessons import (
    DISAGREEMENT_KINDS,
    blackblot_artefacts,
    check_artefact_owners,
    check_kpi_owners,
    check_quiz,
    classify_disagreements,
    disagreement_kind,
    role_kpis,
    role_traits,
    tasks_by_label,
)

__version__ = "0.1.0"

# Public name -> module that defines it, imported on first use (widgets and plots need
# ipywidgets and matplotlib, which a plain `import course_lib` must not load).
_LAZY: dict[str, str] = {
    "SortingBoard": "course_lib.widgets",
    "RaciBoard": "course_lib.widgets",
    "role_horizon_view": "course_lib.widgets",
    "plot_pragmatic_grid": "course_lib.plots",
    "plot_horizons": "course_lib.plots",
    "plot_partition_heatmap": "course_lib.plots",
    "plot_triangle": "course_lib.plots",
    "plot_blackblot_team": "course_lib.plots",
    "plot_definition_chain": "course_lib.plots",
    "plot_working_together": "course_lib.plots",
    "plot_raci": "course_lib.plots",
    "check_answer": "course_lib.grading",
}

__all__ = [
    "SCHEMES",
    "VOCABULARIES",
    "ContentError",
    "DISAGREEMENT_KINDS",
    "PartitionComparison",
    "RaciFeedback",
    "SortFeedback",
    "blackblot_artefacts",
    "check_artefact_owners",
    "check_kpi_owners",
    "check_quiz",
    "check_raci",
    "check_sort",
    "classify_disagreements",
    "combine_roles",
    "compare_partitions",
    "disagreement_kind",
    "framework_accountables",
    "label_choices",
    "load_blackblot_roles",
    "load_decision_failures",
    "load_definition_chain",
    "load_pragmatic_columns",
    "load_pragmatic_grid",
    "load_raci",
    "load_sources",
    "load_tasks",
    "load_vocabulary",
    "normalize_label",
    "partition",
    "raci_matrix",
    "role_kpis",
    "role_load",
    "role_traits",
    "rule_report",
    "show_table",
    "tasks_by_label",
    *_LAZY,
]


def __getattr__(name: str) -> _Any:
    """Import widget and plot functions on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'course_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
