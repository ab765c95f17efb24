"""Scoring an answer against its key, as plain data (what the hidden tests compute).

Instructor side: keys come from the solution notebooks (``course_lib.grading.keys``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from course_lib._labels import fold_spelling, label_lookup
from course_lib.grading.items import ItemSpec
from course_lib.grading.values import collection_values, plain_number

__all__ = ["SortScore", "canonical_answer", "canonical_json", "score_item", "score_sort"]


@dataclass(frozen=True)
class SortScore:
    """A sort answer scored against a key: per-id correctness and the fraction right."""

    correct: dict[str, bool]
    n_correct: int
    n_total: int

    @property
    def fraction(self) -> float:
        """Share of the key's ids labelled right (0.0 for an empty key)."""
        return self.n_correct / self.n_total if self.n_total else 0.0


def canonical_answer(answer: object) -> dict[str, str | None] | None:
    """Return a sort answer as the plain data the evidence digest is computed on.

    ``None`` unless ``answer`` is exactly a ``dict``; otherwise its exact-``str`` keys, each
    mapped to its value when that is exactly a ``str`` and to ``None`` otherwise.
    """
    if type(answer) is not dict:
        return None
    return {
        key: value if type(value) is str else None
        for key, value in answer.items()
        if type(key) is str
    }


def canonical_json(answer: object) -> str:
    """Return ``json.dumps`` of :func:`canonical_answer`, sorted keys, compact separators."""
    return json.dumps(canonical_answer(answer), sort_keys=True, separators=(",", ":"))


def score_sort(answer: object, key: Mapping[str, str], kind: str) -> SortScore:
    """Score a sort answer as the hidden tests do: aliases accepted, plain data only.

    Every id of ``key`` counts once; an id is right when the answer's label for it is text
    that normalises (course aliases) to the key's label. Anything that is not exactly a dict
    (and, for computed ``labels`` items, a pandas Series) scores zero.
    """
    plain = canonical_answer(answer.to_dict() if type(answer) is pd.Series else answer)
    lookup = label_lookup(kind)
    correct: dict[str, bool] = {}
    for task, expected in key.items():
        label = plain.get(task) if plain is not None else None
        correct[task] = label is not None and lookup.get(fold_spelling(label)) == expected
    return SortScore(correct, sum(correct.values()), len(correct))


def _score_table(answer: object, key: Mapping[str, Mapping[str, float]], tol: float) -> float:
    if type(answer) is pd.DataFrame:
        rows: Mapping[Any, Any] = answer.to_dict("index")
    elif type(answer) is dict:
        rows = answer
    else:
        return 0.0
    total = right = 0
    for row, cells in key.items():
        got = rows.get(row) if row in rows else None
        for column, expected in cells.items():
            total += 1
            if type(got) is not dict:
                value: float | None = 0.0 if got is None else None
            else:
                value = plain_number(got[column]) if column in got else 0.0
            if value is not None and abs(value - expected) <= tol:
                right += 1
    return right / total if total else 0.0


def _score_set(answer: object, key: list[str]) -> float:
    values = collection_values(answer)
    if values is None:
        return 0.0
    got = {value for value in values if type(value) is str}
    expected = set(key)
    union = got | expected
    return len(got & expected) / len(union) if union else 0.0


def score_item(spec: ItemSpec, answer: object, key: Any, tolerance: float | None = None) -> float:
    """Return the points the hidden test of ``spec`` gives ``answer`` for ``key``."""
    tol = spec.tolerance if tolerance is None else tolerance
    if spec.kind in ("sort", "labels"):
        if spec.kind == "sort" and type(answer) is not dict:
            return 0.0
        fraction = score_sort(answer, key, spec.label_kind).fraction
    elif spec.kind == "table":
        fraction = _score_table(answer, key, tol)
    elif spec.kind == "value":
        number = plain_number(answer)
        fraction = float(number is not None and abs(number - float(key)) <= tol)
    elif spec.kind == "set":
        fraction = _score_set(answer, list(key))
    else:
        raise ValueError(f"item {spec.item!r} is graded by hand; it has no automatic score")
    return spec.points * fraction
