"""Linux Landlock through ctypes: the ABI probe, and a ruleset for files, TCP and scopes.

Landlock lets an unprivileged process give up rights for itself and every process it later
starts; nothing can lift the restriction afterwards. Each ABI version adds rights: this module
handles every right the running kernel knows (anything not granted by a rule is denied) and
quietly leaves out the ones an older kernel lacks. See the kernel's
``Documentation/userspace-api/landlock.rst`` for the semantics of each right.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
from collections.abc import Iterable
from typing import NamedTuple

# The three system calls have the same numbers on every architecture that uses the unified
# system call table (x86_64, arm64, arm, riscv, powerpc, s390, loongarch).
SYS_CREATE_RULESET = 444
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446

_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights (include/uapi/linux/landlock.h), with the ABI that introduced each.
EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
RESOLVE_UNIX = 1 << 16  # ABI 9: connecting to pathname unix sockets

#: The rights that apply to a regular file (the rest only make sense on a directory).
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV

#: Read and run: what the interpreter, its libraries and system files get.
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
#: Everything in a scratch folder except running programs and making device nodes.
READ_WRITE = (
    WRITE_FILE
    | READ_FILE
    | READ_DIR
    | REMOVE_DIR
    | REMOVE_FILE
    | MAKE_DIR
    | MAKE_REG
    | MAKE_SOCK
    | MAKE_FIFO
    | MAKE_SYM
    | REFER
    | TRUNCATE
)

_NET_TCP = (1 << 0) | (1 << 1)  # BIND_TCP, CONNECT_TCP: ABI 4
_SCOPES = (1 << 0) | (1 << 1)  # ABSTRACT_UNIX_SOCKET, SIGNAL: ABI 6

#: Per ABI version, the highest filesystem right it knows (each ABI adds one bit or none).
_LAST_FS_RIGHT = {1: MAKE_SYM, 2: REFER, 3: TRUNCATE, 4: TRUNCATE, 5: IOCTL_DEV}


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # packed in the kernel's header
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


_LIBC = ctypes.CDLL(None, use_errno=True)
_syscall = _LIBC.syscall
_syscall.restype = ctypes.c_long


class LandlockError(OSError):
    """A Landlock system call failed while building or applying a ruleset."""


def _call(number: int, *arguments: object) -> int:
    result = int(_syscall(ctypes.c_long(number), *arguments))
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def abi_error() -> tuple[int, int]:
    """``(abi, errno)``: the running kernel's Landlock ABI, or 0 and why it is unavailable.

    The errno is ``ENOSYS`` where the kernel has no Landlock (before 5.13, or not built in)
    and ``EOPNOTSUPP`` where it is built in but not enabled at boot.
    """
    try:
        return _call(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION), 0
    except OSError as error:
        return 0, error.errno or errno.ENOSYS


def handled_rights(abi: int) -> tuple[int, int, int]:
    """``(filesystem, network, scopes)``: every right that ABI ``abi`` can restrict."""
    if abi < 1:
        raise ValueError(f"Landlock ABI {abi} does not exist; the first ABI is 1")
    last = _LAST_FS_RIGHT.get(abi, IOCTL_DEV if abi < 9 else RESOLVE_UNIX)
    filesystem = (last << 1) - 1
    return filesystem, _NET_TCP if abi >= 4 else 0, _SCOPES if abi >= 6 else 0


class Rule(NamedTuple):
    """Grant ``access`` (a mask of the rights above) under ``path`` (a folder or one file)."""

    path: str
    access: int


def restrict_self(rules: Iterable[Rule], abi: int) -> None:
    """Confine this thread (and every process it starts) to ``rules``, for good.

    Every filesystem right ABI ``abi`` knows is handled, so whatever no rule grants is denied;
    with ABI 4 or later all TCP binds and connects are denied, with ABI 6 or later signals and
    abstract unix sockets cannot reach outside the sandbox. Rules whose path does not exist
    are skipped. Sets ``no_new_privs``, which Landlock requires. Call it while the process
    has a single thread: other threads keep their rights.
    """
    filesystem, network, scopes = handled_rights(abi)
    attr = _RulesetAttr(filesystem, network, scopes)
    try:
        ruleset = _call(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    except OSError as error:
        raise LandlockError(error.errno, f"cannot create a Landlock ruleset: {error}") from None
    try:
        for rule in rules:
            _add_path_rule(ruleset, rule, filesystem)
        if _LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            code = ctypes.get_errno()
            raise LandlockError(code, f"cannot set no_new_privs: {os.strerror(code)}")
        try:
            _call(SYS_RESTRICT_SELF, ruleset, 0)
        except OSError as error:
            raise LandlockError(
                error.errno, f"cannot apply the Landlock ruleset: {error}"
            ) from None
    finally:
        os.close(ruleset)


def _add_path_rule(ruleset: int, rule: Rule, handled: int) -> None:
    try:
        fd = os.open(rule.path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        allowed = rule.access & handled
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            allowed &= FILE_RIGHTS
        if not allowed:
            return
        attr = _PathBeneathAttr(allowed, fd)
        _call(SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(attr), 0)
    except OSError as error:
        raise LandlockError(
            error.errno, f"cannot add a Landlock rule for {rule.path!r}: {error.strerror}"
        ) from None
    finally:
        os.close(fd)
