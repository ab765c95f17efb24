"""Scoring an answer against its key, as plain data, in the grader's process.

Instructor side: keys come from the solution notebooks (``course_lib.grading.keys``) and
answers from what the trainee's kernel handed over (``course_lib.grading.handover``). Every
function here takes plain data only and judges it by exact types: nothing built by a trainee's
code is ever called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from course_lib._labels import fold_spelling, label_lookup
from course_lib._raci.rules import follows_rules
from course_lib.grading.items import ItemSpec
from course_lib.grading.values import collection_values, plain_number, raci_row

__all__ = [
    "RACI_RULES_SHARE",
    "Judgement",
    "SortScore",
    "canonical_answer",
    "judge",
    "score_item",
    "score_sort",
]

#: Share of a RACI item's points for rows that follow the rules (one A, at least one R); the
#: rest is for cells that agree with the key.
RACI_RULES_SHARE = 1 / 3


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
    """Return a sort answer as plain data: exact-``str`` keys to text labels or ``None``.

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


@dataclass(frozen=True)
class Judgement:
    """An answer judged against its key: the share of the points earned, and why."""

    fraction: float
    notes: tuple[str, ...]


def _type_note(variable: str, answer: object, wanted: str) -> str:
    return f"`{variable}` is a {type(answer).__name__}, not {wanted}: scored 0"


def _judge_labels(spec: ItemSpec, answer: object, key: Mapping[str, str]) -> Judgement:
    wanted = "a plain dict" if spec.kind == "sort" else "a pandas Series or plain dict"
    allowed = (dict,) if spec.kind == "sort" else (dict, pd.Series)
    if type(answer) not in allowed:
        note = _type_note(spec.answer_variable, answer, wanted)
        return Judgement(0.0, (note, f"0 of {len(key)} labelled right"))
    scored = score_sort(answer, key, spec.label_kind)
    plain = canonical_answer(answer.to_dict() if type(answer) is pd.Series else answer) or {}
    lookup = label_lookup(spec.label_kind)
    unknown = sum(
        1
        for task in key
        if (label := plain.get(task)) is not None and fold_spelling(label) not in lookup
    )
    notes = [f"{unknown} label(s) are not known labels"] if unknown else []
    notes.append(f"{scored.n_correct} of {scored.n_total} labelled right")
    return Judgement(scored.fraction, tuple(notes))


def _judge_table(
    spec: ItemSpec, answer: object, key: Mapping[str, Mapping[str, float]], tol: float
) -> Judgement:
    if type(answer) is pd.DataFrame:
        rows: Mapping[Any, Any] | None = answer.to_dict("index")
    elif type(answer) is dict:
        rows = answer
    else:
        rows = None
    total = right = 0
    for row, cells in key.items():
        got = rows.get(row) if rows is not None and row in rows else None
        for column, expected in cells.items():
            total += 1
            if rows is None:
                value: float | None = None
            elif got is None:
                value = 0.0
            elif type(got) is dict:
                value = plain_number(got[column]) if column in got else 0.0
            else:
                value = None
            if value is not None and abs(value - expected) <= tol:
                right += 1
    notes = [] if rows is not None else [_type_note(spec.answer_variable, answer, "a DataFrame")]
    notes.append(f"{right} of {total} cells right (tolerance {tol})")
    return Judgement(right / total if total else 0.0, tuple(notes))


def _judge_value(spec: ItemSpec, answer: object, key: float, tol: float) -> Judgement:
    number = plain_number(answer)
    if number is None:
        return Judgement(0.0, (_type_note(spec.answer_variable, answer, "a number"),))
    right = abs(number - float(key)) <= tol
    return Judgement(float(right), ("right" if right else "not within the tolerance",))


def _judge_set(spec: ItemSpec, answer: object, key: list[str]) -> Judgement:
    values = collection_values(answer)
    notes = []
    if values is None:
        notes.append(_type_note(spec.answer_variable, answer, "a list of ids"))
    got = {value for value in values or [] if type(value) is str}
    expected = set(key)
    union = got | expected
    both = len(got & expected)
    notes.append(f"{both} right id(s), {len(union) - both} missing or extra")
    return Judgement(both / len(union) if union else 0.0, tuple(notes))


def _judge_raci(spec: ItemSpec, answer: object, key: Mapping[str, Mapping[str, str]]) -> Judgement:
    """Rules per task, then cells; a task with no letter at all scores nothing."""
    if type(answer) is not dict:
        note = _type_note(spec.answer_variable, answer, "a plain dict of task -> {role: letter}")
        return Judgement(0.0, (note,))
    cells_total = sum(len(row) for row in key.values())
    follow = right = answered = 0
    for task, expected in key.items():
        cells = raci_row(answer.get(task))
        if not cells or not any(letter != "" for letter in cells.values()):
            continue
        answered += 1
        follow += follows_rules({role: letter for role, letter in cells.items() if letter})
        right += sum(cells.get(role, "") == letter for role, letter in expected.items())
    fraction = RACI_RULES_SHARE * follow / len(key) + (1 - RACI_RULES_SHARE) * right / cells_total
    notes = [
        f"{follow} of {len(key)} tasks follow the rules (one A, at least one R)",
        f"{right} of {cells_total} cells agree with the key",
    ]
    if answered < len(key):
        notes.append(f"{len(key) - answered} task(s) not answered")
    return Judgement(fraction, tuple(notes))


def judge(spec: ItemSpec, answer: object, key: Any, tolerance: float | None = None) -> Judgement:
    """Judge ``answer`` (plain data) against ``key`` the way item ``spec`` is scored.

    Sorting items: the share of the key's ids labelled right (course aliases accepted);
    tables: the share of the key's cells within the tolerance (a missing row counts as zeros);
    values: all or nothing within the tolerance; sets: intersection over union; RACI
    matrices: :data:`RACI_RULES_SHARE` for the share of tasks with one A and at least one R,
    the rest for the share of the key's cells matched (in tasks with at least one letter).
    """
    tol = spec.tolerance if tolerance is None else tolerance
    if spec.kind in ("sort", "labels"):
        return _judge_labels(spec, answer, key)
    if spec.kind == "table":
        return _judge_table(spec, answer, key, tol)
    if spec.kind == "value":
        return _judge_value(spec, answer, key, tol)
    if spec.kind == "set":
        return _judge_set(spec, answer, list(key))
    if spec.kind == "raci":
        return _judge_raci(spec, answer, key)
    raise ValueError(f"item {spec.item!r} is graded by hand; it has no automatic score")


def score_item(spec: ItemSpec, answer: object, key: Any, tolerance: float | None = None) -> float:
    """Return the points ``answer`` earns for item ``spec`` against ``key``."""
    return spec.points * judge(spec, answer, key, tolerance).fraction
