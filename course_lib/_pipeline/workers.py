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


def progress_bar(total: int, enabled: bool, description: str, unit: str = "submission") -> Any:
    """Progress on stderr: a bar on a terminal, plain ``description: done/total`` lines at every
    tenth elsewhere (cron logs, CI), nothing when ``enabled`` is False. Used as a context
    manager; ``update(n)`` and ``write(text)`` as on a tqdm bar."""
    if enabled and not sys.stderr.isatty():
        return _ProgressLines(total, description, unit)
    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr, disable=not enabled)


class _ProgressLines:
    """tqdm's interface, printing one plain line per tenth of the work done."""

    def __init__(self, total: int, description: str, unit: str) -> None:
        self.total, self.description, self.unit = total, description, unit
        self.done = self.shown = 0

    def __enter__(self) -> _ProgressLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, count: int = 1) -> None:
        self.done += count
        if self.total and self.done * 10 // self.total > self.shown * 10 // self.total:
            self._show()

    def write(self, text: str) -> None:
        print(text, flush=True)  # on stdout, as tqdm.write prints

    def close(self) -> None:
        if self.done != self.shown:
            self._show()

    def _show(self) -> None:
        self.shown = self.done
        print(f"{self.description}: {self.done}/{self.total} {self.unit}s", file=sys.stderr)
