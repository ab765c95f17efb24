"""Load the course content from the CSV files in ``course_lib/data`` and validate it.

Every loader returns a fresh DataFrame indexed by id. A malformed file raises
:class:`ContentError`, whose message names the file, the line and the column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

import pandas as pd

from course_lib._raci.rules import ACCOUNTABLE, LETTERS, row_problems
from course_lib._schema import Column, ContentError, PathLike, Schema, parse_table

__all__ = [
    "VOCABULARIES",
    "ContentError",
    "cached_table",
    "load_blackblot_roles",
    "load_decision_failures",
    "load_definition_chain",
    "load_pragmatic_columns",
    "load_pragmatic_grid",
    "load_raci",
    "load_sources",
    "load_tasks",
    "load_vocabulary",
]

#: Vocabulary name -> CSV file. Each file has id, label, definition, aliases.
VOCABULARIES: dict[str, str] = {
    "roles": "roles.csv",
    "horizons": "horizons.csv",
    "corners": "corners.csv",
    "blackblot_roles": "blackblot_roles.csv",
    "raci_roles": "raci_roles.csv",
    "raci_letters": "raci_letters.csv",
}


def _vocabulary_ids(name: str) -> Callable[[], Iterable[str]]:
    return lambda: cached_table(name).index


def _grid_ids() -> Iterable[str]:
    return cached_table("pragmatic_grid").index


def _task_ids() -> Iterable[str]:
    return cached_table("tasks").index


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
    Column("id", kind="id"),
    Column("label"),
    Column("definition"),
    Column("aliases", required=False, kind="list"),
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


def _check_raci_letters(frame: pd.DataFrame, file: str) -> None:
    if tuple(frame.index) != LETTERS:
        raise ContentError(
            f"{file}: the letters are {', '.join(map(str, frame.index))}; list exactly "
            f"{', '.join(LETTERS)}, one per line, in this order"
        )


def _check_raci(frame: pd.DataFrame, file: str) -> None:
    """Every task has one row per RACI role, its letters follow the rules, and its A is the
    role the course's Pragmatic partition gives the task in ``tasks.csv``."""
    roles = list(cached_table("raci_roles").index)
    catalog = cached_table("tasks")
    lines = {cell: line for line, cell in enumerate(frame.index, start=2)}
    for task in dict.fromkeys(task for task, _ in frame.index):
        row = frame.loc[task, "letter"]
        where = f"{file}: line {lines[(task, row.index[0])]} (task {task!r})"
        missing = [role for role in roles if role not in row.index]
        if missing:
            raise ContentError(
                f"{where}: no row for role(s) {', '.join(missing)}; give every task one row "
                f"per role ({', '.join(roles)}), with an empty letter where it is not involved"
            )
        problems = row_problems({str(role): str(letter) for role, letter in row.items()})
        if problems:
            raise ContentError(f"{where}, column 'letter': {problems[0]}")
        accountable = str(row[row == ACCOUNTABLE].index[0])
        pragmatic = catalog.at[task, "pragmatic_role"]
        if pragmatic in roles and accountable != pragmatic:
            raise ContentError(
                f"{file}: line {lines[(task, accountable)]} (task {task!r}), column 'letter': "
                f"the A is on {accountable!r}, but the course's Pragmatic partition gives the "
                f"task to {pragmatic!r} (tasks.csv); move the A to {pragmatic!r}"
            )


