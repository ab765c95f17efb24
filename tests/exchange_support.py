"""People for the exchange round trip: an instructor and trainees with their own home folders.

Running as root, each person is a real Unix user made for the test (``useradd``, removed with
``userdel`` afterwards) and every command of theirs runs under their uid and gid, so the
exchange's permissions are the real ones. Otherwise every person is the current user with a
separate home folder (and an explicit ``--student`` id where nbgrader would use the login).

Other users must be able to run the venv's interpreter. When its base installation sits where
they cannot enter (pyenv under ``/root``), they get a "shared" venv instead: the same
interpreter and standard library hard-linked into folders they can enter, whose ``site`` adds
this venv's site-packages, with the venv's console scripts and Jupyter data. Packages, course
code and interpreter are the same files, nothing is installed and nothing outside the test's
temporary folder changes.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
#: Each person is a Unix user of their own: as root, where ``useradd`` exists.
REAL_USERS = os.geteuid() == 0 and shutil.which("useradd") is not None


def _world_runnable(path: Path) -> bool:
    """Whether any user can run ``path``: every folder above it enterable, the file runnable."""
    path = path.resolve()
    folders_ok = all(folder.stat().st_mode & stat.S_IXOTH for folder in path.parents)
    return folders_ok and bool(path.stat().st_mode & stat.S_IXOTH)


_NOT_NEEDED = ("site-packages", "test", "config-*", "idlelib", "tkinter", "turtledemo")


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link ``source`` to ``target`` (instant, no space), copying across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _shared_interpreter(base: Path) -> Path:
    """This interpreter's installation (its stdlib without site-packages and tests) laid out
    under ``base/python``, in folders everyone can enter; returns that installation's root."""
    prefix = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    shared = base / "python"
    (shared / "bin").mkdir(parents=True)
    _link_or_copy(str(Path(sys._base_executable).resolve()), str(shared / "bin" / version))
    (shared / "lib").mkdir()
    for library in (prefix / "lib").glob("libpython*.so*"):
        if library.is_file() and not library.is_symlink():
            _link_or_copy(str(library), str(shared / "lib" / library.name))
    shutil.copytree(
        prefix / "lib" / version,
        shared / "lib" / version,
        ignore=shutil.ignore_patterns(*_NOT_NEEDED),
        copy_function=_link_or_copy,
        symlinks=True,
    )
    for folder, _, _ in os.walk(shared):
        os.chmod(folder, 0o755)
    return shared


def shared_bin(base: Path) -> tuple[Path, dict[str, str]]:
    """A bin/ folder every user can run the venv's commands from, and the environment variables
    its interpreter needs (see the module docstring)."""
    if _world_runnable(Path(sys.executable)):
        return BIN, {}
    interpreter = _shared_interpreter(base)
    env = {"LD_LIBRARY_PATH": str(interpreter / "lib")}
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    shared = base / "venv"
    subprocess.run(
        [str(interpreter / "bin" / version), "-m", "venv", "--without-pip", str(shared)],
        check=True,
        env={**os.environ, **env},
    )
    site = Path(sysconfig.get_paths()["purelib"])
    (shared / "lib" / version / "site-packages" / "_shared_venv.pth").write_text(
        f"import site; site.addsitedir({str(site)!r})\n", encoding="utf-8"
    )
    for folder in ("share", "etc"):
        if (Path(sys.prefix) / folder).is_dir():
            (shared / folder).symlink_to(Path(sys.prefix) / folder)
    for script in BIN.iterdir():
        target = shared / "bin" / script.name
        if target.exists() or not script.is_file():
            continue
        head = script.read_bytes()[:200]
        if head.startswith(b"#!") and str(BIN).encode() in head.split(b"\n")[0]:
            text = script.read_text(encoding="utf-8").split("\n", 1)[1]
            target.write_text(f"#!{shared / 'bin' / 'python'}\n{text}", encoding="utf-8")
            target.chmod(0o755)
    return shared / "bin", env


@dataclass(frozen=True)
class Person:
    """Someone in the round trip: login name, home folder, the bin/ folder their commands come
    from and (as root) their own uid/gid."""

    name: str
    home: Path
    bin_dir: Path = BIN
    uid: int | None = None
    gid: int | None = None
    extra_env: tuple[tuple[str, str], ...] = ()

    def tool(self, name: str) -> str:
        """The path of the console script ``name`` (nbgrader, pmcourse, ...) for this person."""
        return str(self.bin_dir / name)

    def env(self) -> dict[str, str]:
        """A login-like environment: their HOME and name, the venv's bin/ first on PATH, no
        Jupyter settings of whoever runs the tests."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("JUPYTER", "IPYTHON", "MPLCONFIG", "PYTEST", "XDG_"))
        }
        env.update(HOME=str(self.home), USER=self.name, LOGNAME=self.name)
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env.update(dict(self.extra_env))
        return env

    def run(
        self, args: Sequence[str], cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``args`` as this person (their uid when root) in ``cwd`` (default: home)."""
        as_user = {} if self.uid is None else {"user": self.uid, "group": self.gid}
        result = subprocess.run(
            list(args),
            cwd=cwd or self.home,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=900,
            umask=0o022,
            extra_groups=[] if self.uid is not None else None,
            **as_user,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{self.name}: {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
            )
        return result

    def own(self, path: Path) -> None:
        """Give ``path`` (and everything under it) to this person, as an admin would."""
        if self.uid is None:
            return
        for folder, _, files in os.walk(path):
            os.chown(folder, self.uid, self.gid or -1)
            for name in files:
                os.chown(os.path.join(folder, name), self.uid, self.gid or -1)


def _pids_of(uid: int) -> list[int]:
    """Processes still running under ``uid`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
    return found


@contextmanager
def people(roles: Sequence[str]) -> Iterator[tuple[Path, dict[str, Person]]]:
    """A fresh base folder (world-readable, outside pytest's private tmp) and one person per
    role, each with a home folder under it and a bin/ folder they can run; everything is
    removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="pmcourse-exchange-"))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o755)
    token = secrets.token_hex(3)
    made: list[str] = []
    persons: dict[str, Person] = {}
    try:
        bin_dir, extra = shared_bin(base) if REAL_USERS else (BIN, {})
        for role in roles:
            name = f"pmrt{token}{role}"
            home = base / "home" / name
            home.mkdir(mode=0o700)
            if REAL_USERS:
                subprocess.run(
                    ["useradd", "--no-create-home", "--home-dir", str(home), "--shell",
                     "/usr/sbin/nologin", "--user-group", name],
                    check=True, capture_output=True,
                )  # fmt: skip
                made.append(name)
                entry = pwd.getpwnam(name)
                persons[role] = Person(
                    name, home, bin_dir, entry.pw_uid, entry.pw_gid, tuple(extra.items())
                )
                persons[role].own(home)
            else:
                persons[role] = Person(name, home, bin_dir)
        yield base, persons
    finally:
        for person in persons.values():
            if person.uid is not None:
                for pid in _pids_of(person.uid):
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        for name in made:
            subprocess.run(["userdel", name], check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
