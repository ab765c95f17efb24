"""Handing an answer out of the trainee's kernel as plain data (runs inside that kernel).

When a notebook is autograded, each test cell runs only :func:`hand_over`: it looks up the
answer variable and publishes it as JSON data under :data:`HANDOVER_MIME`. Nothing here
knows a key or a score; the grader scores the published data in its own process (see
``course_lib.nbgrader_plugins.scoring``). Whatever the trainee's code does to this function,
to ``json`` or to builtins, what comes out can at best be the trainee's own answer.

Only exact types are handed over (a dict subclass is reported by its type name, not
converted), so an object whose methods lie has nothing to offer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["HANDOVER_LIMIT", "HANDOVER_MIME", "hand_over", "handover_payload", "plain_answer"]

#: The MIME type of a handed-over answer in a test cell's outputs.
HANDOVER_MIME = "application/vnd.pmcourse.answer+json"
#: Largest answer handed over, in characters of JSON; a bigger one is refused.
HANDOVER_LIMIT = 200_000

_NUMBERS = (int, float, np.int64, np.float64, np.int32, np.float32)


def _number(value: Any) -> float | int | None:
    if type(value) in (int, np.int64, np.int32):
        return int(value)
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def _scalar(value: Any) -> Any:
    """A JSON scalar for an exact str, bool, None or number; raises TypeError otherwise."""
    if value is None or type(value) in (str, bool):
        return value
    if type(value) in _NUMBERS:
        return _number(value)
    raise TypeError(type(value).__name__)


def _mapping(items: Any, depth: int = 1) -> dict[str, Any]:
    """Text keys mapped to scalars, or (``depth`` levels down) to such mappings; other keys
    are dropped (a JSON key is text)."""
    return {
        key: _mapping(value.items(), depth - 1)
        if type(value) is dict and depth > 0
        else _scalar(value)
        for key, value in items
        if type(key) is str
    }


def plain_answer(value: Any) -> dict[str, Any]:
    """``{"shape": ..., "data": ...}``: the answer as plain JSON data, by its exact type.

    Shapes: ``mapping`` (a dict: text keys to scalars or to such dicts), ``series`` (a pandas
    Series: its index and values), ``table`` (a DataFrame: row -> column -> value), ``list``
    (list, tuple, set, pandas Index), ``scalar`` (text, number, bool, None);
    anything else is ``{"shape": "other"}``. Raises ``TypeError`` for values inside that
    are not plain (the hand-over then reports the answer as not convertible).
    """
    kind = type(value)
    if kind is dict:
        return {"shape": "mapping", "data": _mapping(value.items())}
    if kind is pd.Series:
        return {
            "shape": "series",
            "index": [_scalar(label) for label in value.index],
            "data": [_scalar(item) for item in value.tolist()],
        }
    if kind is pd.DataFrame:
        return {"shape": "table", "data": _mapping(value.to_dict("index").items())}
    if kind in (list, tuple, set, pd.Index):
        values = sorted(value, key=repr) if kind is set else list(value)
        return {"shape": "list", "data": [_scalar(item) for item in values]}
    if value is None or kind in (str, bool, *_NUMBERS):
        return {"shape": "scalar", "data": _scalar(value)}
    return {"shape": "other"}


def handover_payload(grade_id: str, variable: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON data :func:`hand_over` publishes for ``variable`` in ``namespace``."""
    payload: dict[str, Any] = {"grade_id": grade_id, "variable": variable}
    if variable not in namespace:
        payload["defined"] = False
        return payload
    value = namespace[variable]
    payload.update(defined=True, type=type(value).__name__)
    try:
        payload.update(plain_answer(value))
    except (TypeError, ValueError, OverflowError) as error:
        payload.update(shape="unconvertible", problem=f"a value of type {error}")
    if len(json.dumps(payload)) > HANDOVER_LIMIT:
        payload = {"grade_id": grade_id, "variable": variable, "defined": True}
        payload["shape"] = "too_large"
    return payload


def hand_over(grade_id: str, variable: str) -> None:
    """Publish the value of ``variable`` in the notebook's namespace for test ``grade_id``."""
    from IPython import get_ipython
    from IPython.display import publish_display_data as _publish

    publish: Any = _publish  # IPython ships no type hints for it
    shell = get_ipython()
    namespace: Mapping[str, Any] = shell.user_ns if shell is not None else {}
    publish({HANDOVER_MIME: handover_payload(grade_id, variable, namespace)})
