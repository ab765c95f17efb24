"""What a trainee's kernel handed over for one test cell, checked and turned into an answer.

Runs in the grader's process on the outputs of an executed test cell. Outputs arrive as JSON
(nbclient decodes the kernel's messages), so they are plain data; this module still checks
every field, since the kernel that produced them is hostile. The answer it rebuilds is made
only of dicts, lists, text, numbers and (for Series answers) a pandas Series the grader builds
itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from course_lib.grading.handover import HANDOVER_LIMIT, HANDOVER_MIME
from course_lib.grading.items import ItemSpec

__all__ = ["HANDOVER_STATUSES", "Received", "receive"]

#: Every way a hand-over can turn out, and what it means.
HANDOVER_STATUSES: dict[str, str] = {
    "answer": "the answer was handed over and scored",
    "not_defined": "the answer variable was not defined when the test cell ran",
    "not_plain": "the answer is not of a plain type (dict, list, text, number, pandas)",
    "too_large": "the answer was too large to hand over",
    "missing": "the test cell handed nothing over (it did not run as written)",
    "repeated": "the test cell handed over more than one answer",
    "malformed": "what was handed over is not in the hand-over format",
    "not_run": "the kernel stopped (time limit, crash) before the test cell ran",
    "unknown_item": "the test cell is not in the course's item registry",
}
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Received:
    """The outcome of one hand-over: its status, the answer (when there is one) and a note."""

    status: str
    answer: Any = None
    note: str = ""

    @property
    def scorable(self) -> bool:
        """Whether there is an answer to judge against the key."""
        return self.status == "answer"


def _scalar(value: Any) -> bool:
    return type(value) in _SCALARS


def _mapping(value: Any, depth: int = 1) -> bool:
    return type(value) is dict and all(
        type(key) is str and (_scalar(item) or (depth > 0 and _mapping(item, depth - 1)))
        for key, item in value.items()
    )


def _rebuild(payload: Mapping[str, Any]) -> tuple[bool, Any]:
    """(well formed, answer) for a payload's ``shape`` and ``data``."""
    shape, data = payload.get("shape"), payload.get("data")
    if shape == "mapping" and _mapping(data):
        return True, data
    if shape == "table" and _mapping(data):
        return True, data
    if shape == "series":
        index = payload.get("index")
        if (
            type(index) is list
            and type(data) is list
            and len(index) == len(data)
            and all(_scalar(item) for item in index + data)
        ):
            return True, pd.Series(data, index=pd.Index(index, dtype=object), dtype=object)
        return False, None
    if shape == "list" and type(data) is list and all(_scalar(item) for item in data):
        return True, data
    if shape == "scalar" and _scalar(data) and "data" in payload:
        return True, data
    return False, None


def receive(spec: ItemSpec, outputs: Sequence[Mapping[str, Any]]) -> Received:
    """The hand-over for ``spec`` among a test cell's ``outputs`` (exactly one is expected)."""
    payloads = [
        output.get("data", {}).get(HANDOVER_MIME)
        for output in outputs
        if output.get("output_type") in ("display_data", "execute_result")
        and isinstance(output.get("data"), Mapping)
        and HANDOVER_MIME in output["data"]
    ]
    mine = [p for p in payloads if isinstance(p, Mapping) and p.get("grade_id") == spec.grade_id]
    variable = f"`{spec.answer_variable}`"
    if not mine:
        return Received("missing", note=f"no answer was handed over for {variable}: scored 0")
    if len(mine) > 1:
        note = f"{len(mine)} answers were handed over for {variable}, one expected: scored 0"
        return Received("repeated", note=note)
    payload = mine[0]
    if len(repr(payload)) > 2 * HANDOVER_LIMIT:
        return Received("too_large", note=f"{variable} is too large to score: scored 0")
    if payload.get("defined") is False:
        note = (
            f"no answer: {variable} is not defined (its cell raised an error, was deleted or "
            "ran past the time limit and was stopped): scored 0"
        )
        return Received("not_defined", note=note)
    type_name = payload.get("type")
    type_name = type_name if isinstance(type_name, str) and type_name.isidentifier() else "?"
    shape = payload.get("shape")
    if shape == "too_large":
        return Received("too_large", note=f"{variable} is too large to score: scored 0")
    if shape in ("other", "unconvertible"):
        note = f"{variable} is a {type_name}, not plain data this item can score: scored 0"
        return Received("not_plain", note=note)
    well_formed, answer = _rebuild(payload)
    if not well_formed:
        return Received("malformed", note=f"the hand-over of {variable} is malformed: scored 0")
    if shape == "mapping" and type_name != "dict":
        # Only an exact dict is handed over as a mapping; anything else claims a false type.
        return Received("malformed", note=f"the hand-over of {variable} is malformed: scored 0")
    return Received("answer", answer)
