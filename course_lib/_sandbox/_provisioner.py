"""jupyter_client glue: a provisioner and a kernel manager that start kernels sandboxed.

Each kernel gets a private runtime folder (``pmcourse-kernel-*`` in the temporary folder,
mode 0700, removed after the kernel) holding its connection file, its unix sockets (the
``ipc`` transport: the sandbox has no network) and its home folder. The kernel's working
folder (``cwd``, nbclient passes the notebook's folder) is its read-write scratch folder.

Use it from nbclient or nbgrader with ``kernel_manager_class=SandboxedKernelManager``;
configure it with ``SandboxedProvisioner.limits = {"memory_mb": 2048, ...}``,
``SandboxedProvisioner.read_only_paths`` and ``SandboxedProvisioner.minimum_abi``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import Dict, Int, List, Type, Unicode

from course_lib._sandbox._policy import Limits, Policy
from course_lib._sandbox._process import ConfinedProcess, spawn_confined


class SandboxedProvisioner(LocalProvisioner):
    """A ``LocalProvisioner`` whose kernels run confined (see ``course_lib._sandbox``).

    Subclasses change how a confined kernel starts by overriding :meth:`launch_confined`
    (a kernel template forks it with ``fork_confined`` instead of running the command).
    """

    limits = Dict(
        help="Resource limits of each kernel, as keyword arguments of Limits (memory_mb, "
        "processes, file_size_mb, cpu_seconds, open_files); missing ones keep their default."
    ).tag(config=True)
    read_only_paths = List(
        Unicode(), help="Folders or files kernels may read besides Python and the system."
    ).tag(config=True)
    minimum_abi = Int(1, help="Refuse to start kernels on an older Landlock ABI.").tag(config=True)

    runtime: Path | None = None

    def policy(self, scratch: Path) -> Policy:
        """The policy of a kernel working in ``scratch``."""
        return Policy(
            scratch=scratch,
            runtime=self.runtime,
            read_only=tuple(Path(path) for path in self.read_only_paths),
            limits=Limits.from_mapping(self.limits),
            minimum_abi=self.minimum_abi,
        )

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Put the connection file and the kernel's unix sockets in a private runtime folder."""
        if self.runtime is None:
            self.runtime = Path(tempfile.mkdtemp(prefix="pmcourse-kernel-"))
        manager = self.parent
        if manager is not None:
            manager.transport = "ipc"
            manager.cache_ports = False
            manager.ip = str(self.runtime / "kernel")
            manager.connection_file = str(self.runtime / "kernel.json")
        result: dict[str, Any] = await super().pre_launch(**kwargs)
        return result

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Start ``cmd`` confined, working in ``cwd`` (a scratch folder in the runtime one if
        none is given: never the grader's own working folder)."""
        assert self.runtime is not None, "pre_launch creates the runtime folder"
        scratch = kwargs.get("cwd")
        if not scratch:
            scratch = self.runtime / "scratch"
            scratch.mkdir(exist_ok=True)
        policy = self.policy(Path(scratch).resolve())
        streams = {name: kwargs[name] for name in ("stdin", "stdout", "stderr") if name in kwargs}
        env = dict(kwargs.get("env") or {})
        env.setdefault("JPY_PARENT_PID", str(os.getpid()))  # as jupyter_client's launcher does
        process = self.launch_confined(list(cmd), policy, env, **streams)
        self.process = process  # type: ignore[assignment]  # a Popen look-alike
        self.pid = process.pid
        self.pgid = None  # signals go through the handle: it knows the sandbox's process group
        self.cwd = str(policy.scratch)
        return self.connection_info

    def launch_confined(
        self, cmd: list[str], policy: Policy, env: Mapping[str, str], **streams: Any
    ) -> ConfinedProcess:
        """Start the kernel command confined by ``policy`` (override to fork it instead)."""
        return spawn_confined(cmd, policy, env, **streams)

    async def cleanup(self, restart: bool = False) -> None:
        """Remove the runtime folder once the kernel is gone for good."""
        await super().cleanup(restart=restart)
        if not restart and self.runtime is not None:
            shutil.rmtree(self.runtime, ignore_errors=True)
            self.runtime = None


class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels run sandboxed, talking over unix sockets."""

    provisioner_class = Type(
        SandboxedProvisioner,
        klass=SandboxedProvisioner,
        help="The provisioner that starts each kernel (a SandboxedProvisioner subclass).",
    ).tag(config=True)

    async def _async_pre_start_kernel(self, **kwargs: Any) -> Any:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kwargs.pop("kernel_id", None) or str(uuid.uuid4())
            self.provisioner = self.provisioner_class(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kwargs)
