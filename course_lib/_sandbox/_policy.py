"""What a sandboxed process may touch: its limits, its folders, and its environment."""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import resource
import sys
import sysconfig
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_lib._sandbox import _landlock as landlock
from course_lib._sandbox._supervisor import Confinement

#: System folders and files a Python kernel reads (loader cache, time zone, fonts, users).
SYSTEM_READ_ONLY = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/mime.types",
    "/etc/fonts",
    "/etc/os-release",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
)
#: Folders of system services' unix sockets, hidden from a sandbox unless the policy names a
#: path inside them (Landlock before ABI 9 does not control connecting to a unix socket).
SERVICE_FOLDERS = ("/run", "/var/run")
#: Devices a kernel may write to.
DEVICES_READ_WRITE = ("/dev/null",)

#: Environment variables passed to a sandbox as they are (``*`` matches any ending).
ENVIRONMENT_ALLOWED = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TZ",
    "TERM",
    "COLUMNS",
    "LINES",
    "PYTHONHASHSEED",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONWARNINGS",
    "PYDEVD_DISABLE_FILE_VALIDATION",
    "MPLBACKEND",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_MAX_THREADS",
    "JPY_SESSION_NAME",
    "JPY_PARENT_PID",  # meaningless in the PID namespace; keeps ipykernel from warning
    "VIRTUAL_ENV",
)
#: Variables set when the grader has not set them: one BLAS thread keeps a kernel's address
#: space predictable (OpenBLAS reserves memory per thread) and parallel graders from
#: oversubscribing the cores; ipykernel's warning that it cannot forward the output of forked
#: subprocesses (it wants a TCP socket on 127.0.0.1) is expected in a sandbox.
ENVIRONMENT_DEFAULTS = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONWARNINGS": "ignore:Couldn't bind IOPub Pipe:UserWarning",
}
#: Variables pointed into the sandbox's private home, relative to it.
ENVIRONMENT_HOME = {
    "HOME": ".",
    "TMPDIR": "tmp",
    "IPYTHONDIR": ".ipython",
    "MPLCONFIGDIR": ".config/matplotlib",
    "JUPYTER_CONFIG_DIR": ".jupyter",
    "JUPYTER_DATA_DIR": ".local/share/jupyter",
    "JUPYTER_RUNTIME_DIR": ".local/share/jupyter/runtime",
    "XDG_CACHE_HOME": ".cache",
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
}


def _positive(name: str, value: int | None, unit: str) -> None:
    if value is not None and (not isinstance(value, int) or value <= 0):
        raise ValueError(
            f"Limits.{name} must be a positive number of {unit} or None (no limit); got {value!r}"
        )


@dataclass(frozen=True)
class Limits:
    """Resource limits of each sandboxed process (``setrlimit``); ``None`` keeps the grader's.

    The defaults leave room for a kernel with pandas and matplotlib (about 1.1 GiB of address
    space, 130 MB resident) and stop a runaway cell. Memory and CPU are per process;
    ``processes`` counts the sandbox's processes and threads (a pandas kernel has about 13).
    """

    memory_mb: int | None = 4096  # RLIMIT_AS: address space of each process
    processes: int | None = 256  # RLIMIT_NPROC, and the PID namespace's pid_max (min 301)
    file_size_mb: int | None = 64  # RLIMIT_FSIZE: largest file a process may write
    cpu_seconds: int | None = 600  # RLIMIT_CPU: CPU time of each process
    open_files: int | None = 512  # RLIMIT_NOFILE

    def __post_init__(self) -> None:
        _positive("memory_mb", self.memory_mb, "MiB")
        _positive("processes", self.processes, "processes")
        _positive("file_size_mb", self.file_size_mb, "MiB")
        _positive("cpu_seconds", self.cpu_seconds, "seconds")
        _positive("open_files", self.open_files, "descriptors")

    def rlimits(self) -> list[tuple[int, int, int]]:
        """``(resource.RLIMIT_*, soft, hard)`` for each limit set (and no core files)."""
        mib = 1024 * 1024
        pairs = [
            (resource.RLIMIT_AS, self.memory_mb and self.memory_mb * mib),
            (resource.RLIMIT_NPROC, self.processes),
            (resource.RLIMIT_FSIZE, self.file_size_mb and self.file_size_mb * mib),
            (resource.RLIMIT_NOFILE, self.open_files),
            (resource.RLIMIT_CORE, 0),
        ]
        limits = [(kind, value, value) for kind, value in pairs if value is not None]
        if self.cpu_seconds is not None:
            # SIGXCPU at the soft limit, SIGKILL a few seconds later at the hard one.
            limits.append((resource.RLIMIT_CPU, self.cpu_seconds, self.cpu_seconds + 5))
        return limits

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Limits:
        """Limits from configuration, e.g. ``{"memory_mb": 2048}``; unknown keys are errors."""
        names = [item.name for item in dataclasses.fields(cls)]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(f"unknown limit(s) {unknown}; expected some of: {', '.join(names)}")
        return cls(**values)


def _paths(values: Any) -> tuple[Path, ...]:
    return tuple(Path(value) for value in values)


