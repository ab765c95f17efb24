"""A sandbox for every process that runs trainee code (Linux: Landlock and namespaces).

A confined process tree:

- reads only the interpreter, its environment, ``course_lib`` and system files; writes only
  its scratch folder and a private runtime folder (Landlock);
- has no network (its own network namespace; Landlock also denies TCP), cannot signal or
  reach abstract sockets outside (Landlock scopes), gains no privileges (``no_new_privs``,
  no capabilities), and runs with a scrubbed environment and resource limits;
- is gone entirely when its first process ends (that process is PID 1 of its own PID
  namespace, watched by a supervisor that interrupts it on ``SIGINT``).

``spawn_confined`` runs a command that way, ``fork_confined`` a Python callable (for a kernel
template), ``SandboxedKernelManager`` starts Jupyter kernels that way, and ``OutputCapMixin``
caps what ``NotebookClient`` keeps of their output. ``check_support`` says whether this
machine can sandbox.
"""

from course_lib._sandbox._namespaces import die_with_parent
from course_lib._sandbox._output import OutputCapMixin
from course_lib._sandbox._policy import Limits, Policy, scrubbed_environment
from course_lib._sandbox._process import ConfinedProcess, fork_confined, spawn_confined
from course_lib._sandbox._provisioner import SandboxedKernelManager, SandboxedProvisioner
from course_lib._sandbox._support import SandboxError, SandboxUnavailable, check_support

__all__ = [
    "ConfinedProcess",
    "Limits",
    "OutputCapMixin",
    "Policy",
    "SandboxError",
    "SandboxUnavailable",
    "SandboxedKernelManager",
    "SandboxedProvisioner",
    "check_support",
    "die_with_parent",
    "fork_confined",
    "scrubbed_environment",
    "spawn_confined",
]
