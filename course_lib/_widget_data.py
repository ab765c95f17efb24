"""Plain data behind the role-by-horizon view and the horizons picture (no widgets, no plots)."""

from __future__ import annotations

import pandas as pd

from course_lib._labels import label_choices
from course_lib._partitions import partition, scheme_kind

__all__ = ["ROLE_SPANS", "role_horizon_table"]

#: Role -> the horizons it covers in Pragmatic Institute's mapping (seed 002): product
#: marketing covers current + next products, product management next + future; they overlap
#: on next, where the go-to-market hand-off happens.
ROLE_SPANS: dict[str, tuple[str, ...]] = {
    "product_marketing": ("current", "next"),
    "product_management": ("next", "future"),
}


def role_horizon_table(tasks: pd.DataFrame, scheme: str = "pragmatic_role") -> pd.DataFrame:
    """Return a role x horizon table whose cells list the titles of the tasks found there.

    Rows are the roles that own at least one of ``tasks`` under ``scheme`` (a role scheme such
    as ``pragmatic_role`` or ``blackblot_role``), in vocabulary order; columns are the three
    horizons. Titles keep the catalog's order.
    """
    if scheme_kind(scheme) != "role":
        raise ValueError(
            f"scheme {scheme!r} does not label roles; use 'pragmatic_role' or 'blackblot_role'"
        )
    roles = partition(tasks, scheme)
    horizons = partition(tasks, "horizon")
    present = set(roles)
    rows = [role for role in label_choices("role") if role in present]
    columns = label_choices("horizon")
    cells: dict[str, list[list[str]]] = {horizon: [] for horizon in columns}
    for horizon in columns:
        for role in rows:
            chosen = (roles == role) & (horizons == horizon)
            cells[horizon].append([str(title) for title in tasks.loc[chosen, "title"]])
    table = pd.DataFrame(cells, index=pd.Index(rows, name="role"), columns=columns)
    table.columns.name = "horizon"
    return table
