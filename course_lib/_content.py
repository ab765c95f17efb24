"""Load the course content from the CSV files in ``course_lib/data`` and validate it.

Every loader returns a fresh DataFrame indexed by id. A malformed file raises
:class:`ContentError`, whose message names the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = [
    "VOCABULARIES",
    "ContentError",
    "cached_table",
    "load_blackblot_roles",
    "load_definition_chain",
    "load_pragmatic_columns",
    "load_pragmatic_grid",
    "load_sources",
    "load_tasks",
    "load_vocabulary",
]

PathLike = str | Path

#: Vocabulary name -> CSV file. Each file has id, label, definition, aliases.
VOCABULARIES: dict[str, str] = {
    "roles": "roles.csv",
    "horizons": "horizons.csv",
    "corners": "corners.csv",
    "blackblot_roles": "blackblot_roles.csv",
}

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_BOOLEANS = {"true": True, "false": False}


class ContentError(ValueError):
    """A content file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class _Column:
    """How one column of a content file is checked."""

    name: str
    required: bool = True
    allowed: Callable[[], Iterable[str]] | None = None
    kind: str = "text"  # text | id | int | bool | list


@dataclass(frozen=True)
class _Schema:
    """The columns of one content file and how its rows are identified."""

    file: str
    columns: tuple[_Column, ...]
    index: str = "id"
    checks: tuple[Callable[[pd.DataFrame, str], None], ...] = field(default=())


def _vocabulary_ids(name: str) -> Callable[[], Iterable[str]]:
    return lambda: cached_table(name).index


def _grid_ids() -> Iterable[str]:
    return cached_table("pragmatic_grid").index


def _column_ids() -> Iterable[str]:
    return cached_table("pragmatic_columns").index


def _source_keys() -> Iterable[str]:
    return cached_table("sources").index


_SOURCE_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _check_source_keys(frame: pd.DataFrame, file: str) -> None:
    for line, key in enumerate(frame.index, start=2):
        if not _SOURCE_KEY.match(str(key)):
            raise ContentError(
                f"{file}: line {line}, column 'key': {key!r} is not a readable key; "
                "use lowercase words and digits joined by hyphens, such as 'prodpad-2022'"
            )


_VOCABULARY_COLUMNS = (
    _Column("id", kind="id"),
    _Column("label"),
    _Column("definition"),
    _Column("aliases", required=False, kind="list"),
)


def _check_grid(frame: pd.DataFrame, file: str) -> None:
    for column, boxes in frame.groupby("column", sort=False):
        positions = sorted(boxes["position"])
        if positions != list(range(1, len(positions) + 1)):
            raise ContentError(
                f"{file}: column {column!r} has box positions {positions}; "
                "number the boxes of each column 1, 2, 3, ... without gaps"
            )


def _check_task_boxes(frame: pd.DataFrame, file: str) -> None:
    grid = cached_table("pragmatic_grid")
    for line, (task_id, row) in enumerate(frame.iterrows(), start=2):
        box = row["pragmatic_box"]
        role = row["pragmatic_role"]
        if not box:
            continue
        box_role = grid.at[box, "role"]
        column = grid.at[box, "column"]
        if role in {"product_management", "product_marketing"} and role != box_role:
            raise ContentError(
                f"{file}: line {line} (task {task_id!r}), column 'pragmatic_role': "
                f"{role!r} contradicts box {box!r}, which the grid gives to {box_role!r}; "
                "change the role or the box"
            )
        if role == "marcom" and column not in {"programs", "readiness"}:
            raise ContentError(
                f"{file}: line {line} (task {task_id!r}), column 'pragmatic_role': "
                f"marcom executes programmes, but box {box!r} is in column {column!r}; "
                "use a Programs or Readiness box or leave the box empty"
            )


def _list_values_in(column: str, vocabulary: str) -> Callable[[pd.DataFrame, str], None]:
    """A check that every entry of the list column ``column`` is an id of ``vocabulary``."""

    def check(frame: pd.DataFrame, file: str) -> None:
        allowed = list(cached_table(vocabulary).index)
        for line, (row_id, values) in enumerate(frame[column].items(), start=2):
            unknown = [value for value in values if value not in allowed]
            if unknown:
                raise ContentError(
                    f"{file}: line {line} ({row_id!r}), column {column!r}: unknown value(s) "
                    f"{', '.join(map(repr, unknown))}; expected ids from: {', '.join(allowed)}"
                )

    return check


