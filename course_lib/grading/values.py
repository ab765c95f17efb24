"""Plain-data readings of answers shared by the format check and the scoring.

Only exact built-in and pandas types count: a trainee's subclass never passes for a number,
list or frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from course_lib._labels import fold_spelling, label_lookup
from course_lib._raci.rules import BLANK, is_blank

__all__ = ["collection_values", "plain_number", "raci_row", "type_name"]


def plain_number(value: object) -> float | None:
    """The number the hidden tests accept: exactly int, float, numpy float64 or int64."""
    if type(value) in (int, float, np.float64, np.int64):
        return float(value)  # type: ignore[arg-type]
    return None


def collection_values(answer: Any) -> list[Any] | None:
    """The elements of an exact list, tuple, set, pandas Index or Series; else None."""
    if type(answer) in (list, tuple, set):
        return list(answer)
    if type(answer) in (pd.Index, pd.Series):
        return list(answer.tolist())
    return None


def type_name(value: object) -> str:
    """The name of ``value``'s type, for messages."""
    return type(value).__name__


def raci_row(row: object) -> dict[str, str | None] | None:
    """One task's row of a RACI answer as canonical role -> letter, or None if not a dict.

    Only an exact dict counts. Roles and letters accept the course's aliases (``"PMM"``,
    ``"accountable"``); a blank cell (``None``, ``""``, a dash) reads as ``""``; a cell that is
    not a letter, and a role written twice (``"PM"`` and ``"product_management"``), read as
    ``None``. Keys that are not roles are left out.
    """
    if type(row) is not dict:
        return None
    roles, letters = label_lookup("raci_role"), label_lookup("raci_letter")
    cells: dict[str, str | None] = {}
    seen: set[str] = set()
    for name, value in row.items():
        role = roles.get(fold_spelling(name)) if type(name) is str else None
        if role is None:
            continue
        if value is None or (type(value) is str and is_blank(value)):
            letter: str | None = BLANK
        else:
            letter = letters.get(fold_spelling(value)) if type(value) is str else None
        cells[role] = None if role in seen else letter
        seen.add(role)
    return cells
