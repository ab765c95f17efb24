"""Plumbing shared by the pipeline's process pools: worker count, output, progress."""

from __future__ import annotations

import os
import sys
from typing import Any

from tqdm import tqdm

__all__ = ["default_workers", "progress_bar", "redirect_output"]


def default_workers() -> int:
    """Worker processes: two per core, so kernel start-up waits overlap with work."""
    return max(2, 2 * (os.cpu_count() or 1))


def redirect_output(path: str) -> None:
    """Send this process's stdout and stderr (and its children's) to the file ``path``."""
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for fd in (1, 2):
        os.dup2(log_fd, fd)
    os.close(log_fd)
    # Python-level streams may wrap other descriptors (a test runner's capture): rebind them.
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115


def progress_bar(total: int, enabled: bool, description: str) -> Any:
    """A progress bar on stderr (a no-op one when ``enabled`` is False)."""
    return tqdm(
        total=total, desc=description, unit="submission", file=sys.stderr, disable=not enabled
    )
