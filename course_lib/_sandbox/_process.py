"""Start confined processes and hold them: a command (exec) or a Python callable (fork).

Both return a :class:`ConfinedProcess`, the parts of ``subprocess.Popen`` that
jupyter_client's provisioners use. Its ``pid`` is the supervisor's (outside the sandbox),
``kernel_pid`` the confined process's. ``wait`` returns once the confined process and every
process it started are gone; ``SIGINT`` interrupts the confined process group (an ipykernel
interrupts its running cell); ``kill``, ``terminate`` and ``SIGTERM`` end the whole tree.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from course_lib._sandbox._policy import Policy, scrubbed_environment
from course_lib._sandbox._supervisor import supervise
from course_lib._sandbox._support import SandboxError, check_support

#: How long a sandbox may take to report that it is confined.
START_TIMEOUT = 30.0

# Runs the supervisor in a bare interpreter: stub parent packages keep course_lib/__init__
# (which imports pandas: half a second) from running; the modules it needs are stdlib-only.
_BOOTSTRAP = """import sys, types
for name, path in {packages!r}:
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules[name] = module
from course_lib._sandbox._supervisor import main
main(sys.argv[1:])
"""
_PACKAGE = Path(__file__).resolve().parent


def _readable(fds: Sequence[int], timeout: float | None) -> list[int]:
    """Those of ``fds`` readable within ``timeout`` seconds (None: wait). ``poll``, not
    ``select``: a long-lived grader holds descriptors numbered past select's 1024."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    milliseconds = None if timeout is None else max(0, round(timeout * 1000))
    return [fd for fd, _ in poller.poll(milliseconds)]


