"""Fresh kernels without the start-up cost: fork each one from a pre-imported template.

A python kernel spends most of its CPU importing (ipykernel, IPython, pandas, course_lib)
before it runs a cell. Each grading worker starts one *template*: a fresh interpreter that
imports those modules and never runs any code of a trainee. For every kernel nbgrader asks
for, the template forks, and the child becomes an ordinary ipykernel (its own session, the
environment and working folder nbgrader asked for, a fresh namespace, numpy's random state
reseeded). Every submission still gets its own new process, so nothing one trainee runs can
reach another's grading; only the import work is shared, copy-on-write. Known differences
from a kernel started from scratch: the preloaded modules are already in ``sys.modules``
(their import-time warnings are not repeated), and kernels of one template share its
string-hash seed.

``forked_execute(cls)`` makes a subclass of nbgrader's ``Execute`` preprocessor (or of the
course's replacement for it) whose kernel manager uses the template when the worker has one,
and starts kernels the usual way otherwise (a non-python kernelspec, no template, a template
that died).
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
import warnings
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from course_lib._pipeline.prompt_kernels import PromptKernelManager
from course_lib._sandbox import (
    ConfinedProcess,
    Policy,
    SandboxedKernelManager,
    SandboxedProvisioner,
    fork_confined,
)

#: Imported by the template before it forks kernels: what an ipykernel imports while it starts
#: (the kernel class, its debugger and debugpy, the shell's magics and history: two thirds of a
#: forked kernel's start-up CPU otherwise) and what every assignment's setup imports. Not
#: matplotlib: its backend is chosen from the environment a kernel starts with.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.platform.asyncio",
    "pandas",
    "course_lib",
    "course_lib.grading",
)

_TEMPLATE: KernelTemplate | None = None


class _ForkedKernel:
    """The parts of ``subprocess.Popen`` jupyter_client uses, for a kernel the template forked."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self) -> int | None:
        if self.returncode is None:
            ready, _, _ = select.select([self._pidfd], [], [], 0)
            if ready:
                self._finish()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            select.select([self._pidfd], [], [], timeout)
            self._finish()
        return self.returncode or 0

    def _finish(self) -> None:
        self.returncode = 0  # the template reaps it; its exit status is not ours to read
        with contextlib.suppress(OSError):
            os.close(self._pidfd)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The ipykernel arguments of a ``python -m ipykernel_launcher ...`` command, else None."""
    if len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"]:
        return None
    if os.path.realpath(cmd[0]) != os.path.realpath(sys.executable) and cmd[0] != "python":
        return None
    return cmd[3:]


def _become_kernel(arguments: list[str], env: dict[str, str], cwd: str) -> None:
    """In a freshly forked child: turn into an ipykernel as ``python -m ipykernel_launcher``."""
    os.setsid()
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # a fresh kernel seeds from the OS; forks would share one state
    # Like a kernel jupyter_client starts, exit if the process that started it (the template,
    # which exits with its worker) goes away.
    arguments = [*arguments, f"--IPKernelApp.parent_handle={os.getppid()}"]
    sys.argv = ["ipykernel_launcher", *arguments]
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts its cwd back
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=arguments)


class KernelTemplate:
    """A fresh interpreter that has imported ``PRELOAD``; it forks one kernel per request.

    It is started with ``subprocess`` (not forked from the worker), so the kernels it forks
    hold only their standard streams: no descriptor of the worker's pool, gradebook or logs,
    and the interpreter's own ``sys.path``, warning filters and modules, as a new kernel has.
    """

    def __init__(self, connection: Connection, process: subprocess.Popen[bytes]) -> None:
        self._connection = connection
        self._process = process
        self.pid = process.pid

    @classmethod
    def start(cls) -> KernelTemplate:
        """Start a template process and wait until it has done its imports."""
        ours, theirs = socket.socketpair()
        code = (
            "import sys; from course_lib._pipeline.kernels import serve_template; "
            "serve_template(int(sys.argv[1]))"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        connection = Connection(ours.detach())
        if connection.recv() != "ready":  # pragma: no cover - the template failed to import
            raise RuntimeError("the kernel template did not start")
        return cls(connection, process)

    def spawn(self, arguments: list[str], env: dict[str, str], cwd: str) -> _ForkedKernel:
        """A new kernel process forked from the template, unconfined (``--no-sandbox``)."""
        self._connection.send((arguments, env, cwd, None))
        return _ForkedKernel(int(self._connection.recv()))

    def spawn_confined(
        self, arguments: list[str], env: Mapping[str, str], policy: Policy
    ) -> ConfinedProcess:
        """A new kernel forked from the template inside a sandbox confined by ``policy``."""
        self._connection.send((arguments, dict(env), str(policy.scratch), policy.to_json()))
        reply = self._connection.recv()
        if isinstance(reply, BaseException):
            raise reply
        pid, kernel_pid = reply
        return ConfinedProcess.attach(int(pid), int(kernel_pid))

    def close(self) -> None:
        """Stop the template (kernels it forked stop with their own shutdown)."""
        with contextlib.suppress(OSError, EOFError):
            self._connection.send(None)
        self._connection.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)


def _become_confined_kernel(arguments: list[str]) -> None:
    """In a sandbox ``fork_confined`` set up: turn into an ipykernel (the sandbox already
    closed the template's descriptors, scrubbed the environment, moved to the scratch folder
    and reset the signals)."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # a fresh kernel seeds from the OS; forks would share one state
    # ipykernel's pipe for subprocess output needs TCP on 127.0.0.1, which the sandbox denies:
    # expected, and not worth a warning per kernel in the grading log.
    warnings.filterwarnings("ignore", message="Couldn't bind IOPub Pipe")
    parent = os.environ.get("JPY_PARENT_PID")  # inside the PID namespace getppid() is 0
    if parent:
        arguments = [*arguments, f"--IPKernelApp.parent_handle={parent}"]
    sys.argv = ["ipykernel_launcher", *arguments]
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts its cwd back
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=arguments)