#: Whose call a task's Pragmatic label is: the course's reading of the grid's halves, its
#: inference for the Planning column, or (no box settles it) an article's or the course's call.
_BASES = ("reading", "inferred", "article", "course")


def _check_task_basis(frame: pd.DataFrame, file: str) -> None:
    """``pragmatic_basis`` says where each Pragmatic label comes from; check it fits the box."""
    grid = cached_table("pragmatic_grid")
    kinds = cached_table("sources")["kind"]
    for line, (task_id, row) in enumerate(frame.iterrows(), start=2):
        box, role, basis = row["pragmatic_box"], row["pragmatic_role"], row["pragmatic_basis"]
        where = f"{file}: line {line} (task {task_id!r}), column 'pragmatic_basis'"
        follows_box = bool(box) and role in {grid.at[box, "role"], "marcom"}
        if follows_box and basis != grid.at[box, "role_basis"]:
            raise ContentError(
                f"{where}: {basis!r}, but the role follows box {box!r}, whose role the grid "
                f"marks {grid.at[box, 'role_basis']!r}; use that"
            )
        if not follows_box and basis not in {"article", "course"}:
            raise ContentError(
                f"{where}: {basis!r}, but no box gives this role (box {box or 'empty'!r}); "
                "say whose call it is: 'article' or 'course'"
            )
        if basis == "article" and kinds[row["source"]] != "article":
            raise ContentError(
                f"{where}: 'article', but source {row['source']!r} is a {kinds[row['source']]}; "
                "cite the article that makes the call, or use 'course'"
            )


_SCHEMAS: dict[str, _Schema] = {
    "roles": _Schema(
        "roles.csv",
        (*_VOCABULARY_COLUMNS, _Column("horizons", required=False, kind="list")),
        checks=(_list_values_in("horizons", "horizons"),),
    ),
    "horizons": _Schema("horizons.csv", _VOCABULARY_COLUMNS),
    "corners": _Schema(
        "corners.csv", (*_VOCABULARY_COLUMNS, _Column("titles", required=False, kind="list"))
    ),
    "blackblot_roles": _Schema(
        "blackblot_roles.csv",
        (
            *_VOCABULARY_COLUMNS,
            _Column("kind", allowed=lambda: ("strategic", "tactical", "outside")),
            _Column("in_product_management", kind="bool"),
            _Column("course_role", allowed=_vocabulary_ids("roles")),
            _Column("owns", kind="list"),
        ),
    ),
    "pragmatic_columns": _Schema(
        "pragmatic_columns.csv",
        (
            _Column("id", kind="id"),
            _Column("label"),
            _Column("position", kind="int"),
            _Column("side", allowed=lambda: ("strategic", "tactical")),
            _Column("name_current"),
        ),
    ),
    "pragmatic_grid": _Schema(
        "pragmatic_grid.csv",
        (
            _Column("id", kind="id"),
            _Column("name"),
            _Column("column", allowed=_column_ids),
            _Column("position", kind="int"),
            _Column("side", allowed=lambda: ("strategic", "tactical")),
            _Column("role", allowed=lambda: ("product_management", "product_marketing")),
            _Column("role_basis", allowed=lambda: ("reading", "inferred")),
            _Column("name_2009"),
            _Column("name_current"),
        ),
        checks=(_check_grid,),
    ),
    "definition_chain": _Schema(
        "definition_chain.csv",
        (
            _Column("step", kind="int"),
            _Column("document"),
            _Column("abbreviation", required=False),
            _Column("question"),
            _Column("owner"),
            _Column("in_product_management", kind="bool"),
        ),
        index="step",
    ),
    "kpis": _Schema(
        "kpis.csv",
        (
            _Column("id", kind="id"),
            _Column("kpi"),
            _Column("role", allowed=_vocabulary_ids("roles")),
            _Column("measures"),
            _Column("source", allowed=_source_keys),
        ),
    ),
    "traits": _Schema(
        "traits.csv",
        (
            _Column("id", kind="id"),
            _Column("trait"),
            _Column("role", allowed=_vocabulary_ids("roles")),
            _Column("source", allowed=_source_keys),
        ),
    ),
    "sources": _Schema(
        "sources.csv",
        (
            _Column("key"),
            _Column("kind", allowed=lambda: ("article", "framework", "book", "survey", "practice")),
            _Column("title"),
            _Column("author", required=False),
            _Column("publisher"),
            _Column("year", required=False),
            _Column("url", required=False),
            _Column("cited_for"),
        ),
        index="key",
        checks=(_check_source_keys,),
    ),
    "tasks": _Schema(
        "tasks.csv",
        (
            _Column("id", kind="id"),
            _Column("title"),
            _Column("description"),
            _Column("source", allowed=_source_keys),
            _Column("horizon", allowed=_vocabulary_ids("horizons")),
            _Column("pragmatic_box", required=False, allowed=_grid_ids),
            _Column("pragmatic_role", allowed=_vocabulary_ids("roles")),
            _Column("pragmatic_basis", allowed=lambda: _BASES),
            _Column("blackblot_owner", allowed=_vocabulary_ids("blackblot_roles")),
            _Column("corner", allowed=_vocabulary_ids("corners")),
            _Column("pragmatic_explanation"),
            _Column("blackblot_explanation"),
            _Column("horizon_explanation"),
            _Column("corner_explanation"),
        ),
        checks=(_check_task_boxes, _check_task_basis),
    ),
}


