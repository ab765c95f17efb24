"""Whether this machine can sandbox, and the errors that say why not."""

from __future__ import annotations

import errno
import functools
import os
import platform
import subprocess
import sys

from course_lib._sandbox import _landlock as landlock
from course_lib._sandbox._namespaces import SANDBOX_NAMESPACES

#: The way out named by every refusal (the grading command's flag).
NO_SANDBOX_HINT = "grade with --no-sandbox to run without it, at your own risk"

# Tries the unshare a sandbox does, in a throw-away bare interpreter; exits with the errno.
_PROBE = (
    "import ctypes, sys; libc = ctypes.CDLL(None, use_errno=True); "
    f"sys.exit(ctypes.get_errno() if libc.unshare({SANDBOX_NAMESPACES}) else 0)"
)


class SandboxUnavailable(RuntimeError):
    """This machine cannot run the sandbox; the message names the missing kernel feature."""


class SandboxError(RuntimeError):
    """A sandbox failed to start (the message says which step and why)."""


def check_support(minimum_abi: int = 1) -> int:
    """The Landlock ABI to use here; raises ``SandboxUnavailable`` naming what is missing.

    Needs Linux with Landlock (ABI ``minimum_abi`` or later), user namespaces that allow new
    PID and network namespaces, and pidfds (Linux 5.3).
    """
    release = platform.release()
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            f"the grading sandbox needs Linux (Landlock and namespaces); this is "
            f"{sys.platform}; {NO_SANDBOX_HINT}"
        )
    abi, reason = landlock.abi_error()
    if abi == 0:
        if reason == errno.EOPNOTSUPP:
            why = "built in but disabled at boot: add 'landlock' to the kernel's lsm= parameter"
        else:
            why = f"no landlock_create_ruleset system call ({os.strerror(reason)}): Linux 5.13+"
        raise SandboxUnavailable(
            f"Linux Landlock is not enabled in this kernel ({release}: {why}); {NO_SANDBOX_HINT}"
        )
    if abi < minimum_abi:
        raise SandboxUnavailable(
            f"Linux Landlock ABI {minimum_abi} is required but this kernel ({release}) has ABI "
            f"{abi}; lower the required ABI or upgrade the kernel, or {NO_SANDBOX_HINT}"
        )
    problem = _namespace_problem()
    if problem:
        raise SandboxUnavailable(
            f"user namespaces are not available here ({release}: {problem}); they give each "
            f"sandbox its own PID and network namespace; {NO_SANDBOX_HINT}"
        )
    return abi


@functools.cache
def _namespace_problem() -> str:
    """Why this process cannot create a sandbox's namespaces ('' if it can); probed once."""
    if not hasattr(os, "pidfd_open"):
        return "os.pidfd_open is missing (Linux 5.3 or later is needed)"
    probe = subprocess.run([sys.executable, "-I", "-S", "-c", _PROBE], capture_output=True)
    if probe.returncode == 0:
        return ""
    code = probe.returncode
    hint = "check user.max_user_namespaces and kernel.unprivileged_userns_clone"
    return f"unshare(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET) fails: {os.strerror(code)}; {hint}"
