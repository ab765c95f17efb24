"""Partitions of the task catalog (who owns what under a scheme) and their comparison."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd

from course_lib._content import cached_table, load_tasks
from course_lib._labels import label_choices
from course_lib._markup import tag

__all__ = [
    "SCHEMES",
    "PartitionComparison",
    "compare_partitions",
    "partition",
    "role_horizon_table",
    "role_spans",
    "scheme_kind",
]

#: Scheme -> (label kind, column of the catalog that explains the label).
SCHEMES: dict[str, tuple[str, str]] = {
    "pragmatic_role": ("role", "pragmatic_explanation"),
    "blackblot_role": ("role", "blackblot_explanation"),
    "blackblot_owner": ("blackblot_role", "blackblot_explanation"),
    "horizon": ("horizon", "horizon_explanation"),
    "corner": ("corner", "corner_explanation"),
}
_SCHEME_TITLES = {
    "pragmatic_role": "Pragmatic",
    "blackblot_role": "Blackblot",
    "blackblot_owner": "Blackblot",
    "horizon": "Horizon",
    "corner": "Triangle",
}


def _check_scheme(scheme: str) -> str:
    if not isinstance(scheme, str):
        raise TypeError(f"scheme must be text, not {type(scheme).__name__}")
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of: {', '.join(SCHEMES)}")
    return scheme


def scheme_kind(scheme: str) -> str:
    """Return the label kind a scheme's labels belong to (``role``, ``horizon``, ...)."""
    return SCHEMES[_check_scheme(scheme)][0]


def partition(tasks: pd.DataFrame, scheme: str) -> pd.Series:
    """Return a Series task id -> label of ``tasks`` under ``scheme``, named after the scheme.

    ``blackblot_role`` maps each Blackblot owner to the course role it plays, so that it can
    be compared with ``pragmatic_role``; ``blackblot_owner`` keeps Blackblot's own role ids.
    """
    _check_scheme(scheme)
    if not isinstance(tasks, pd.DataFrame):
        raise TypeError(
            f"tasks must be a DataFrame such as load_tasks(), not {type(tasks).__name__}"
        )
    column = "blackblot_owner" if scheme == "blackblot_role" else scheme
    if column not in tasks.columns:
        raise ValueError(
            f"tasks has no column {column!r} needed for scheme {scheme!r}; "
            "pass the catalog from load_tasks() or a subset of its rows"
        )
    labels = tasks[column]
    if scheme == "blackblot_role":
        course_roles = cached_table("blackblot_roles")["course_role"]
        unknown = sorted(set(labels) - set(course_roles.index))
        if unknown:
            raise ValueError(
                f"unknown Blackblot role(s) {', '.join(map(repr, unknown))}; "
                f"expected one of: {', '.join(course_roles.index)}"
            )
        labels = labels.map(course_roles)
    result = pd.Series(labels.to_numpy(dtype=object), index=tasks.index.copy(), name=scheme)
    result.index.name = "task"
    return result


@dataclass(frozen=True)
class PartitionComparison:
    """Two partitions of the same tasks, side by side."""

    name_a: str
    name_b: str
    crosstab: pd.DataFrame
    agreement: float
    kappa: float
    disagreements: pd.DataFrame
    only_in_a: list[str]
    only_in_b: list[str]

    @property
    def n_compared(self) -> int:
        """Number of tasks labelled on both sides."""
        return int(self.crosstab.to_numpy().sum())

    def summary(self) -> str:
        """One paragraph in words: agreement, kappa, disagreements, unmatched tasks."""
        text = (
            f"{self.n_compared} tasks compared: {self.name_a} and {self.name_b} agree on "
            f"{self.agreement:.0%} of them (Cohen's kappa {self.kappa:.2f}); "
            f"{len(self.disagreements)} disagree."
        )
        if self.only_in_a or self.only_in_b:
            text += (
                f" Not compared: {len(self.only_in_a)} task(s) only in {self.name_a}, "
                f"{len(self.only_in_b)} only in {self.name_b}."
            )
        return text

    def __str__(self) -> str:
        """The summary in lines of at most 79 characters, broken between words.

        JupyterLab breaks a long printed line at any character, even mid-word; lines this
        short are never broken.
        """
        return textwrap.fill(self.summary(), width=79, break_on_hyphens=False)

    def _repr_html_(self) -> str:
        return str(tag("p", self.summary()))


