"""Linux namespaces and capabilities through ctypes (Python 3.11 has no ``os.unshare``).

A sandbox gets its own user namespace (so nothing here needs root), PID namespace (its first
process is PID 1 there: when it exits, the kernel kills every process left in it, however
they were forked), network namespace (no interface but a loopback that stays down), SysV
IPC namespace, and mount namespace (only to give it a ``/proc`` showing its own processes).
The process that unshares stays outside the new PID namespace; its next child is the
namespace's first process.
"""

from __future__ import annotations

import ctypes
import errno
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
SANDBOX_NAMESPACES = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 1, 2, 4, 8, 0x4000, 1 << 18

_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_CAPABILITY_VERSION_3 = 0x20080522

_LIBC = ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    )


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def unshare(flags: int) -> None:
    """Move this process into new namespaces (``unshare(2)``); it must have one thread."""
    _check(_LIBC.unshare(ctypes.c_int(flags)), "unshare")


def enter_sandbox_namespaces() -> None:
    """New user, PID, network and IPC namespaces; this process keeps its uid and gid there.

    Children forked afterwards live in the new PID namespace (the first one is its PID 1).
    """
    uid, gid = os.geteuid(), os.getegid()
    unshare(SANDBOX_NAMESPACES)
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def mount_private_proc() -> bool:
    """In the PID namespace's first process: mount a ``/proc`` showing only the sandbox.

    Returns False where Linux refuses (e.g. in a container whose ``/proc`` is partly masked);
    the sandbox then gets no ``/proc`` at all rather than the grader's.
    """
    if _LIBC.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return False
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    return bool(_LIBC.mount(b"proc", b"/proc", b"proc", flags, None) == 0)


def hide_folder(path: str) -> bool:
    """In the sandbox's mount namespace: cover ``path`` with an empty read-only tmpfs.

    Hides the unix sockets of system services (``/run``: a container engine, a database,
    D-Bus), which Landlock before ABI 9 cannot keep a sandbox from connecting to. Returns
    whether it worked (best effort: nothing else depends on it).
    """
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC | _MS_RDONLY
    return bool(_LIBC.mount(b"tmpfs", path.encode(), b"tmpfs", flags, b"size=4k,mode=755") == 0)


def die_with_parent(signum: int) -> None:
    """Have the kernel send ``signum`` to this process when its parent exits."""
    _check(_LIBC.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def limit_pid_numbers(count: int) -> bool:
    """Cap how many tasks this PID namespace can hold, where Linux allows it (6.14 or later).

    Writes the namespace's own ``pid_max`` (at least 301, the kernel's minimum); needs
    ``CAP_SYS_ADMIN`` in the namespace's owner, which the sandbox's first process has before
    it drops its capabilities. Returns whether the cap was set. Unlike ``RLIMIT_NPROC`` it also
    binds a grader running as root.
    """
    try:
        _write("/proc/sys/kernel/pid_max", str(max(count, 301)))
    except OSError:
        return False
    return True


def drop_capabilities() -> None:
    """Give up every capability, also for programs this process runs later (even as root)."""
    for cap in range(64):
        if _LIBC.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            code = ctypes.get_errno()
            if code == errno.EINVAL:
                break  # past the last capability this kernel knows
            raise OSError(code, f"prctl(PR_CAPBSET_DROP, {cap}): {os.strerror(code)}")
    _check(_LIBC.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient caps")
    header = _CapHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_LIBC.capset(ctypes.byref(header), data), "capset")