class ConfinedProcess:
    """A running sandbox: its supervisor (``pid``) and confined process (``kernel_pid``)."""

    def __init__(
        self,
        pid: int,
        kernel_pid: int,
        popen: subprocess.Popen[bytes] | None = None,
        *,
        child: bool = False,
    ) -> None:
        self.pid = pid
        self.kernel_pid = kernel_pid
        self.returncode: int | None = None
        self._popen = popen
        self._child = child  # forked by this process: reap it here
        self.stdin: IO[bytes] | None = popen.stdin if popen else None
        self.stdout: IO[bytes] | None = popen.stdout if popen else None
        self.stderr: IO[bytes] | None = popen.stderr if popen else None
        self._fds = [_pidfd(pid), _pidfd(kernel_pid)]

    @classmethod
    def attach(cls, pid: int, kernel_pid: int) -> ConfinedProcess:
        """A handle on a sandbox another process started (e.g. a kernel template).

        Its ``returncode`` is 0 once it is gone: only the supervisor's parent can read it.
        """
        return cls(pid, kernel_pid)

    def poll(self) -> int | None:
        """The exit status once the whole tree is gone, else None."""
        if self.returncode is None and self._gone(0):
            self._finish()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait until the whole tree is gone; ``subprocess.TimeoutExpired`` after ``timeout``."""
        if self.returncode is None:
            if not self._gone(timeout):
                raise subprocess.TimeoutExpired(f"sandbox {self.pid}", timeout or 0)
            self._finish()
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """``SIGKILL``/``SIGTERM``: end the tree; any other signal: the confined process group."""
        if self.poll() is not None:
            return
        if signum in (signal.SIGKILL, signal.SIGTERM):
            # Killing PID 1 of the sandbox's namespace kills all of it; the supervisor then
            # exits with status 128 + 9. Only a supervisor left alone is killed directly.
            supervisor, kernel = self._fds
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(kernel if kernel >= 0 else supervisor, signal.SIGKILL)
            return
        if not self._gone(0, self._fds[1:]):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.kernel_pid, signum)

    def kill(self) -> None:
        """End the confined process and everything it started."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """The same as :meth:`kill`: nothing in a sandbox gets to clean up outside it."""
        self.send_signal(signal.SIGTERM)

    def _gone(self, timeout: float | None, fds: Sequence[int] | None = None) -> bool:
        waiting = [fd for fd in (self._fds if fds is None else fds) if fd >= 0]
        deadline = None if timeout is None else time.monotonic() + timeout
        while waiting:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = _readable(waiting, left)
            if not ready:
                return False
            waiting = [fd for fd in waiting if fd not in ready]
        return True

    def release(self) -> None:
        """Close this handle's descriptors and leave the sandbox running: for a process that
        starts sandboxes for another one (a kernel template hands over ``pid`` and
        ``kernel_pid``; without this it would keep two descriptors per kernel forever)."""
        fds, self._fds = self._fds, [-1, -1]
        for fd in fds:
            if fd >= 0:
                os.close(fd)

    def _finish(self) -> None:
        code = 0
        if self._popen is not None:
            code = self._popen.wait()
        elif self._child:
            with contextlib.suppress(ChildProcessError):  # SIGCHLD ignored: reaped already
                code = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        self.release()
        self.returncode = code


def _pidfd(pid: int) -> int:
    """A pidfd for ``pid`` (-1 if it has already gone: nothing to wait for)."""
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return -1


def _read_status(fd: int, what: str) -> int:
    """Read a starting sandbox's report up to EOF; the confined process's pid, or raise."""
    chunks = []
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not _readable([fd], left):
                raise SandboxError(f"{what} did not report within {START_TIMEOUT:.0f} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    lines = b"".join(chunks).decode(errors="replace").splitlines()
    errors = [line.removeprefix("error ") for line in lines if line.startswith("error ")]
    pids = [int(line.split()[1]) for line in lines if line.startswith("kernel ")]
    if errors or not pids or "ready" not in lines:
        reason = "; ".join(errors) or f"it stopped while starting (reported: {lines})"
        raise SandboxError(f"{what} failed to start: {reason}")
    return pids[0]


def spawn_confined(
    command: Sequence[str],
    policy: Policy,
    env: Mapping[str, str] | None = None,
    *,
    stdin: int | IO[Any] | None = subprocess.DEVNULL,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
) -> ConfinedProcess:
    """Run ``command`` confined by ``policy``, in ``policy.scratch``, with ``env`` scrubbed.

    Raises ``SandboxUnavailable`` where this kernel cannot sandbox, ``SandboxError`` if the
    sandbox or the command failed to start.
    """
    abi = check_support(policy.minimum_abi)
    read_fd, write_fd = os.pipe()
    packages = [("course_lib", str(_PACKAGE.parent)), ("course_lib._sandbox", str(_PACKAGE))]
    argv = [sys.executable, "-I", "-S", "-c", _BOOTSTRAP.format(packages=packages)]
    try:
        popen = subprocess.Popen(
            [*argv, str(write_fd), policy.confinement(abi).to_json(), *command],
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            cwd=policy.scratch,
            env=scrubbed_environment(os.environ if env is None else env, policy),
            pass_fds=(write_fd,),
        )
    finally:
        os.close(write_fd)
    try:
        kernel_pid = _read_status(read_fd, f"the sandbox for {command[0]!r}")
    except SandboxError:
        popen.kill()
        popen.wait()
        raise
    return ConfinedProcess(popen.pid, kernel_pid, popen)


def fork_confined(
    target: Callable[[], object],
    policy: Policy,
    env: Mapping[str, str] | None = None,
    *,
    keep_fds: Sequence[int] = (),
) -> ConfinedProcess:
    """Fork, and call ``target()`` in a confined child (in ``policy.scratch``, ``env`` scrubbed).

    Call it from a process with one thread (a kernel template), not from a grader that
    runs an event loop. The child closes every descriptor except 0, 1, 2 and ``keep_fds``
    before ``target`` runs (``target`` must not close the ones it inherited), resets the
    signals a Python program expects (``SIGINT`` raises ``KeyboardInterrupt``), and exits
    when ``target`` returns (status 0, or the ``SystemExit`` code; 1 on an exception).
    The returned handle works in this process; to hand the sandbox to another process, send
    ``pid`` and ``kernel_pid`` and use :meth:`ConfinedProcess.attach` there.
    """
    abi = check_support(policy.minimum_abi)
    environment = scrubbed_environment(os.environ if env is None else env, policy)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _fork_child(target, policy, abi, write_fd, keep_fds, environment)
    os.close(write_fd)
    try:
        kernel_pid = _read_status(read_fd, "the forked sandbox")
    except SandboxError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        raise
    return ConfinedProcess(pid, kernel_pid, child=True)


def _fork_child(
    target: Callable[[], object],
    policy: Policy,
    abi: int,
    status_fd: int,
    keep_fds: Sequence[int],
    environment: dict[str, str],
) -> NoReturn:
    def run() -> None:
        os.close(status_fd)
        os.environ.clear()
        os.environ.update(environment)
        target()

    supervise(policy.confinement(abi), status_fd, keep_fds, run)