def _clean(series: pd.Series, side: str) -> pd.Series:
    """Check a partition and drop its unlabelled tasks (None, NaN, empty text)."""
    if not isinstance(series, pd.Series):
        raise TypeError(
            f"partition {side} must be a pandas Series task id -> label (see partition()), "
            f"not {type(series).__name__}"
        )
    duplicated = series.index[series.index.duplicated()].unique().tolist()
    if duplicated:
        raise ValueError(
            f"partition {side} lists task(s) {', '.join(map(repr, duplicated))} more than once; "
            "each task may have one label only"
        )
    labelled = series[[not _is_missing(label) for label in series]]
    for task, label in labelled.items():
        if not isinstance(label, str):
            raise TypeError(
                f"partition {side}: task {task!r} has label {label!r} "
                f"({type(label).__name__}); labels must be text"
            )
    return labelled


def _is_missing(label: object) -> bool:
    return label is None or label == "" or (isinstance(label, float) and label != label)


def _explanation(task: str, schemes: tuple[str, str], catalog: pd.DataFrame) -> str:
    if task not in catalog.index:
        return "not in the course catalog"
    parts = []
    for scheme in dict.fromkeys(schemes):
        if scheme in SCHEMES:
            title = _SCHEME_TITLES[scheme]
            parts.append(f"{title}: {catalog.at[task, SCHEMES[scheme][1]]!s}")
    return " ".join(parts) if parts else str(catalog.at[task, "description"])


def _kappa(a: pd.Series, b: pd.Series) -> float:
    n = len(a)
    if n == 0:
        return float("nan")
    observed = float((a == b).mean())
    share_a = a.value_counts() / n
    share_b = b.value_counts() / n
    expected = float(
        sum(share_a.get(label, 0.0) * share_b.get(label, 0.0) for label in share_a.index)
    )
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def compare_partitions(
    a: pd.Series, b: pd.Series, tasks: pd.DataFrame | None = None
) -> PartitionComparison:
    """Compare two partitions of tasks (Series task id -> label).

    Returns the crosstab (rows: labels in ``a``, columns: labels in ``b``), the share of tasks
    with the same label, Cohen's kappa, and the disagreements with the catalog's explanation of
    each side (``tasks`` defaults to the bundled catalog). Tasks present or labelled in only one
    partition are listed in ``only_in_a`` / ``only_in_b`` rather than dropped silently.
    """
    labelled_a = _clean(a, "a")
    labelled_b = _clean(b, "b")
    name_a = str(a.name) if a.name is not None else "a"
    name_b = str(b.name) if b.name is not None else "b"
    if name_a == name_b:
        name_b = f"{name_b} (b)"
    common = [task for task in labelled_a.index if task in labelled_b.index]
    only_in_a = [str(t) for t in labelled_a.index if t not in labelled_b.index]
    only_in_b = [str(t) for t in labelled_b.index if t not in labelled_a.index]
    left = labelled_a.loc[common]
    right = labelled_b.loc[common]
    crosstab = pd.crosstab(
        pd.Series(left.to_numpy(), name=name_a), pd.Series(right.to_numpy(), name=name_b)
    )
    agreement = float((left == right).mean()) if common else float("nan")
    catalog = load_tasks() if tasks is None else tasks
    schemes = (str(a.name), str(b.name))
    rows = [
        {
            "task": task,
            name_a: left[task],
            name_b: right[task],
            "explanation": _explanation(str(task), schemes, catalog),
        }
        for task in common
        if left[task] != right[task]
    ]
    disagreements = pd.DataFrame(rows, columns=["task", name_a, name_b, "explanation"])
    return PartitionComparison(
        name_a=name_a,
        name_b=name_b,
        crosstab=crosstab,
        agreement=agreement,
        kappa=_kappa(left, right),
        disagreements=disagreements,
        only_in_a=only_in_a,
        only_in_b=only_in_b,
    )


def role_spans() -> dict[str, tuple[str, ...]]:
    """Role -> the horizons it covers in Pragmatic Institute's mapping (``roles.csv``).

    Product marketing covers current + next products, product management next + future; they
    overlap on next, where the go-to-market hand-off happens. Roles without a span are left out.
    """
    horizons = cached_table("roles")["horizons"]
    return {str(role): tuple(covered) for role, covered in horizons.items() if covered}


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