@dataclass(frozen=True)
class Policy:
    """What one sandboxed process tree may touch.

    ``scratch``: the working folder, read-write (a private copy of a submission's folder).
    ``runtime``: a private per-process folder, read-write, holding the connection file, the
    unix sockets and the home folder (``HOME``, ``TMPDIR``, ``IPYTHONDIR``...); without it the
    home is ``scratch/.home``. ``read_only``: folders or files to add to the interpreter,
    its environment, ``course_lib`` and the system folders, which are always readable.
    ``limits``: resource limits. ``minimum_abi``: refuse to run on an older Landlock ABI.
    """

    scratch: Path
    runtime: Path | None = None
    read_only: tuple[Path, ...] = ()
    limits: Limits = field(default_factory=Limits)
    minimum_abi: int = 1

    def __post_init__(self) -> None:
        for name in ("scratch", "runtime"):
            value = getattr(self, name)
            if value is not None and not Path(value).is_absolute():
                raise ValueError(f"Policy.{name} must be an absolute path; got {str(value)!r}")

    @property
    def home(self) -> Path:
        """The private home folder (created by the sandbox when it starts)."""
        return self.runtime / "home" if self.runtime is not None else self.scratch / ".home"

    def rules(self) -> list[landlock.Rule]:
        """The Landlock rules of this policy: read-only system, read-write scratch and runtime."""
        read_only = [*SYSTEM_READ_ONLY, *(str(path) for path in _python_paths())]
        read_only += [str(path) for path in self.read_only]
        rules = [landlock.Rule(path, landlock.READ_ONLY) for path in read_only]
        writable = [self.scratch, *([self.runtime] if self.runtime is not None else [])]
        rules += [landlock.Rule(str(path), landlock.READ_WRITE) for path in writable]
        rw_file = landlock.READ_FILE | landlock.WRITE_FILE | landlock.TRUNCATE
        rules += [landlock.Rule(path, rw_file) for path in DEVICES_READ_WRITE]
        return rules

    def _names_inside(self, folder: str) -> bool:
        """Whether a folder this policy grants lies inside ``folder`` (then it stays visible)."""
        base = Path(folder).resolve()
        named = [self.scratch, *([self.runtime] if self.runtime else []), *self.read_only]
        return any(base == path.resolve() or base in path.resolve().parents for path in named)

    def confinement(self, abi: int) -> Confinement:
        """What the sandbox's first process applies, with Landlock ABI ``abi``."""
        return Confinement(
            scratch=str(self.scratch),
            folders=[str(self.home / relative) for relative in ENVIRONMENT_HOME.values()],
            hidden=[folder for folder in SERVICE_FOLDERS if not self._names_inside(folder)],
            rlimits=self.limits.rlimits(),
            pid_max=self.limits.processes,
            rules=self.rules(),
            abi=abi,
        )

    def to_json(self) -> str:
        """This policy as JSON (to hand it to a kernel template)."""
        values = dataclasses.asdict(self)
        values["scratch"] = str(self.scratch)
        values["runtime"] = None if self.runtime is None else str(self.runtime)
        values["read_only"] = [str(path) for path in self.read_only]
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> Policy:
        """The policy :meth:`to_json` wrote."""
        values = json.loads(text)
        return cls(
            scratch=Path(values["scratch"]),
            runtime=None if values["runtime"] is None else Path(values["runtime"]),
            read_only=_paths(values["read_only"]),
            limits=Limits.from_mapping(values["limits"]),
            minimum_abi=int(values["minimum_abi"]),
        )


def _python_paths() -> Iterator[Path]:
    """The interpreter, its standard library, the environment and ``course_lib`` itself."""
    yield Path(sys.executable).resolve().parent
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        yield Path(prefix)
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        yield Path(sysconfig.get_path(name))
    # Package folders the interpreter imports from besides its own (added by .pth files, a
    # user site, PYTHONPATH): only folders named like one, never a working or course folder.
    for entry in sys.path:
        if (
            entry
            and Path(entry).name in ("site-packages", "dist-packages")
            and Path(entry).is_dir()
        ):
            yield Path(entry)
    yield Path(__file__).resolve().parents[1]  # course_lib (an editable install lives here)


def scrubbed_environment(env: Mapping[str, str], policy: Policy) -> dict[str, str]:
    """The environment for a sandbox: allowed names from ``env``, home folders in the sandbox.

    Tokens, credentials, ``DATABASE_URL``, ``JUPYTERHUB_*``, ``AWS_*``, ``PYTHONPATH`` and
    anything else not in ``ENVIRONMENT_ALLOWED`` are dropped. Applying it twice changes
    nothing.
    """
    kept = {
        name: value
        for name, value in env.items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in ENVIRONMENT_ALLOWED)
    }
    for name, relative in ENVIRONMENT_HOME.items():
        kept[name] = str(policy.home / relative) if relative != "." else str(policy.home)
    kept["PYTHONNOUSERSITE"] = "1"
    for name, value in ENVIRONMENT_DEFAULTS.items():
        kept.setdefault(name, value)
    kept.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return kept
