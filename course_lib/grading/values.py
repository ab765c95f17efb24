"""Plain-data readings of answers shared by the format check and the scoring.

Only exact built-in and pandas types count: a trainee's subclass never passes for a number,
list or frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["collection_values", "plain_number", "type_name"]


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