_SCHEMAS: dict[str, Schema] = {
    "roles": Schema(
        "roles.csv",
        (*_VOCABULARY_COLUMNS, Column("horizons", required=False, kind="list")),
        checks=(_list_values_in("horizons", "horizons"),),
    ),
    "horizons": Schema("horizons.csv", _VOCABULARY_COLUMNS),
    "corners": Schema(
        "corners.csv", (*_VOCABULARY_COLUMNS, Column("titles", required=False, kind="list"))
    ),
    "blackblot_roles": Schema(
        "blackblot_roles.csv",
        (
            *_VOCABULARY_COLUMNS,
            Column("kind", allowed=lambda: ("strategic", "tactical", "outside")),
            Column("in_product_management", kind="bool"),
            Column("course_role", allowed=_vocabulary_ids("roles")),
            Column("owns", kind="list"),
        ),
    ),
    "pragmatic_columns": Schema(
        "pragmatic_columns.csv",
        (
            Column("id", kind="id"),
            Column("label"),
            Column("position", kind="int"),
            Column("side", allowed=lambda: ("strategic", "tactical")),
            Column("name_current"),
        ),
    ),
    "pragmatic_grid": Schema(
        "pragmatic_grid.csv",
        (
            Column("id", kind="id"),
            Column("name"),
            Column("column", allowed=_column_ids),
            Column("position", kind="int"),
            Column("side", allowed=lambda: ("strategic", "tactical")),
            Column("role", allowed=lambda: ("product_management", "product_marketing")),
            Column("role_basis", allowed=lambda: ("reading", "inferred")),
            Column("name_2009"),
            Column("name_current"),
        ),
        checks=(_check_grid,),
    ),
    "definition_chain": Schema(
        "definition_chain.csv",
        (
            Column("step", kind="int"),
            Column("document"),
            Column("abbreviation", required=False),
            Column("question"),
            Column("owner"),
            Column("in_product_management", kind="bool"),
        ),
        index="step",
    ),
    "kpis": Schema(
        "kpis.csv",
        (
            Column("id", kind="id"),
            Column("kpi"),
            Column("role", allowed=_vocabulary_ids("roles")),
            Column("measures"),
            Column("source", allowed=_source_keys),
        ),
    ),
    "traits": Schema(
        "traits.csv",
        (
            Column("id", kind="id"),
            Column("trait"),
            Column("role", allowed=_vocabulary_ids("roles")),
            Column("source", allowed=_source_keys),
        ),
    ),
    "sources": Schema(
        "sources.csv",
        (
            Column("key"),
            Column("kind", allowed=lambda: ("article", "framework", "book", "survey", "practice")),
            Column("title"),
            Column("author", required=False),
            Column("publisher"),
            Column("year", required=False),
            Column("url", required=False),
            Column("cited_for"),
        ),
        index="key",
        checks=(_check_source_keys,),
    ),
    "tasks": Schema(
        "tasks.csv",
        (
            Column("id", kind="id"),
            Column("title"),
            Column("description"),
            Column("source", allowed=_source_keys),
            Column("horizon", allowed=_vocabulary_ids("horizons")),
            Column("pragmatic_box", required=False, allowed=_grid_ids),
            Column("pragmatic_role", allowed=_vocabulary_ids("roles")),
            Column("pragmatic_basis", allowed=lambda: _BASES),
            Column("blackblot_owner", allowed=_vocabulary_ids("blackblot_roles")),
            Column("corner", allowed=_vocabulary_ids("corners")),
            Column("pragmatic_explanation"),
            Column("blackblot_explanation"),
            Column("horizon_explanation"),
            Column("corner_explanation"),
        ),
        checks=(_check_task_boxes, _check_task_basis),
    ),
    "raci_roles": Schema("raci_roles.csv", (*_VOCABULARY_COLUMNS, Column("short")), checks=()),
    "raci_letters": Schema(
        "raci_letters.csv",
        (Column("id", allowed=lambda: LETTERS), *_VOCABULARY_COLUMNS[1:]),
        checks=(_check_raci_letters,),
    ),
    "raci": Schema(
        "raci.csv",
        (
            Column("task", allowed=_task_ids),
            Column("role", allowed=_vocabulary_ids("raci_roles")),
            Column("letter", required=False, allowed=_vocabulary_ids("raci_letters")),
            Column("reason"),
            Column("source", allowed=_source_keys),
        ),
        index=("task", "role"),
        checks=(_check_raci,),
    ),
    "decision_failures": Schema(
        "decision_failures.csv",
        (
            Column("id", kind="id"),
            Column("name"),
            Column("source", allowed=_source_keys),
            Column("what_happens"),
            Column("in_the_matrix"),
            Column("remedy"),
        ),
    ),
}


@cache
def cached_table(name: str) -> pd.DataFrame:
    """The bundled content file ``name`` (a key of the schemas), parsed once and shared.

    Callers must not modify it; the public loaders hand out copies.
    """
    return parse_table(_SCHEMAS[name], None)


def _load(name: str, path: PathLike | None) -> pd.DataFrame:
    if path is None:
        return cached_table(name).copy(deep=True)
    return parse_table(_SCHEMAS[name], path)


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


def load_raci(path: PathLike | None = None) -> pd.DataFrame:
    """Return the course's RACI key of contested tasks, one row per task and RACI role.

    Indexed by (task, role); ``letter`` is R, A, C, I or "" (not involved), with the
    ``reason`` for it and its ``source`` key. Tasks are ids of :func:`load_tasks`.
    """
    return _load("raci", path)


def load_decision_failures(path: PathLike | None = None) -> pd.DataFrame:
    """Return the failure modes of decision rights the articles describe, with their source,
    what happens, how each shows in a RACI matrix and the remedy."""
    return _load("decision_failures", path)
