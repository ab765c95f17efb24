"""Render the report page from its template: one self-contained HTML file, images inlined."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from course_lib import _style as style

__all__ = ["TEMPLATE", "render_report", "table_html"]

#: The page template, shipped as package data next to this module.
TEMPLATE = "report.html.j2"


def table_html(frame: pd.DataFrame) -> Markup:
    """A table as HTML (cells escaped, headers with spaces for underscores, ids breakable after
    an underscore, "-" for a missing value), or a short note when it is empty."""
    if frame.empty:
        return Markup("<p><em>nothing to show</em></p>")
    readable = frame.rename(columns=lambda name: str(name).replace("_", " "))
    html = readable.to_html(
        index=False, float_format=lambda v: f"{v:.2f}", na_rep="-", border=0, escape=True
    )
    # Ids such as product_management may break after an underscore, so wide tables still fit.
    return Markup(html.replace("_", "_<wbr>"))


def _template() -> jinja2.Template:
    text = resources.files(__package__ or __name__).joinpath(TEMPLATE).read_text("utf-8")
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    return environment.from_string(text)


def _data_uri(data: bytes | None) -> str:
    """A PNG as base64 for a ``data:`` URI ('' when there is no picture)."""
    return base64.b64encode(data).decode("ascii") if data else ""


def render_report(
    *,
    assignments: Sequence[str],
    submissions: int,
    not_graded: int,
    tables: Mapping[str, pd.DataFrame],
    figures: Mapping[str, bytes | None],
    missed: Sequence[Mapping[str, Any]],
    heatmaps: Sequence[Mapping[str, Any]],
    frameworks_known: bool,
) -> str:
    """The report page: ``tables`` become HTML tables, ``figures`` and each heat map's
    ``png`` (PNG bytes) data URIs; ``missed`` holds one record per most-missed task."""
    return _template().render(
        assignments=list(assignments),
        submissions=submissions,
        not_graded=not_graded,
        tables={name: table_html(frame) for name, frame in tables.items()},
        figures={name: _data_uri(data) for name, data in figures.items()},
        missed=list(missed),
        heatmaps=[{**heatmap, "png": _data_uri(heatmap["png"])} for heatmap in heatmaps],
        frameworks_known=frameworks_known,
        colours={
            "ink": style.INK,
            "soft": style.INK_SOFT,
            "line": style.LINE,
            "paper": style.PAPER,
            "correct": style.CORRECT,
            "wrong": style.WRONG,
        },
    )
