"""Which gradebook database errors are worth another try.

A busy SQLite file, and a PostgreSQL server that has no free connection slot, dropped the
connection, or aborted a transaction to keep it serializable: retrying the same work later
succeeds. Everything else (a wrong URL or password, a missing table, a constraint) fails
again and is reported instead.

An exception is judged by the code it carries (PostgreSQL's SQLSTATE through psycopg 3's
``sqlstate`` or psycopg2's ``pgcode``; SQLite's ``sqlite_errorname``), looking through
SQLAlchemy's wrapper (``orig``) and the ``__cause__``/``__context__`` chain; without a code
(libpq reports refused connections as plain text) and for log text, by the server's message.
PostgreSQL words its messages in its ``lc_messages`` language: the codes do not depend on it.
:func:`retry_transient` runs an operation again after such an error, with backoff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = [
    "RETRY_ATTEMPTS",
    "TRANSIENT_MESSAGES",
    "TRANSIENT_SQLITE_ERRORS",
    "TRANSIENT_SQLSTATES",
    "is_transient_db_error",
    "retry_transient",
]

T = TypeVar("T")
RETRY_ATTEMPTS = 8
"""Tries of one database operation before a transient error is reported (about 20 s of waits)."""

TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure: could not serialize access ...
        "40P01",  # deadlock_detected
        "53300",  # too_many_connections: too many clients / connections for role
        "57P01",  # admin_shutdown: terminating connection due to administrator command
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: the database system is starting up
        "08000",  # connection_exception
        "08001",  # sqlclient_unable_to_establish_sqlconnection
        "08003",  # connection_does_not_exist
        "08004",  # sqlserver_rejected_establishment_of_sqlconnection
        "08006",  # connection_failure
    }
)
"""PostgreSQL SQLSTATE codes of errors that a later retry can get past."""

TRANSIENT_SQLITE_ERRORS = ("SQLITE_BUSY", "SQLITE_LOCKED")
"""SQLite result codes (and their extended forms) of a database another process holds."""

TRANSIENT_MESSAGES = (
    # SQLite
    "database is locked",
    "database table is locked",
    # PostgreSQL: serialization
    "could not serialize access",
    "deadlock detected",
    "serializationfailure",
    "deadlockdetected",
    # PostgreSQL: no free connection slot (refused at connect time, without a SQLSTATE)
    "too many clients already",
    "too many connections for role",
    "too many connections for database",
    "remaining connection slots are reserved",
    "toomanyconnections",
    # PostgreSQL: a dropped connection, or a server shutting down or starting up
    "terminating connection due to administrator command",
    "server closed the connection unexpectedly",
    "the connection is closed",
    "connection has been closed unexpectedly",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "adminshutdown",
    "crashshutdown",
    "cannotconnectnow",
)
"""Lower-case fragments of error texts (messages and psycopg class names) that mark a
transient error when no code is at hand."""


def is_transient_db_error(error: BaseException | str) -> bool:
    """Whether ``error`` (an exception or a log text) is a database error worth retrying.

    >>> is_transient_db_error("sqlite3.OperationalError: database is locked")
    True
    >>> is_transient_db_error('relation "grade" does not exist')
    False
    """
    if isinstance(error, str):
        return _transient_text(error)
    chain = _chain(error)
    for link in chain:
        code = _code(link)
        if code is not None:
            return code in TRANSIENT_SQLSTATES or code.startswith(TRANSIENT_SQLITE_ERRORS)
    for link in chain:
        if getattr(link, "connection_invalidated", False) is True:
            return True  # SQLAlchemy recognised a disconnect
    return any(_transient_text(str(link)) for link in chain)


def _transient_text(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in TRANSIENT_MESSAGES)


def _code(error: BaseException) -> str | None:
    """The SQLSTATE or SQLite error name ``error`` carries, None without one."""
    for attribute in ("sqlstate", "pgcode", "sqlite_errorname"):
        value = getattr(error, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def _chain(error: BaseException) -> list[BaseException]:
    """``error``, the driver error it wraps (``orig``) and its causes, each once, in order."""
    found: list[BaseException] = []
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        for linked in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return found


def retry_transient(
    action: Callable[[], T],
    *,
    attempts: int = RETRY_ATTEMPTS,
    first_delay: float = 0.2,
    max_delay: float = 5.0,
    before_retry: Callable[[BaseException], None] | None = None,
) -> T:
    """``action()``, tried again after a transient database error (:func:`is_transient_db_error`)
    with exponential backoff and jitter, up to ``attempts`` tries in all; any other error, or
    the last transient one, is raised. ``before_retry(error)`` runs before each new try (to
    roll a session back, say)."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as error:
            if attempt == attempts or not is_transient_db_error(error):
                raise
            if before_retry is not None:
                before_retry(error)
            delay = min(max_delay, first_delay * 2 ** (attempt - 1))
            time.sleep(delay * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
