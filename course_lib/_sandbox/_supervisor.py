"""The two processes of a sandbox: a supervisor outside it and the confined process inside.

The supervisor unshares new namespaces and forks the confined process, which becomes PID 1 of
the new PID namespace: when it exits or is killed, Linux kills every process left in that
namespace (forked, double-forked, ``setsid``'d alike) before its exit is reported. The
supervisor stays outside: it turns ``SIGINT`` into an interrupt of the confined process
group, ``SIGTERM``/``SIGHUP`` into the end of the whole tree, kills the tree when its own
parent goes away, and exits with the confined process's status. The confined process dies
with the supervisor (``PR_SET_PDEATHSIG``).

Only the standard library and this package's system modules are imported here: the exec path
runs this module in a bare interpreter (``python -I -S``) that starts in ~30 ms.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from course_lib._sandbox import _landlock as landlock
from course_lib._sandbox import _namespaces as namespaces
from course_lib._sandbox._policy import Limits, Policy, make_home

#: Exit status of a confined process that could not be confined or could not exec.
EXIT_SETUP_FAILED = 126

_MIB = 1024 * 1024


def apply_limits(limits: Limits) -> None:
    """Set this process's resource limits (inherited by everything it starts)."""
    pairs = (
        (resource.RLIMIT_AS, limits.memory_mb and limits.memory_mb * _MIB),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_FSIZE, limits.file_size_mb and limits.file_size_mb * _MIB),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    )
    for kind, value in pairs:
        if value is not None:
            resource.setrlimit(kind, (value, value))
    if limits.cpu_seconds is not None:
        # SIGXCPU at the soft limit, SIGKILL a few seconds later at the hard one.
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))


def close_descriptors(keep: Sequence[int]) -> None:
    """Close every descriptor from 3 up except those in ``keep``."""
    low = 3
    for fd in sorted({fd for fd in keep if fd >= 3}):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _report(status_fd: int, line: str) -> None:
    with contextlib.suppress(OSError):
        os.write(status_fd, (line.replace("\n", " ") + "\n").encode())


def confine(
    policy: Policy,
    rules: Sequence[landlock.Rule],
    abi: int,
    status_fd: int,
    keep_fds: Sequence[int],
) -> None:
    """In the sandbox's first process: its session, folders, limits, capabilities, Landlock."""
    os.setsid()
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    close_descriptors([status_fd, *keep_fds])
    if policy.limits.processes is not None:
        namespaces.limit_pid_numbers(policy.limits.processes)
    make_home(policy)
    os.chdir(policy.scratch)
    apply_limits(policy.limits)
    if namespaces.mount_private_proc():
        rules = [*rules, landlock.Rule("/proc", landlock.READ_FILE | landlock.READ_DIR)]
    namespaces.drop_capabilities()
    landlock.restrict_self(rules, abi)


def _run_confined(
    policy: Policy,
    rules: Sequence[landlock.Rule],
    abi: int,
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
        confine(policy, rules, abi, status_fd, keep_fds)
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
        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def supervise(
    policy: Policy,
    rules: Sequence[landlock.Rule],
    abi: int,
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
        _run_confined(policy, rules, abi, status_fd, keep_fds, itself, run)
    os.close(itself)
    _report(status_fd, f"kernel {kernel}")
    os.close(status_fd)
    for fd in keep_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    _wait_for(kernel, parent)


def _wait_for(kernel: int, parent: int) -> NoReturn:
    """Wait for the confined process; end the tree if the caller dies first."""
    kernel_fd = os.pidfd_open(kernel)
    while True:
        ready, _, _ = select.select([kernel_fd, parent], [], [])
        if kernel_fd in ready:
            break
        with contextlib.suppress(ProcessLookupError):
            os.kill(kernel, signal.SIGKILL)  # the caller is gone: so is the sandbox
        break
    _, status = os.waitpid(kernel, 0)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def exec_confined(
    policy: Policy,
    rules: Sequence[landlock.Rule],
    abi: int,
    status_fd: int,
    command: Sequence[str],
) -> NoReturn:
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

    supervise(policy, rules, abi, status_fd, [], run)


def main(argv: Sequence[str]) -> NoReturn:
    """Entry point of the bare supervisor process: ``STATUS_FD ABI POLICY_JSON COMMAND...``.

    The policy's JSON carries its Landlock rules: this bare interpreter (no ``site``) does
    not know the virtual environment's paths.
    """
    status_fd, abi, policy_json, *command = argv
    policy, rules = Policy.from_json(policy_json)
    exec_confined(policy, rules, int(abi), int(status_fd), command)
