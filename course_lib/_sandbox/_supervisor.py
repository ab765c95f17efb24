"""The two processes of a sandbox: a supervisor outside it and the confined process inside.

The supervisor unshares new namespaces and forks the confined process, which becomes PID 1 of
the new PID namespace: when it exits or is killed, Linux kills every process left in that
namespace (forked, double-forked, ``setsid``'d alike) before its exit is reported. The
supervisor stays outside: it turns ``SIGINT`` into an interrupt of the confined process
group, ``SIGTERM``/``SIGHUP`` into the end of the whole tree, kills the tree when its own
parent goes away, and exits with the confined process's status. The confined process dies
with the supervisor (``PR_SET_PDEATHSIG``).

What to apply arrives as a :class:`Confinement` of plain values, decided by the caller from a
``Policy``. Only the standard library and the two system-call modules are imported here: the
exec path runs this module in a bare interpreter (``python -I -S``) that starts in ~30 ms.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple, NoReturn

from course_lib._sandbox import _landlock as landlock
from course_lib._sandbox import _namespaces as namespaces

#: Exit status of a confined process that could not be confined or could not exec.
EXIT_SETUP_FAILED = 126


class Confinement(NamedTuple):
    """What the confined process applies to itself, as plain values (see ``Policy``)."""

    scratch: str  # its working folder
    folders: list[str]  # private folders to create first (its home)
    hidden: list[str]  # folders covered by an empty tmpfs (service sockets)
    rlimits: list[tuple[int, int, int]]  # (resource.RLIMIT_*, soft, hard)
    pid_max: int | None  # cap on the PID namespace's tasks
    rules: list[landlock.Rule]
    abi: int  # the Landlock ABI to use

    def to_json(self) -> str:
        """This confinement as JSON (for the bare supervisor's command line)."""
        return json.dumps(self)

    @classmethod
    def from_json(cls, text: str) -> Confinement:
        """The confinement :meth:`to_json` wrote."""
        scratch, folders, hidden, rlimits, pid_max, rules, abi = json.loads(text)
        limits = [(int(kind), int(soft), int(hard)) for kind, soft, hard in rlimits]
        granted = [landlock.Rule(*rule) for rule in rules]
        return cls(scratch, folders, hidden, limits, pid_max, granted, abi)


def close_descriptors(keep: Sequence[int]) -> None:
    """Close every descriptor from 3 up except those in ``keep``."""
    low = 3
    for fd in sorted({fd for fd in keep if fd >= 3}):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _report(status_fd: int, line: str) -> None:
    with contextlib.suppress(OSError):  # the caller stopped listening: the exit status tells
        os.write(status_fd, (line.replace("\n", " ") + "\n").encode())


def confine(plan: Confinement, status_fd: int, keep_fds: Sequence[int]) -> None:
    """In the sandbox's first process: its session, folders, limits, capabilities, Landlock."""
    os.setsid()
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    close_descriptors([status_fd, *keep_fds])
    if plan.pid_max is not None:
        namespaces.limit_pid_numbers(plan.pid_max)
    for folder in plan.folders:
        os.makedirs(folder, exist_ok=True)
    os.chdir(plan.scratch)
    for kind, soft, hard in plan.rlimits:
        resource.setrlimit(kind, (soft, hard))
    rules = plan.rules
    if namespaces.mount_private_proc():
        rules = [*rules, landlock.Rule("/proc", landlock.READ_FILE | landlock.READ_DIR)]
    for folder in plan.hidden:
        namespaces.hide_folder(folder)
    namespaces.drop_capabilities()
    landlock.restrict_self(rules, plan.abi)


def _run_confined(
    plan: Confinement,
    status_fd: int,
    keep_fds: Sequence[int],
    supervisor: int,
    run: Callable[[], None],
) -> NoReturn:
    """The body of the sandbox's first process: confine, then ``run`` (never returns)."""
    code = EXIT_SETUP_FAILED
    try:
        namespaces.die_with_parent(signal.SIGKILL)
        if select.select([supervisor], [], [], 0)[0]:
            os._exit(code)  # the supervisor died before the line above took effect
        os.close(supervisor)
        confine(plan, status_fd, keep_fds)
    except BaseException as error:
        _report(status_fd, f"error cannot confine the process: {error}")
        os._exit(code)
    _report(status_fd, "ready")
    try:
        run()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def supervise(
    plan: Confinement,
    status_fd: int,
    keep_fds: Sequence[int],
    run: Callable[[], None],
) -> NoReturn:
    """In a fresh child of the caller: become the supervisor of a new sandbox running ``run``.

    ``run`` is called in the confined process once it is confined; before that, ``ready``
    (or ``error <why>``) is written to ``status_fd`` after ``kernel <pid>``.
    """
    kernel = 0

    def forward(signum: int, frame: object) -> None:
        if kernel <= 0:
            return  # not forked yet, or in the child before it resets its signals
        with contextlib.suppress(ProcessLookupError):
            if signum == signal.SIGINT:
                os.killpg(kernel, signal.SIGINT)
            else:
                os.kill(kernel, signal.SIGKILL)

    try:
        parent = os.pidfd_open(os.getppid())
        os.setsid()
        close_descriptors([status_fd, parent, *keep_fds])
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, forward)
        namespaces.enter_sandbox_namespaces()
        itself = os.pidfd_open(os.getpid())
        kernel = os.fork()
    except BaseException as error:
        _report(status_fd, f"error cannot create the sandbox's namespaces: {error}")
        os._exit(EXIT_SETUP_FAILED)
    if kernel == 0:
        os.close(parent)
        _run_confined(plan, status_fd, keep_fds, itself, run)
    os.close(itself)
    _report(status_fd, f"kernel {kernel}")
    os.close(status_fd)
    for fd in keep_fds:
        os.close(fd)
    _wait_for(kernel, parent)


def _wait_for(kernel: int, parent: int) -> NoReturn:
    """Wait for the confined process; end the tree if the caller dies first."""
    kernel_fd = os.pidfd_open(kernel)
    ready, _, _ = select.select([kernel_fd, parent], [], [])
    if kernel_fd not in ready:
        with contextlib.suppress(ProcessLookupError):
            os.kill(kernel, signal.SIGKILL)  # the caller is gone: so is the sandbox
    _, status = os.waitpid(kernel, 0)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def exec_confined(plan: Confinement, status_fd: int, command: Sequence[str]) -> NoReturn:
    """Supervise a sandbox whose confined process runs ``command`` (found on ``PATH``)."""
    os.set_inheritable(status_fd, False)  # closed by a successful exec: the caller sees EOF

    def run() -> None:
        for signum in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(signum, signal.SIG_DFL)  # as subprocess's restore_signals does
        try:
            os.execvp(command[0], list(command))
        except OSError as error:
            _report(status_fd, f"error cannot run {command[0]!r}: {error}")
            os._exit(EXIT_SETUP_FAILED)

    supervise(plan, status_fd, [], run)


def main(argv: Sequence[str]) -> NoReturn:
    """Entry point of the bare supervisor process: ``STATUS_FD CONFINEMENT_JSON COMMAND...``."""
    status_fd, plan, *command = argv
    exec_confined(Confinement.from_json(plan), int(status_fd), command)
