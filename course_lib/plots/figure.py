"""Shared pieces of the course's pictures: a figure that shows itself, text helpers."""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from course_lib._labels import display_label

__all__ = ["CourseFigure", "new_figure", "role_label", "sentence", "wrap_text"]


class CourseFigure(Figure):
    """A Figure that shows itself as a PNG in Jupyter without pyplot's inline backend."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(width: float, height: float) -> CourseFigure:
    """A new figure drawn by its own Agg canvas: no pyplot, no global backend switch."""
    fig = CourseFigure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def wrap_text(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters, never inside a word."""
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def sentence(text: str) -> str:
    """``text`` stripped, with a capital first letter."""
    text = text.strip()
    return text[:1].upper() + text[1:]


def role_label(role: str) -> str:
    """The display label of a course role (``Product management``)."""
    return display_label("role", role)