def serve_template(fd: int) -> None:
    """The template's main loop: import ``PRELOAD``, then fork a kernel per request on ``fd``.

    A request is ``(arguments, env, cwd, policy)``: with a sandbox policy (JSON) the kernel is
    forked confined (``fork_confined``) and the reply is ``(pid, kernel_pid)``; without one
    it is a plain fork and the reply is its pid. A failure is sent back as the exception.
    """
    connection = Connection(fd)
    # ipykernel's kernelspec sets this for kernels: debugpy (preloaded) would warn on stderr
    # about frozen modules. Kernels get their own environment, not the template's.
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection.send("ready")
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return  # the worker is gone
        if request is None:
            return
        arguments, env, cwd, policy = request
        if policy is not None:
            try:
                confined = fork_confined(
                    functools.partial(_become_confined_kernel, arguments),
                    Policy.from_json(policy),
                    env,
                )
            except Exception as error:  # reported to the worker, which stops with it
                connection.send(error)
            else:
                connection.send((confined.pid, confined.kernel_pid))
                confined.release()  # the worker attaches its own handle
            continue
        pid = os.fork()
        if pid == 0:  # the kernel
            code = 0
            try:
                connection.close()
                _become_kernel(arguments, env, cwd)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 0
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        connection.send(pid)


