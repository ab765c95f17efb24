"""Render the report page from its template: one self-contained HTML file, images inlined."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from importlib import resources

import jinja2
import pandas as pd
from markupsafe import Markup

from course_lib import _style as style

__all__ = ["TEMPLATE", "render_report", "table_html"]

#: The page template, shipped as package data next to this module.
TEMPLATE = "report.html.j2"


def table_html(frame: pd.DataFrame) -> Markup:
    """A table as HTML (cells escaped), or a short note when it is empty."""
    if frame.empty:
        return Markup("<p><em>nothing to show</em></p>")
    return Markup(
        frame.to_html(index=False, float_format=lambda v: f"{v:.2f}", border=0, escape=True)
    )


def _template() -> jinja2.Template:
    text = resources.files(__package__ or __name__).joinpath(TEMPLATE).read_text("utf-8")
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    return environment.from_string(text)


def render_report(
    *,
    assignments: Sequence[str],
    submissions: int,
    not_graded: int,
    tables: Mapping[str, pd.DataFrame],
    figures: Mapping[str, bytes | None],
    frameworks_known: bool,
) -> str:
    """The report page: ``tables`` become HTML tables, ``figures`` (PNG bytes) data URIs."""
    return _template().render(
        assignments=list(assignments),
        submissions=submissions,
        not_graded=not_graded,
        tables={name: table_html(frame) for name, frame in tables.items()},
        figures={
            name: base64.b64encode(data).decode("ascii") if data else ""
            for name, data in figures.items()
        },
        frameworks_known=frameworks_known,
        colours={"ink": style.INK},
    )
