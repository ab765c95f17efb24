"""The test cells of ``solutions/``: a visible format check, and keys as inert literals.

A test cell of a solution notebook reads::

    # Checks the format of your answer (not whether it is right) ...
    validate_answer("a1_roles", "roles")
    ### BEGIN HIDDEN TESTS
    _KEY = {...}          # the expected answer, plain data
    _EXPLAIN = {...}      # sort items: why each task has its label (for the instructor)
    _PRAGMATIC = {...}    # role sorts: each framework's partition (for the report)
    ### END HIDDEN TESTS

The hidden region is data, never run in a trainee's kernel: the release drops it, and when a
notebook is autograded the whole test cell is replaced by :func:`handover_source` (the answer
goes out of the kernel as plain data) and scored in the grader's process against the keys
read from the gradebook (``course_lib.nbgrader_plugins``). :func:`render_test_cell` writes
the cells; a test checks every test cell of ``solutions/`` against it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from course_lib._labels import label_choices
from course_lib._notebook import HIDDEN_BEGIN, HIDDEN_END
from course_lib._raci.rules import BLANK, LETTERS, row_problems
from course_lib.grading.items import ItemSpec

__all__ = [
    "CHECK_COMMENT",
    "EXPLANATION_LITERAL",
    "FRAMEWORK_LITERALS",
    "KEY_LITERAL",
    "check_raci_key",
    "handover_source",
    "render_hidden_test",
    "render_test_cell",
    "visible_check",
]

#: Framework name -> the literal next to ``_KEY`` that holds its partition of a sorting item's
#: tasks (course role labels), read by the report (``pmcourse report``).
FRAMEWORK_LITERALS: dict[str, str] = {"Pragmatic": "_PRAGMATIC", "Blackblot": "_BLACKBLOT"}
#: The literal next to ``_KEY`` that holds, for a sorting item, the reason for each task's
#: expected label (``{task: text}``): what the instructor discusses after grading.
EXPLANATION_LITERAL = "_EXPLAIN"
#: The literal that holds an item's key.
KEY_LITERAL = "_KEY"
#: The comment above the visible format check of every test cell.
CHECK_COMMENT = (
    "# Checks the format of your answer, not whether it is right: fix what it lists before you\n"
    "# submit. When your notebook is graded, this cell hands your answer to the grader."
)


def _python(value: Any, indent: str = "") -> str:
    """Write plain data as Python the way ``ruff format`` leaves it (one entry per line)."""
    inner = indent + "    "
    if isinstance(value, dict):
        entries = "".join(
            f"{inner}{_python(key)}: {_python(item, inner)},\n" for key, item in value.items()
        )
        return "{\n" + entries + indent + "}" if value else "{}"
    if isinstance(value, list):
        entries = "".join(f"{inner}{_python(item, inner)},\n" for item in value)
        return "[\n" + entries + indent + "]" if value else "[]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _literal(name: str, value: Any) -> str:
    return f"{name} = {_python(value)}"


def _framework_literal(
    name: str, labels: Mapping[str, tuple[str, str]], key: Mapping[str, Any], label_kind: str
) -> str:
    """``name = {task: label,  # why}`` for one framework's partition of a sort item's tasks."""
    if list(labels) != list(key):
        raise ValueError(
            f"{name} must label exactly the key's tasks, in the key's order: "
            f"{', '.join(key)}; got {', '.join(labels)}"
        )
    choices = label_choices(label_kind)
    entries = []
    for task, (label, why) in labels.items():
        if label not in choices:
            raise ValueError(
                f"{name}[{task!r}] is {label!r}; expected one of: {', '.join(choices)}"
            )
        if not why.strip() or "\n" in why:
            raise ValueError(f"{name}[{task!r}] needs a one-line reason (the comment)")
        entries.append(f"    {json.dumps(task)}: {json.dumps(label)},  # {why.strip()}\n")
    return f"{name} = {{\n{''.join(entries)}}}"


def _explanation_literal(explanations: Mapping[str, str], key: Mapping[str, Any]) -> str:
    """``_EXPLAIN = {task: text}`` for a sort item: one non-empty line per task of the key."""
    if list(explanations) != list(key):
        raise ValueError(
            f"{EXPLANATION_LITERAL} must explain exactly the key's tasks, in the key's order: "
            f"{', '.join(key)}; got {', '.join(explanations)}"
        )
    for task, text in explanations.items():
        if not isinstance(text, str) or not text.strip() or "\n" in text:
            raise ValueError(
                f"{EXPLANATION_LITERAL}[{task!r}] must be one or two sentences of text on one "
                f"line (why {task!r} has its expected label); got {text!r}"
            )
    return _literal(
        EXPLANATION_LITERAL, {task: text.strip() for task, text in explanations.items()}
    )


def render_hidden_test(
    *,
    kind: str,
    item: str,
    key: Any,
    label_kind: str = "",
    frameworks: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
    explanations: Mapping[str, str] | None = None,
) -> str:
    """Return the hidden region of one test cell: the key and its notes as literals.

    ``frameworks`` (sort items only) maps a framework name of :data:`FRAMEWORK_LITERALS` to
    ``{task: (label, why)}``: each becomes a literal next to ``_KEY`` with the reason as a
    comment on every entry. ``explanations`` (sort items only) is ``{task: why}`` for every
    task of the key, written as :data:`EXPLANATION_LITERAL`. Nothing in the region runs.
    """
    if kind == "manual":
        raise ValueError(f"item {item!r} is graded by hand: it has no key to hide")
    constants = [_literal(KEY_LITERAL, key)]
    if explanations is not None:
        if kind not in ("sort", "raci"):
            raise ValueError(
                f"explanations need a sort or RACI item (one reason per task); item {item!r} "
                f"is a {kind} item"
            )
        constants.append(_explanation_literal(explanations, key))
    for name, labels in (frameworks or {}).items():
        if kind != "sort" or name not in FRAMEWORK_LITERALS:
            raise ValueError(
                f"framework labels {name!r} need a sort item and a name among "
                f"{', '.join(FRAMEWORK_LITERALS)}; item {item!r} is a {kind} item"
            )
        constants.append(_framework_literal(FRAMEWORK_LITERALS[name], labels, key, label_kind))
    return "\n".join([HIDDEN_BEGIN, *constants, HIDDEN_END])


def check_raci_key(spec: ItemSpec, key: Any) -> None:
    """Refuse a RACI key that is not ``{task: {role: letter}}`` over exactly the item's tasks
    and roles (in their order), or whose rows break the rules (one A, at least one R)."""
    if not isinstance(key, dict) or list(key) != list(spec.ids):
        got = ", ".join(map(str, key)) if isinstance(key, dict) else type(key).__name__
        raise ValueError(
            f"the key of {spec.item!r} must be a dict over the item's tasks, in the order of "
            f"assignment_items.csv: {', '.join(spec.ids)}; got {got}"
        )
    for task, row in key.items():
        if not isinstance(row, dict) or list(row) != list(spec.columns):
            raise ValueError(
                f"the key's row {task!r} must map exactly the roles {', '.join(spec.columns)} "
                f"(in that order) to a letter; got {row!r}"
            )
        wrong = [letter for letter in row.values() if letter not in (*LETTERS, BLANK)]
        problems = row_problems({role: letter for role, letter in row.items() if letter})
        if wrong or problems:
            raise ValueError(
                f"the key's row {task!r} is not a valid RACI row: "
                f"{'; '.join([*(f'{w!r} is not R, A, C, I or empty' for w in wrong), *problems])}"
            )


def visible_check(spec: ItemSpec) -> str:
    """The visible part of a test cell: the comment and the trainee's format check."""
    return f'{CHECK_COMMENT}\nvalidate_answer("{spec.assignment}", "{spec.item}")'


def render_test_cell(
    spec: ItemSpec,
    key: Any,
    *,
    frameworks: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
    explanations: Mapping[str, str] | None = None,
) -> str:
    """The whole source of ``spec``'s test cell in the solution notebook.

    A RACI key is checked first (:func:`check_raci_key`): a key that breaks the rules it
    teaches is refused.
    """
    if spec.kind == "raci":
        check_raci_key(spec, key)
    hidden = render_hidden_test(
        kind=spec.kind,
        item=spec.item,
        key=key,
        label_kind=spec.label_kind,
        frameworks=frameworks,
        explanations=explanations,
    )
    return f"{visible_check(spec)}\n{hidden}"


def handover_source(spec: ItemSpec) -> str:
    """What a test cell runs when it is autograded: hand the answer out, nothing else."""
    return (
        "# The grader reads your answer from here and scores it outside your notebook.\n"
        "from course_lib.grading.handover import hand_over\n"
        f'hand_over("{spec.grade_id}", "{spec.answer_variable}")'
    )
