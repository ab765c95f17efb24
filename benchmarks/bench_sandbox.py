"""Benchmark: what the grading sandbox adds to each kernel's start-up.

Times kernels under nbclient (start until ready; shutdown after running ``1 + 1``) through
both start paths, each with and without the sandbox, in the same run:

- exec: the kernel command run as is (``subprocess.Popen``) against ``spawn_confined``
  (a bare supervisor interpreter, namespaces, Landlock, then the same command);
- fork: a template process that imported ipykernel forks the kernel with ``os.fork`` against
  ``fork_confined``.

Both variants of a path use the same ``SandboxedProvisioner`` (unix sockets in a private
runtime folder, scrubbed environment), so the difference is the confinement itself. Prints the
medians of ``--runs`` kernels per variant and the ratios to the unconfined floor of each path.

    .venv/bin/python benchmarks/bench_sandbox.py             # 10 runs per variant
    .venv/bin/python benchmarks/bench_sandbox.py --runs 3
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from course_lib._sandbox import (
    ConfinedProcess,
    Policy,
    SandboxedKernelManager,
    SandboxedProvisioner,
)

SPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# A template that forks kernels plainly ("plain") or confined ("confined").
TEMPLATE_CODE = """
import functools, os, signal, sys
from multiprocessing.connection import Connection
from ipykernel import kernelapp
from course_lib._sandbox import Policy, fork_confined

def kernel(arguments):
    sys.argv = ["ipykernel_launcher", *arguments]
    kernelapp.launch_new_instance(argv=arguments)

connection = Connection(int(sys.argv[1]))
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
connection.send("ready")
while (request := connection.recv()) is not None:
    mode, arguments, policy_json, env = request
    policy = Policy.from_json(policy_json)
    if mode == "confined":
        sandbox = fork_confined(functools.partial(kernel, arguments), policy, env)
        connection.send((sandbox.pid, sandbox.kernel_pid))
        continue
    pid = os.fork()
    if pid == 0:
        connection.close()
        os.setsid()
        os.chdir(policy.scratch)
        os.environ.clear()
        os.environ.update(env)
        try:
            kernel(arguments)
        finally:
            os._exit(0)
    connection.send((pid, pid))
"""


class _Template:
    connection: Connection | None = None


class PlainExecProvisioner(SandboxedProvisioner):
    """The kernel command run as is: the exec path's floor."""

    def launch_confined(
        self, cmd: list[str], policy: Policy, env: Mapping[str, str], **streams: Any
    ) -> ConfinedProcess:
        policy.home.mkdir(parents=True, exist_ok=True)
        popen = subprocess.Popen(
            cmd, env=dict(env), cwd=policy.scratch, start_new_session=True, **streams
        )
        return ConfinedProcess(popen.pid, popen.pid, popen)


class _TemplateProvisioner(SandboxedProvisioner):
    mode = "plain"

    def launch_confined(
        self, cmd: list[str], policy: Policy, env: Mapping[str, str], **streams: Any
    ) -> ConfinedProcess:
        assert _Template.connection is not None
        policy.home.mkdir(parents=True, exist_ok=True)
        _Template.connection.send((self.mode, cmd[3:], policy.to_json(), dict(env)))
        pid, kernel_pid = _Template.connection.recv()
        return ConfinedProcess.attach(pid, kernel_pid)


class ConfinedForkProvisioner(_TemplateProvisioner):
    mode = "confined"


def _manager(provisioner: type[SandboxedProvisioner]) -> type[SandboxedKernelManager]:
    """A kernel manager class whose kernels come from ``provisioner``."""
    return type(
        f"{provisioner.__name__}Manager",
        (SandboxedKernelManager,),
        {"_provisioner_class_default": lambda self: provisioner},
    )


def life_seconds(manager: type[AsyncKernelManager], scratch: str) -> tuple[float, float]:
    """``(start, stop)``: wall time until a new kernel is ready, and to shut it down after
    it ran one trivial cell."""
    cells = [new_code_cell("1 + 1")]  # type: ignore[no-untyped-call]  # nbformat is untyped
    notebook = new_notebook(cells=cells, metadata={"kernelspec": SPEC})  # type: ignore[no-untyped-call]
    client = NotebookClient(
        notebook,
        timeout=60,
        kernel_manager_class=manager,
        resources={"metadata": {"path": scratch}},
    )
    begin = time.perf_counter()
    with client.setup_kernel():
        ready = time.perf_counter()
        client.execute_cell(notebook.cells[0], 0)
        ran = time.perf_counter()
    return ready - begin, time.perf_counter() - ran


def main(argv: list[str] | None = None) -> None:
    """Time every variant ``--runs`` times (interleaved) and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="kernel lives per variant")
    runs = parser.parse_args(argv).runs
    ours, theirs = socket.socketpair()
    template = subprocess.Popen(
        [sys.executable, "-c", TEMPLATE_CODE, str(theirs.fileno())], pass_fds=(theirs.fileno(),)
    )
    theirs.close()
    _Template.connection = Connection(ours.detach())
    assert _Template.connection.recv() == "ready"
    variants: dict[str, type[AsyncKernelManager]] = {
        "stock (tcp, no sandbox)": AsyncKernelManager,
        "exec, no sandbox": _manager(PlainExecProvisioner),
        "exec, sandboxed": SandboxedKernelManager,
        "fork, no sandbox": _manager(_TemplateProvisioner),
        "fork, sandboxed": _manager(ConfinedForkProvisioner),
    }
    starts: dict[str, list[float]] = {name: [] for name in variants}
    stops: dict[str, list[float]] = {name: [] for name in variants}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
            life_seconds(SandboxedKernelManager, scratch)  # warm caches and the support probe
            for _ in range(runs):
                for name, manager in variants.items():
                    to_ready, to_stop = life_seconds(manager, scratch)
                    starts[name].append(to_ready)
                    stops[name].append(to_stop)
    finally:
        _Template.connection.send(None)
        template.wait(timeout=30)
    start = {name: statistics.median(values) for name, values in starts.items()}
    stop = {name: statistics.median(values) for name, values in stops.items()}
    print(f"median of {runs} kernels:          start (to ready)   shutdown")
    for name in variants:
        print(f"  {name:<28} {start[name] * 1000:9.0f} ms {stop[name] * 1000:9.0f} ms")
    for path in ("exec", "fork"):
        floor, boxed = f"{path}, no sandbox", f"{path}, sandboxed"
        print(
            f"{path} path, sandboxed / unsandboxed: start {start[boxed] / start[floor]:.2f} "
            f"({(start[boxed] - start[floor]) * 1000:+.0f} ms), shutdown "
            f"{stop[boxed] / stop[floor]:.2f} ({(stop[boxed] - stop[floor]) * 1000:+.0f} ms)"
        )


if __name__ == "__main__":
    main()
