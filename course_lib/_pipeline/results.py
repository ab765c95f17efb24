"""Reading nbgrader's API results: why a step failed, in one line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["failure_reason"]

_ERROR_LINE = re.compile(r"^\s*(?:[\w.]+\.)?(\w+(?:Error|Exception|Timeout)): (.*)$")


def failure_reason(result: dict[str, Any], notebook: Path | None = None) -> str:
    """A one-line reason from an nbgrader API result (its log and traceback)."""
    text = "\n".join(str(result.get(key, "")) for key in ("log", "error"))
    reasons = [
        f"{match.group(1)}: {match.group(2).strip()}"
        for line in text.splitlines()
        if (match := _ERROR_LINE.match(line)) and "NbGraderException" not in match.group(1)
    ]
    reason = reasons[-1] if reasons else "nbgrader autograde failed (see its log)"
    reason = reason if len(reason) <= 300 else reason[:297] + "..."
    return f"{reason} [{notebook}]" if notebook is not None else reason