def template_supported() -> bool:
    """Whether kernels can be forked from a template here (Linux with pidfd, 5.3 or later)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


def preload() -> None:
    """Import ``PRELOAD`` here, once, so that forked workers and templates inherit it."""
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)


def grading_config(config: Any, sandbox: bool = True) -> Any:
    """A copy of an nbgrader config whose autograde step starts kernels from the template
    (sandboxed unless ``sandbox`` is False) and stops each one as soon as its notebook has
    run."""
    import copy

    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    result = copy.deepcopy(config)
    steps = config.get("Autograde", {}).get("autograde_preprocessors")
    if not steps:
        steps = Autograde.class_traits()["autograde_preprocessors"].default()
    replaced = []
    for step in steps:
        if isinstance(step, type) and issubclass(step, Execute):
            step = forked_execute(step, sandbox)
            # The notebook has run and its outputs are collected: stop the kernel at once
            # instead of waiting for it to wind down (nbclient polls every 0.1 s).
            result[step.__name__].shutdown_kernel = "immediate"
        replaced.append(step)
    result.Autograde.autograde_preprocessors = replaced
    return result


def use_template(template: KernelTemplate | None) -> None:
    """Make this process's forked-execute kernels come from ``template`` (None: usual start)."""
    global _TEMPLATE
    _TEMPLATE = template


class TemplateProvisioner(LocalProvisioner):
    """Start python kernels by forking the worker's template; anything else as usual."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Fork a kernel from the template when it can run ``cmd``, else launch ``cmd``."""
        arguments = _kernel_arguments(cmd)
        template = _TEMPLATE
        if arguments is None or template is None:
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            process = template.spawn(arguments, env, cwd)
        except (OSError, EOFError):
            use_template(None)  # the template is gone: from now on, start kernels as usual
            return await super().launch_kernel(cmd, **kwargs)
        self.process = process  # type: ignore[assignment]  # a Popen look-alike
        self.pid = process.pid
        self.pgid = process.pid  # the kernel leads its own session and process group
        self.cwd = cwd
        return self.connection_info


class TemplateKernelManager(PromptKernelManager):
    """An ``AsyncKernelManager`` whose kernels come from the worker's template and talk over
    unix sockets."""

    async def _async_pre_start_kernel(self, **kwargs: Any) -> Any:
        if self.transport == "tcp" and self.ip in ("", "127.0.0.1", "localhost"):
            # Unix sockets with a name of our own: many kernels starting at once on TCP
            # sometimes race for the same free port ("Address already in use").
            self.transport = "ipc"
            self.ip = os.path.join(tempfile.gettempdir(), f"pmcourse-{uuid.uuid4().hex[:16]}")
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kwargs.pop("kernel_id", None) or str(uuid.uuid4())
            self.provisioner = TemplateProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kwargs)


class SandboxedTemplateProvisioner(SandboxedProvisioner):
    """Start python kernels confined, forked from the worker's template; anything else
    (or without a template) as the sandbox starts any command."""

    def launch_confined(
        self, cmd: list[str], policy: Policy, env: Mapping[str, str], **streams: Any
    ) -> ConfinedProcess:
        """Ask the template to fork the kernel into a sandbox; fall back to running ``cmd``."""
        arguments = _kernel_arguments(cmd)
        template = _TEMPLATE
        if arguments is not None and template is not None:
            try:
                return template.spawn_confined(arguments, env, policy)
            except (OSError, EOFError):
                use_template(None)  # the template is gone: from now on, start kernels as usual
        return super().launch_confined(cmd, policy, env, **streams)


class SandboxedTemplateKernelManager(PromptKernelManager, SandboxedKernelManager):
    """A sandboxed kernel manager whose python kernels are forked from the template."""

    def _provisioner_class_default(self) -> type[SandboxedProvisioner]:
        return SandboxedTemplateProvisioner


def forked_execute(execute_class: type[Any], sandbox: bool = True) -> type[Any]:
    """A subclass of ``execute_class`` (nbgrader's Execute or a subclass) using the template,
    sandboxed unless ``sandbox`` is False. Its configuration sections still apply."""
    manager = SandboxedTemplateKernelManager if sandbox else TemplateKernelManager

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["kernel_manager_class"] = manager
        execute_class.__init__(self, *args, **kwargs)

    return type(f"Forked{execute_class.__name__}", (execute_class,), {"__init__": __init__})
