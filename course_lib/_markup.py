"""One helper for the HTML the widgets and feedback objects show: text is always escaped.

>>> str(tag("td", "R&D", class_="cell", data_role="shared"))
'<td class="cell" data-role="shared">R&amp;D</td>'
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

__all__ = ["Markup", "join", "tag"]


def tag(name: str, *children: str | Markup, **attributes: str | int | None) -> Markup:
    """``<name ...>children</name>``: text children and attribute values are escaped.

    Attribute names drop a trailing underscore and turn ``_`` into ``-`` (``class_`` ->
    ``class``, ``data_role`` -> ``data-role``); ``None`` values are left out.
    """
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for key, value in attributes.items()
        if value is not None
    )
    return Markup(f"<{name}{attrs}>{join(children)}</{name}>")


def join(parts: Iterable[str | Markup], separator: str = "") -> Markup:
    """Join text and markup; text parts (and the separator) are escaped."""
    return escape(separator).join(escape(part) for part in parts)