def _read_text(file: str, path: PathLike | None) -> tuple[str, str]:
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


def _parse(schema: _Schema, path: PathLike | None) -> pd.DataFrame:
    shown, text = _read_text(schema.file, path)
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
            record[column.name] = _convert(column, cells[column.name], shown, line)
        key = record[schema.index]
        if key in seen:
            raise ContentError(
                f"{shown}: line {line}, column {schema.index!r}: duplicate id {key!r} "
                f"(first on line {seen[key]}); every id must be unique"
            )
        seen[key] = line
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[c.name for c in schema.columns])
    frame = frame.set_index(schema.index)
    for check in schema.checks:
        check(frame, shown)
    return frame


def _convert(column: _Column, value: str, shown: str, line: int) -> object:
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


@cache
def cached_table(name: str) -> pd.DataFrame:
    """The bundled content file ``name`` (a key of the schemas), parsed once and shared.

    Callers must not modify it; the public loaders hand out copies.
    """
    return _parse(_SCHEMAS[name], None)


def _load(name: str, path: PathLike | None) -> pd.DataFrame:
    if path is None:
        return cached_table(name).copy(deep=True)
    return _parse(_SCHEMAS[name], path)


def load_tasks(path: PathLike | None = None) -> pd.DataFrame:
    """Return the task catalog, one row per task, indexed by task id.

    ``path`` reads another catalog with the same columns instead of the bundled one.
    """
    return _load("tasks", path)


def load_pragmatic_grid(path: PathLike | None = None) -> pd.DataFrame:
    """Return the 37 boxes of the classic Pragmatic grid with column, position, side and role."""
    return _load("pragmatic_grid", path)


def load_sources(path: PathLike | None = None) -> pd.DataFrame:
    """Return the course's sources indexed by their readable key (``prodpad-2022``, ...).

    Each row has the kind (article, framework, book, survey, practice), title, author,
    publisher, year, URL where known, and what the course cites it for. The ``source``
    columns of the tasks, KPIs and traits use these keys; ``docs/sources.md`` lists them.
    """
    return _load("sources", path)


def load_pragmatic_columns(path: PathLike | None = None) -> pd.DataFrame:
    """Return the seven Pragmatic columns, left (strategic) to right (tactical)."""
    return _load("pragmatic_columns", path).sort_values("position")


def load_blackblot_roles(path: PathLike | None = None) -> pd.DataFrame:
    """Return the Blackblot PMTK roles with their kind, course role and owned artefacts."""
    return _load("blackblot_roles", path)


def load_definition_chain(path: PathLike | None = None) -> pd.DataFrame:
    """Return Blackblot's product definition chain: MRD, PRD, technical specification."""
    return _load("definition_chain", path)


def load_vocabulary(name: str, path: PathLike | None = None) -> pd.DataFrame:
    """Return one vocabulary (``roles``, ``horizons``, ``corners``, ``blackblot_roles``).

    Each row has a display label, a one-line definition and a list of aliases.
    """
    if not isinstance(name, str):
        raise TypeError(f"vocabulary name must be text, not {type(name).__name__}")
    if name not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary {name!r}; expected one of: {', '.join(VOCABULARIES)}")
    return _load(name, path)
