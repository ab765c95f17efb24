"""The engine behind the content files: a schema per CSV file, parsed and checked row by row.

:func:`parse_table` reads a bundled file of ``course_lib/data`` (or a given path) against a
:class:`Schema` and raises :class:`ContentError` naming the file, the line and the column of
the first problem. The schemas themselves, and the loaders, live in ``course_lib._content``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["Column", "ContentError", "PathLike", "Schema", "parse_table", "read_data_text"]

PathLike = str | Path

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_BOOLEANS = {"true": True, "false": False}


class ContentError(ValueError):
    """A content file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Column:
    """How one column of a content file is checked."""

    name: str
    required: bool = True
    allowed: Callable[[], Iterable[str]] | None = None
    kind: str = "text"  # text | id | int | bool | list


@dataclass(frozen=True)
class Schema:
    """The columns of one content file and how its rows are identified.

    ``index`` names the column whose values identify a row, or a tuple of columns whose values
    together do (the table is then indexed by a MultiIndex).
    """

    file: str
    columns: tuple[Column, ...]
    index: str | tuple[str, ...] = "id"
    checks: tuple[Callable[[pd.DataFrame, str], None], ...] = field(default=())


def read_data_text(file: str, path: PathLike | None) -> tuple[str, str]:
    """Return (name to show in errors, text) for a bundled file or a given path."""
    if path is None:
        resource = resources.files("course_lib").joinpath("data", file)
        try:
            return f"course_lib/data/{file}", resource.read_text(encoding="utf-8")
        except FileNotFoundError as error:
            raise ContentError(
                f"course_lib/data/{file} is missing from the installed package; "
                "reinstall it (pip install --force-reinstall pm-vs-pmm-course)"
            ) from error
    shown = str(path)
    try:
        return shown, Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ContentError(f"{shown}: no such file; check the path") from error
    except UnicodeDecodeError as error:
        raise ContentError(f"{shown}: not UTF-8 text ({error}); save it as UTF-8") from error


def parse_table(schema: Schema, path: PathLike | None) -> pd.DataFrame:
    """Parse and check ``schema.file`` (bundled) or ``path``; rows indexed by ``schema.index``.

    Raises :class:`ContentError` naming the file, the line and the column of the first problem.
    """
    shown, text = read_data_text(schema.file, path)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ContentError(f"{shown}: the file is empty; it needs a header line")
    header = [name.strip() for name in rows[0]]
    missing = [c.name for c in schema.columns if c.required and c.name not in header]
    if missing:
        raise ContentError(
            f"{shown}: line 1 (header) lacks column(s) {', '.join(map(repr, missing))}; "
            f"the header must name {', '.join(c.name for c in schema.columns)}"
        )
    records: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    for line, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(header):
            raise ContentError(
                f"{shown}: line {line} has {len(raw)} fields but the header has {len(header)}; "
                "quote any value that contains a comma"
            )
        cells = dict(zip(header, (cell.strip() for cell in raw), strict=True))
        cells.update({c.name: "" for c in schema.columns if c.name not in header})
        record: dict[str, object] = {}
        for column in schema.columns:
            record[column.name] = _convert_cell(column, cells[column.name], shown, line)
        names = (schema.index,) if isinstance(schema.index, str) else schema.index
        key = tuple(record[name] for name in names)
        if key in seen:
            shown_key = key[0] if len(key) == 1 else key
            raise ContentError(
                f"{shown}: line {line}, column {', '.join(map(repr, names))}: duplicate id "
                f"{shown_key!r} (first on line {seen[key]}); every id must be unique"
            )
        seen[key] = line
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[c.name for c in schema.columns])
    frame = frame.set_index(schema.index if isinstance(schema.index, str) else list(schema.index))
    for check in schema.checks:
        check(frame, shown)
    return frame


def _convert_cell(column: Column, value: str, shown: str, line: int) -> object:
    where = f"{shown}: line {line}, column {column.name!r}"
    if not value:
        if column.required:
            raise ContentError(f"{where}: empty value; this column must be filled in")
        return [] if column.kind == "list" else ""
    if column.kind == "id" and not _ID_PATTERN.match(value):
        raise ContentError(
            f"{where}: {value!r} is not a valid id; use lowercase letters, digits and underscores"
        )
    if column.kind == "int":
        try:
            return int(value)
        except ValueError:
            raise ContentError(f"{where}: {value!r} is not a whole number") from None
    if column.kind == "bool":
        if value.lower() not in _BOOLEANS:
            raise ContentError(f"{where}: {value!r} is not true or false")
        return _BOOLEANS[value.lower()]
    if column.kind == "list":
        return [item.strip() for item in value.split("|") if item.strip()]
    if column.allowed is not None:
        allowed = list(column.allowed())
        if value not in allowed:
            raise ContentError(
                f"{where}: unknown value {value!r}; expected one of: {', '.join(allowed)}"
            )
    return value
