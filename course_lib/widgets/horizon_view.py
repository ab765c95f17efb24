"""The role-by-horizon view: where each role's work sits across current, next and future."""

from __future__ import annotations

from typing import cast

import ipywidgets as widgets
import pandas as pd

from course_lib import _style as style
from course_lib._content import load_tasks, load_vocabulary
from course_lib._markup import Markup, join, tag
from course_lib._partitions import role_horizon_table, role_spans

__all__ = ["RoleHorizonView", "role_horizon_view"]

_CELL = "vertical-align:top;padding:4px 8px;border:1px solid #ddd"


class RoleHorizonView(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """A role x horizon table of task titles with a role selector; see :func:`role_horizon_view`."""

    def __init__(self, tasks: pd.DataFrame | None = None, scheme: str = "pragmatic_role") -> None:
        catalog = load_tasks() if tasks is None else tasks
        self.table = role_horizon_table(catalog, scheme)
        self.scheme = scheme
        self.spans = role_spans()
        self._roles = load_vocabulary("roles")
        self._horizons = load_vocabulary("horizons")
        self.role_picker = widgets.ToggleButtons(
            options=[(str(self._roles.at[role, "label"]), role) for role in self.table.index],
            description="Highlight:",
            tooltip="Pick a role to highlight its tasks and its horizon span",
            tooltips=[str(self._roles.at[role, "definition"]) for role in self.table.index],
            style={"description_width": "initial", "button_width": "auto"},
        )
        self.role_picker.add_class(style.CSS["role_picker"])
        self.grid = widgets.HTML()
        self.grid.add_class(style.CSS["role_horizon_table"])
        self.role_picker.observe(lambda _change: self._render(), names="value")
        super().__init__([self.role_picker, self.grid])
        self.add_class(style.CSS["role_horizon"])
        self._render()

    def titles(self, role: str, horizon: str) -> list[str]:
        """Titles of the tasks owned by ``role`` on ``horizon`` (empty when there are none)."""
        if role not in self.table.index or horizon not in self.table.columns:
            return []
        return [str(title) for title in cast("list[object]", self.table.at[role, horizon])]

    @property
    def selected_role(self) -> str:
        """The highlighted role id."""
        return str(self.role_picker.value)

    def _role_label(self, role: str) -> str:
        return str(self._roles.at[role, "label"])

    def _span_row(self, role: str, covered: tuple[str, ...]) -> Markup:
        cells = [
            tag(
                "td",
                "\u25ac covered" if horizon in covered else "",
                class_="pmc-span-cell",
                style=(
                    f"background:{style.ROLE_TINTS.get(role, style.PAPER)};"
                    if horizon in covered
                    else ""
                )
                + f"padding:1px 8px;text-align:center;color:{style.INK_SOFT}",
            )
            for horizon in self.table.columns
        ]
        head = tag("th", f"{self._role_label(role)} span", style="text-align:left;padding:1px 8px")
        return tag("tr", head, *cells, class_=f"pmc-span pmc-span-{role}")

    def _task_cell(self, role: str, horizon: str, selected: bool, span: tuple[str, ...]) -> Markup:
        titles = self.titles(role, horizon)
        items = [tag("li", title, style="margin:0") for title in titles]
        cell_style = _CELL
        if selected:
            cell_style += f";background:{style.HIGHLIGHT}"
            if horizon in span:
                cell_style += f";border:2px solid {style.INK}"
            elif span and titles:
                cell_style += f";border:2px dashed {style.WRONG}"
                note = tag("i", "outside this role's span")
                items.insert(
                    0, tag("li", note, style=f"margin:0;list-style:none;color:{style.WRONG}")
                )
        return tag(
            "td",
            tag("ul", *items, style="margin:0;padding-left:1.2em"),
            class_="pmc-rh-cell",
            data_role=role,
            data_horizon=horizon,
            style=cell_style,
        )

    def _render(self) -> None:
        selected = self.selected_role
        span = self.spans.get(selected, ())
        head = [
            tag(
                "th",
                f"H{number}: {self._horizons.at[horizon, 'label']!s}",
                style="padding:4px 8px;text-align:left",
            )
            for number, horizon in enumerate(self.table.columns, start=1)
        ]
        rows = [tag("tr", tag("th", "Role", style="text-align:left;padding:4px 8px"), *head)]
        rows += [self._span_row(role, covered) for role, covered in self.spans.items()]
        for role in self.table.index:
            is_selected = role == selected
            label = tag(
                "th",
                self._role_label(role),
                style="text-align:left;vertical-align:top;padding:4px 8px",
            )
            cells = [self._task_cell(role, h, is_selected, span) for h in self.table.columns]
            row_class = "pmc-rh-row pmc-rh-selected" if is_selected else "pmc-rh-row"
            rows.append(tag("tr", label, *cells, class_=row_class, data_role=role))
        table = tag(
            "table",
            Markup('<colgroup><col style="width:12em"></colgroup>'),
            *rows,
            style="border-collapse:collapse;width:100%;table-layout:fixed;font-size:0.9em;"
            "line-height:1.35",
        )
        self.grid.value = join(
            [tag("p", tag("b", self.caption())), table, tag("style", Markup(style.WIDGET_CSS))]
        )

    def caption(self) -> str:
        """One line on the highlighted role: tasks per horizon and its span, if it has one."""
        role = self.selected_role
        counts = ", ".join(
            f"{len(self.titles(role, horizon))} on {horizon}" for horizon in self.table.columns
        )
        label = self._role_label(role)
        line = f"{label}: {counts} products."
        span = self.spans.get(role)
        if span:
            line += f" Pragmatic's span for {label.lower()}: {' + '.join(span)}."
            outside = [h for h in self.table.columns if h not in span and self.titles(role, h)]
            if outside:
                line += f" Tasks on {', '.join(outside)} sit outside that span."
        else:
            line += " Pragmatic's horizon mapping gives this role no span of its own."
        return line


def role_horizon_view(
    tasks: pd.DataFrame | None = None, scheme: str = "pragmatic_role"
) -> RoleHorizonView:
    """Return a widget showing where each role's work sits across current / next / future.

    A role x horizon table of task titles (``tasks`` defaults to the catalog, roles come from
    ``scheme``), the product marketing span (current + next) and the product management span
    (next + future) that overlap on next, and a role selector that highlights one role.
    """
    return RoleHorizonView(tasks, scheme)
