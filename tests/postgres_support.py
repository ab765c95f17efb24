"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary cluster.

``postgres_server`` runs ``initdb`` in a fresh temporary folder (trust authentication, C
locale, so messages are in English), starts it with ``pg_ctl`` listening on 127.0.0.1 on a
free port and on a Unix socket in that folder, and always stops it (``pg_ctl stop -m fast``)
and deletes the folder. ``initdb`` refuses to run as root, so under root the server runs as
the ``postgres`` user of Debian's package (or a system user created for it) and owns the
folder. Without the binaries the tests skip with the install hint, or fail when CI is set.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from browser_support import free_port

PG_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
"""The cluster's superuser role (``initdb -U``), whatever OS user runs the server."""
SERVICE_USER = "postgres"
"""OS user that runs the server when the tests run as root (created when missing)."""
INSTALL_HINT = (
    "install it with `apt-get install postgresql` (as root; `make db-deps` does it), "
    "then run the test again"
)
# Speed over durability: a test cluster is deleted after the session anyway.
TEST_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "'32MB'",
    "lc_messages": "'C'",
}


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with ``initdb`` and ``pg_ctl``."""
    found = [
        folder / "bin"
        for folder in PG_ROOT.glob("*")
        if (folder / "bin" / "initdb").is_file() and (folder / "bin" / "pg_ctl").is_file()
    ]
    found.sort(key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.name)])
    return found[-1] if found else None


def require_postgres() -> Path:
    """The server binaries' folder; skip (or, when CI is set, fail) when they are missing."""
    bin_dir = postgres_bin()
    if bin_dir is not None:
        return bin_dir
    message = f"PostgreSQL test cannot run: no initdb under {PG_ROOT}/*/bin; {INSTALL_HINT}"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


@dataclass(frozen=True)
class PostgresServer:
    """A running test cluster: where it listens and where its files are."""

    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    log: Path
    port: int
    host: str = "127.0.0.1"
    user: str = SUPERUSER

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy/nbgrader URL of ``database`` over TCP (trust auth: no password)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    def socket_url(self, database: str = "postgres") -> str:
        """The same database reached through the Unix socket instead of TCP."""
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"

    def conninfo(self, database: str = "postgres", **options: Any) -> str:
        """A libpq connection string for ``psycopg.connect``."""
        parts: dict[str, Any] = {"host": self.host, "port": self.port, "user": self.user}
        parts.update(dbname=database, connect_timeout=10)
        parts.update(options)
        return " ".join(f"{key}={value}" for key, value in parts.items())

    def execute(self, statement: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one SQL statement in autocommit mode; its rows (empty when it returns none)."""
        with psycopg.connect(self.conninfo(database), autocommit=True) as connection:
            cursor = connection.execute(statement)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str) -> str:
        """Create database ``name``; return its URL."""
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, ending any session still connected to it."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def postmaster_pid(self) -> int | None:
        """PID of the running postmaster, None when it is not running."""
        pid_file = self.data_dir / "postmaster.pid"
        with suppress(OSError, ValueError, IndexError):
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
            return pid
        return None

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server log, for failure messages."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def database_name(label: str) -> str:
    """A fresh, valid database name that starts with ``label`` (made safe, cut short)."""
    safe = re.sub(r"[^a-z0-9_]+", "_", label.lower()).strip("_")[:40] or "test"
    return f"{safe}_{uuid.uuid4().hex[:8]}"


def _service_account() -> tuple[int, int] | None:
    """(uid, gid) to run the server as: None when not root, else the service user's ids."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             SERVICE_USER],
            check=True, capture_output=True,
        )  # fmt: skip
        entry = pwd.getpwnam(SERVICE_USER)
    return entry.pw_uid, entry.pw_gid


def _run(
    command: Sequence[str | Path], account: tuple[int, int] | None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run a server tool (as the service account when given); raise with its output on error."""
    ids: dict[str, Any] = {}
    if account is not None:
        ids = {"user": account[0], "group": account[1], "extra_groups": []}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=120, **ids,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(command[0]).name} failed ({result.returncode}): "
            f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return result


def _owned_folder(account: tuple[int, int] | None) -> Path:
    """A new temporary folder in the system temp dir, owned by the server's account.

    Not under pytest's basetemp: that one is private to the user running the tests.
    """
    root = Path(tempfile.mkdtemp(prefix="pmcourse-pg-"))
    for folder in (root, root / "socket"):
        folder.mkdir(exist_ok=True)
        if account is not None:
            os.chown(folder, *account)
    return root


@contextmanager
def postgres_server(*, max_connections: int = 40, attempts: int = 3) -> Iterator[PostgresServer]:
    """Start a fresh cluster; yield it once it accepts connections; stop and delete it after."""
    bin_dir = require_postgres()
    account = _service_account()
    root = _owned_folder(account)
    data_dir, socket_dir, log = root / "data", root / "socket", root / "server.log"
    settings = dict(TEST_SETTINGS, unix_socket_directories=f"'{socket_dir}'")
    settings["max_connections"] = str(max_connections)
    server: PostgresServer | None = None
    try:
        _run(
            [bin_dir / "initdb", "-D", data_dir, "-U", SUPERUSER, "--auth=trust",
             "--encoding=UTF8", "--locale=C", "--no-sync"],
            account, root,
        )  # fmt: skip
        for attempt in range(1, attempts + 1):
            server = PostgresServer(bin_dir, data_dir, socket_dir, log, free_port())
            settings["port"] = str(server.port)
            lines = [f"{key} = {value}" for key, value in settings.items()]
            auto_conf = data_dir / "postgresql.auto.conf"  # read last: overrides the defaults
            auto_conf.write_text("\n".join(lines) + "\n")
            if account is not None:
                os.chown(auto_conf, *account)
            try:
                _run([bin_dir / "pg_ctl", "-D", data_dir, "-l", log, "-w", "-t", "60", "start"],
                     account, root)  # fmt: skip
                break
            except RuntimeError as error:
                # Another process may have taken the free port in between: try another one.
                if attempt == attempts:
                    raise RuntimeError(f"{error}\nserver log:\n{server.log_tail()}") from None
        assert server is not None
        yield server
    finally:
        if server is not None:
            _stop(server, account, root)
        shutil.rmtree(root, ignore_errors=True)


def _stop(server: PostgresServer, account: tuple[int, int] | None, cwd: Path) -> None:
    """``pg_ctl stop -m fast``; a postmaster that outlives it is killed and reported."""
    pid = server.postmaster_pid()
    if pid is None:
        return
    with suppress(RuntimeError, subprocess.TimeoutExpired):
        _run([server.bin_dir / "pg_ctl", "-D", server.data_dir, "-m", "fast", "-w", "-t", "30",
              "stop"], account, cwd)  # fmt: skip
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        raise RuntimeError(f"PostgreSQL (pid {pid}) did not stop with pg_ctl stop -m fast")


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (zombies count as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
