"""The same grades for less CPU: what a grading worker changes in nbgrader's libraries, and why.

Grading one submission opens nbgrader's ``Gradebook`` about a dozen times (the converter, each
preprocessor that records or reads grades, the feedback) and validates the nbgrader metadata
of every cell three times. Each open built a new SQLAlchemy engine (an empty SQL compile cache)
and asked SQLite whether each of nbgrader's thirteen tables exists before creating the missing
ones; each validation checked nbgrader's JSON schema itself before checking the cell. Together
that was about a third of a worker's CPU, spent on the same answers every time.

:func:`tune_worker` changes four things, in this process only:

- one engine per database URL (``nbgrader.api.create_engine``): ``Gradebook.close`` disposes
  of an engine's connections, never of the engine, so a reused engine opens fresh connections
  and keeps its compile cache;
- nbgrader's tables are created at most once per reused engine (``Base.metadata.create_all``,
  which nbgrader calls on every open), and the engine's table names are read once
  (``nbgrader.api.inspect``); any other engine or connection is served as before;
- nbgrader's metadata schema is checked once, and its validator kept
  (``nbgrader.nbgraderformat.common.jsonschema.validate``): the same errors, raised the same
  way, for the same cells;
- the worker's private SQLite gradebooks commit without waiting for the disk
  (``synchronous=OFF``, the journal in memory): they are thrown away after grading.

Only grading workers call it: their gradebooks are private, made by the worker and used by it
alone. :func:`forget_private` drops the engines (and what is known of their tables) of the
private gradebooks before the worker removes them.
"""

from __future__ import annotations

import json
import threading
import types
from pathlib import Path
from typing import Any

import jsonschema
import nbgrader.api
import nbgrader.nbgraderformat.common
import sqlalchemy
from nbgrader.api import Base

__all__ = ["forget_private", "tune_worker", "validate_with_checked_schema"]

_LOCK = threading.Lock()
_ENGINES: dict[tuple[str, tuple[tuple[str, Any], ...]], sqlalchemy.Engine] = {}
_TABLES_MADE: set[int] = set()  # ids of reused engines whose tables exist
_INSPECTORS: dict[int, Any] = {}  # a reused engine's inspector, its answers cached
_VALIDATORS: dict[str, Any] = {}
_PRIVATE: set[Path] = set()  # folders of the worker's own, throwaway gradebooks
_CREATE_ALL = Base.metadata.create_all


def _engine_for(url: str, **options: Any) -> sqlalchemy.Engine:
    """One SQLAlchemy engine per database URL and options for this process."""
    key = (str(url), tuple(sorted(options.items())))
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = sqlalchemy.create_engine(url, **options)
            if _in_folders(engine.url, _PRIVATE):
                sqlalchemy.event.listen(engine, "connect", _throwaway)
    return engine


def _in_folders(url: str | sqlalchemy.URL, folders: set[Path]) -> bool:
    """Whether ``url`` is a SQLite file inside one of ``folders`` (resolved paths)."""
    parsed = sqlalchemy.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    database = Path(parsed.database).resolve()
    return any(database.is_relative_to(folder) for folder in folders)


def _throwaway(connection: Any, record: Any) -> None:
    """No waiting for the disk on a private gradebook's commits: the worker removes it when
    it ends, so a crash loses nothing a journal would have kept."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()


def _create_all_once(bind: Any, **options: Any) -> None:
    """``Base.metadata.create_all``, skipped on a reused engine that already has the tables."""
    reused = isinstance(bind, sqlalchemy.Engine) and bind in _ENGINES.values()
    if reused and id(bind) in _TABLES_MADE:
        return
    _CREATE_ALL(bind=bind, **options)
    if reused:
        _TABLES_MADE.add(id(bind))


def _inspect(subject: Any) -> Any:
    """``sqlalchemy.inspect``; a reused engine whose tables are made keeps one inspector,
    which remembers the table names it was asked for (nbgrader asks on every open whether
    the database has tables)."""
    if not (isinstance(subject, sqlalchemy.Engine) and id(subject) in _TABLES_MADE):
        return sqlalchemy.inspect(subject)
    inspector = _INSPECTORS.get(id(subject))
    if inspector is None:
        inspector = _INSPECTORS[id(subject)] = sqlalchemy.inspect(subject)
    return inspector


def validate_with_checked_schema(instance: Any, schema: dict[str, Any]) -> None:
    """``jsonschema.validate``, with each schema checked (``check_schema``) only the first
    time it is seen in this process; raises the same ``ValidationError`` for a bad
    ``instance`` (and ``SchemaError`` for a bad schema)."""
    key = json.dumps(schema, sort_keys=True)
    validator = _VALIDATORS.get(key)
    if validator is None:
        kind = jsonschema.validators.validator_for(schema)
        kind.check_schema(schema)
        validator = _VALIDATORS[key] = kind(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def tune_worker(private: Path) -> None:
    """Apply the changes of the module docstring to this process (idempotent); SQLite
    gradebooks in the folder ``private`` are the worker's own, thrown away after grading."""
    _PRIVATE.add(private.resolve())
    nbgrader.api.create_engine = _engine_for
    nbgrader.api.inspect = _inspect
    Base.metadata.create_all = _create_all_once
    nbgrader.nbgraderformat.common.jsonschema = types.SimpleNamespace(
        validate=validate_with_checked_schema
    )


def forget_private(private: Path) -> None:
    """Dispose of this process's engines for gradebooks in the folder ``private`` (about to be
    removed)."""
    folder = private.resolve()
    _PRIVATE.discard(folder)
    with _LOCK:
        for key in [key for key in _ENGINES if _in_folders(key[0], {folder})]:
            engine = _ENGINES.pop(key)
            _TABLES_MADE.discard(id(engine))
            _INSPECTORS.pop(id(engine), None)
            engine.dispose()
