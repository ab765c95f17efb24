"""The one display helper for lesson tables: every cell in full, prose left-aligned, plain
column names and display labels instead of label ids.

pandas shortens long text with "…" and right-aligns it; :func:`show_table` shows a DataFrame
or Series as a table a trainee can read:

>>> import pandas as pd
>>> table = show_table(pd.DataFrame({"pragmatic_role": ["product_marketing"], "kpi": ["Win rate"]}))
>>> table.headings
['Pragmatic role', 'KPI']
>>> table.rows
[['Product marketing', 'Win rate']]
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from course_lib import _style as style
from course_lib._labels import display_label
from course_lib._markup import Markup, tag

__all__ = ["COLUMN_KINDS", "Table", "plain_heading", "show_table"]

#: Column (or index) name -> the label kind its values are ids of; their display labels show.
COLUMN_KINDS: dict[str, str] = {
    "role": "role",
    "pragmatic_role": "role",
    "blackblot_role": "role",
    "course_role": "role",
    "pragmatic": "role",
    "blackblot": "role",
    "horizon": "horizon",
    "corner": "corner",
    "blackblot_owner": "blackblot_role",
    "owner": "blackblot_role",
    "raci_role": "raci_role",
}
_HEADINGS: dict[str, str] = {
    "id": "ID",
    "kpi": "KPI",
    "kpis": "KPIs",
    "name_2009": "2009 name",
    "name_current": "Current name",
    "owner_label": "Owner",
    "blackblot_owner": "Blackblot owner",
    "in_product_management": "In product management",
    "raci_role": "Role",
}
_CELL = "vertical-align:top;padding:4px 8px;white-space:normal;border-bottom:1px solid"


def plain_heading(name: object) -> str:
    """A column name as a trainee reads it: ``pragmatic_role`` -> ``Pragmatic role``."""
    text = str(name)
    if text in _HEADINGS:
        return _HEADINGS[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _cell_text(value: object, kind: str | None) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(_cell_text(item, kind) for item in value)
    if _is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:.2f}"
    text = str(value)
    if not kind:
        return text
    label = display_label(kind, text)
    return plain_heading(text) if label == text and "_" in text else label


def _is_number_column(values: pd.Series) -> bool:
    present = [value for value in values if not _is_missing(value)]
    return bool(present) and all(
        isinstance(value, numbers.Real) and not isinstance(value, bool) for value in present
    )


@dataclass(frozen=True)
class Table:
    """A table ready to show: headings, rows of text, which columns are numbers, and the
    optional text of a click that reveals it. Shows itself as HTML in a notebook."""

    headings: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    reveal: str | None = None

    def _cell(self, name: str, text: str, column: int) -> Markup:
        align = "right" if self.numeric[column] else "left"
        return tag(name, text, style=f"text-align:{align};{_CELL} {style.LINE}")

    def _repr_html_(self) -> str:
        head = tag("tr", *(self._cell("th", text, n) for n, text in enumerate(self.headings)))
        body = [
            tag("tr", *(self._cell("td", text, n) for n, text in enumerate(row)))
            for row in self.rows
        ]
        table = tag(
            "table",
            tag("thead", head),
            tag("tbody", *body),
            class_=style.CSS["table"],
            style="border-collapse:collapse;margin:4px 0",
        )
        if self.reveal is None:
            return str(table)
        return str(tag("details", tag("summary", self.reveal), table))

    def __str__(self) -> str:
        lines = [" | ".join(self.headings)] + [" | ".join(row) for row in self.rows]
        return "\n".join(lines)


def _as_frame(data: pd.DataFrame | pd.Series | Mapping[object, object]) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame(name=data.name if data.name is not None else "value")
    if isinstance(data, Mapping):
        return pd.Series(dict(data), name="value").to_frame()
    raise TypeError(
        f"show_table needs a DataFrame, a Series or a dict, not {type(data).__name__}; "
        "for example show_table(load_tasks()[['title', 'description']])"
    )


def show_table(
    data: pd.DataFrame | pd.Series | Mapping[object, object],
    columns: Sequence[str] | Mapping[str, str] | None = None,
    *,
    index: bool | str = False,
    labels: Mapping[str, str] | None = None,
    reveal: str | None = None,
) -> Table:
    """Show ``data`` as a lesson table: no cell shortened, prose left-aligned, numbers right.

    ``columns`` picks and orders the columns (a dict also renames them); headings are plain
    words (``pragmatic_role`` -> ``Pragmatic role``). Values of columns named in
    :data:`COLUMN_KINDS` (or in ``labels``: column -> label kind) show their display labels,
    and so do an index or column axis named after a label kind (a crosstab's rows and
    columns). ``index=True`` shows the index (a text names its heading). With ``reveal``, the
    table stays folded under that text until the trainee clicks it.
    """
    frame = _as_frame(data)
    if columns is not None:
        names = list(columns)
        missing = [name for name in names if name not in frame.columns]
        if missing:
            raise ValueError(
                f"no column(s) {', '.join(map(repr, missing))}; "
                f"the table has: {', '.join(map(str, frame.columns))}"
            )
        frame = frame[names]
    renamed = dict(columns) if isinstance(columns, Mapping) else {}
    kinds = COLUMN_KINDS | dict(labels or {})
    header_kind = kinds.get(str(frame.columns.name))
    headings = [
        renamed.get(str(name))
        or (_cell_text(name, header_kind) if header_kind else plain_heading(name))
        for name in frame.columns
    ]
    rows = [
        [_cell_text(value, kinds.get(str(name))) for name, value in row.items()]
        for _, row in frame.iterrows()
    ]
    numeric = [_is_number_column(frame[name]) for name in frame.columns]
    if index is not False:
        index_kind = kinds.get(str(frame.index.name))
        heading = index if isinstance(index, str) else plain_heading(frame.index.name or "")
        if header_kind and frame.columns.name:
            heading = f"{heading} / {plain_heading(frame.columns.name)}"
        headings.insert(0, heading)
        for row, label in zip(rows, frame.index, strict=True):
            row.insert(0, _cell_text(label, index_kind))
        numeric.insert(0, False)
    return Table(headings=headings, rows=rows, numeric=numeric, reveal=reveal)
