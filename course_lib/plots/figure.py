"""Shared pieces of the course's pictures: a figure sized for a notebook column, text helpers.

Every picture is drawn for JupyterLab's notebook column (about 850 CSS pixels): a figure is
at most :data:`MAX_WIDTH` inches wide and shows at :data:`PX_PER_INCH` CSS pixels per inch,
so a font size in points is the size a trainee reads, and no text is set under
:data:`MIN_FONT_SIZE` points.
"""

from __future__ import annotations

import io
import struct
import textwrap
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from course_lib import _style as style
from course_lib._labels import display_label

__all__ = [
    "COLUMN_PX",
    "MAX_WIDTH",
    "MIN_FONT_SIZE",
    "PAD",
    "PX_PER_INCH",
    "CourseFigure",
    "draw_box",
    "new_figure",
    "readable",
    "role_label",
    "sentence",
    "wrap_text",
]

#: Width of JupyterLab's notebook column the pictures are drawn for, in CSS pixels.
COLUMN_PX = 850
#: CSS pixels per figure inch in a notebook (the PNG is rendered at twice that, for sharpness).
PX_PER_INCH = 100
#: Margin added around a picture's drawn content when it is shown, in inches.
PAD = 0.1
#: The widest figure that shows unscaled in the column, margins included.
MAX_WIDTH = COLUMN_PX / PX_PER_INCH - 2 * PAD
#: The smallest font size (points) of any text in a picture.
MIN_FONT_SIZE = 9.5


class CourseFigure(Figure):
    """A Figure that shows itself as a sharp PNG, at its own size, without pyplot."""

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=2 * PX_PER_INCH, bbox_inches="tight", pad_inches=PAD)
        data = buffer.getvalue()
        width, height = struct.unpack(">II", data[16:24])  # the PNG header's IHDR chunk
        return data, {"width": width // 2, "height": height // 2}


def new_figure(width: float, height: float) -> CourseFigure:
    """A new figure drawn by its own Agg canvas: no pyplot, no global backend switch.

    ``width`` may not exceed :data:`MAX_WIDTH`: a wider picture would be shrunk to the column
    and its text with it.
    """
    if width > MAX_WIDTH:
        raise ValueError(
            f"a figure {width} inches wide is shrunk in an {COLUMN_PX} px notebook column; "
            f"draw it at most {MAX_WIDTH:.1f} inches wide"
        )
    fig = CourseFigure(figsize=(width, height), dpi=PX_PER_INCH, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def wrap_text(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters, never inside a word."""
    return (
        "\n".join(textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False))
        or text
    )


def sentence(text: str) -> str:
    """``text`` stripped, with a capital first letter."""
    text = text.strip()
    return text[:1].upper() + text[1:]


def role_label(role: str) -> str:
    """The display label of a course role (``Product management``)."""
    return display_label("role", role)


def readable(kind: str, label_id: str) -> str:
    """The display label of ``label_id``; an id outside the vocabulary in plain words."""
    label = display_label(kind, label_id)
    return sentence(label.replace("_", " ")) if label == label_id else label


def draw_box(
    ax: Any,
    xy: tuple[float, float],
    size: tuple[float, float],
    text: str,
    *,
    facecolor: str = style.PAPER,
    edgecolor: str = style.INK_SOFT,
    gid: str | None = None,
    **text_style: Any,
) -> FancyBboxPatch:
    """A rounded box with centred text, in data coordinates (``xy`` is the lower left)."""
    (x, y), (width, height) = xy, size
    patch = FancyBboxPatch(
        (x, y),
        width,
        height,
        boxstyle="round,pad=0,rounding_size=0.08",
        facecolor=facecolor,
        edgecolor=edgecolor,
        linewidth=1.5,
        gid=gid,
    )
    ax.add_patch(patch)
    ax.text(
        x + width / 2,
        y + height / 2,
        text,
        ha="center",
        va="center",
        gid=f"{gid}:text" if gid else None,
        **({"fontsize": 10.5} | text_style),
    )
    return patch
