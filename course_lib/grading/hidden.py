"""Source of the hidden test regions in ``solutions/`` (used to author and to check them).

Every hidden region is self-contained and trusts nothing the trainee's code could have
replaced (see docs/grading.md): no builtins by name, no course_lib at grading time, no
``assert``, no exception class by name. :func:`render_hidden_test` writes the region for one
item; the tests compare every region in ``solutions/`` with it and run it against cheating
answers. This module holds code only: keys and secrets are passed in by the author.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from course_lib._labels import label_choices, label_lookup

__all__ = ["EXPLANATION_LITERAL", "FRAMEWORK_LITERALS", "alias_table", "render_hidden_test"]

#: Framework name -> the literal next to ``_KEY`` that holds its partition of a sorting item's
#: tasks (course role labels), read by the report (``pmcourse report``).
FRAMEWORK_LITERALS: dict[str, str] = {"Pragmatic": "_PRAGMATIC", "Blackblot": "_BLACKBLOT"}
#: The literal next to ``_KEY`` that holds, for a sorting item, the reason for each task's
#: expected label (``{task: text}``): what the instructor discusses after grading.
EXPLANATION_LITERAL = "_EXPLAIN"

_PROLOGUE = """\
### BEGIN HIDDEN TESTS
# Scores the answer as plain data; self-contained, no builtin by name (docs/grading.md).
import hashlib as _hashlib  # noqa: E402
import sys as _sys  # noqa: E402
from json.encoder import JSONEncoder as _JSONEncoder  # noqa: E402
{pandas}
_GRADE_ID = "{grade_id}"
_ITEM = "{item}"
_POINTS = {points!r}
_SECRET = "{secret}"
{constants}
_dict, _str, _bytes = {{}}.__class__, "".__class__, b"".__class__
_float, _int, _list = (0.0).__class__, (0).__class__, [].__class__
_type = ().__class__.__class__
_notes = []
try:
    _answer, _found = {variable}, True
except:  # noqa: E722 -- no exception class by name: a trainee can rebind those names
    _answer, _found = None, False
if not _found:
    _list.append(
        _notes,
        "no answer: `{variable}` is not defined (its cell raised an error, was deleted or "
        "ran past the time limit and was stopped)",
    )
"""

_SERIES_BRANCH = """\
elif _found and _type(_answer) is _pd.Series:
    _values = _pd.Series.to_dict(_answer)
"""

_TYPE_NAME = """\
try:
    _got = _type(_answer).__name__
    _got = _got if _type(_got) is _str else "another type"
except:  # noqa: E722
    _got = "another type"
"""

_LABELS_BODY = """\
_values, _plain = None, None
if _found and _type(_answer) is _dict:
    _values = _answer
{series_branch}elif _found:
{type_name}    _list.append(_notes, "`{variable}` is a " + _got + ", not {wanted}: scored 0")
_total, _correct, _unknown = 0, 0, 0
for _task in _dict.keys(_KEY):
    _total = _total + 1
if _values is not None:
    _plain = {{}}
    for _k, _v in _dict.items(_values):
        if _type(_k) is _str:
            _plain[_k] = _v if _type(_v) is _str else None
    for _task, _expected in _dict.items(_KEY):
        _label = _dict.get(_plain, _task)
        if _label is None:
            continue
        _text = _str.casefold(_label)
        for _mark in "_-./":
            _text = _str.replace(_text, _mark, " ")
        _text = _str.join(" ", _str.split(_text))
        if _text not in _ALIASES:
            _unknown = _unknown + 1
        elif _ALIASES[_text] == _expected:
            _correct = _correct + 1
    if _unknown:
        _list.append(_notes, f"{{_unknown}} label(s) are not known labels")
_fraction = _correct / _total
_list.append(_notes, f"{{_correct}} of {{_total}} labelled right")
{canonical}"""

_NUMBER = """\
_np_float = _pd.Series([0.5]).to_numpy().dtype.type
_np_int = _pd.Series([1]).to_numpy().dtype.type


def _number(_value):
    if _type(_value) is _int:
        return _int.__float__(_value)
    if _type(_value) is _float or _type(_value) is _np_float or _type(_value) is _np_int:
        return _float.__float__(_float(_value))
    return None


"""

_TABLE_BODY = (
    _NUMBER
    + """\
_rows = None
if _found and _type(_answer) is _pd.DataFrame:
    _rows = _pd.DataFrame.to_dict(_answer, "index")
elif _found and _type(_answer) is _dict:
    _rows = _answer
elif _found:
{type_name}    _list.append(_notes, "`{variable}` is a " + _got + ", not a DataFrame: scored 0")
_total, _correct = 0, 0
for _row, _cells in _dict.items(_KEY):
    _got_row = None
    if _rows is not None and _row in _rows:
        _got_row = _rows[_row]
    for _column, _expected in _dict.items(_cells):
        _total = _total + 1
        _value = None
        if _rows is not None and _got_row is None:
            _value = 0.0
        elif _type(_got_row) is _dict:
            _value = _number(_got_row[_column]) if _column in _got_row else 0.0
        if _value is not None:
            _gap = _value - _expected
            _gap = -_gap if _gap < 0 else _gap
            if _gap <= _TOLERANCE:
                _correct = _correct + 1
_fraction = _correct / _total
_list.append(_notes, f"{{_correct}} of {{_total}} cells right (tolerance {{_TOLERANCE}})")
_plain = None
"""
)

_VALUE_BODY = (
    _NUMBER
    + """\
_value = _number(_answer) if _found else None
if _found and _value is None:
{type_name}    _list.append(_notes, "`{variable}` is a " + _got + ", not a number: scored 0")
_fraction = 0.0
if _value is not None:
    _gap = _value - _KEY
    _gap = -_gap if _gap < 0 else _gap
    _fraction = 1.0 if _gap <= _TOLERANCE else 0.0
    _list.append(_notes, "right" if _fraction else "not within the tolerance")
_plain = None
"""
)

_SET_BODY = """\
_items = None
if _found and (_type(_answer) is _list or _type(_answer) is ().__class__):
    _items = _answer
elif _found and (_type(_answer) is {{0}}.__class__ or _type(_answer) is _pd.Index):
    _items = _list(_answer)
elif _found and _type(_answer) is _pd.Series:
    _items = _pd.Series.tolist(_answer)
elif _found:
{type_name}    _list.append(_notes, "`{variable}` is a " + _got + ", not a list of ids: scored 0")
_expected = {{0}}.__class__(_KEY)
_given = {{0}}.__class__()
if _items is not None:
    for _element in _items:
        if _type(_element) is _str:
            _given.add(_element)
_both, _either = 0, 0
for _element in _given | _expected:
    _either = _either + 1
    if _element in _given and _element in _expected:
        _both = _both + 1
_fraction = _both / _either if _either else 0.0
_list.append(_notes, f"{{_both}} right id(s), {{_either - _both}} missing or extra")
_plain = None
"""

_EPILOGUE = """\
_score = _POINTS * _fraction
_canonical = _str.join(
    "", _JSONEncoder.iterencode(_JSONEncoder(sort_keys=True, separators=(",", ":")), _plain, True)
)
_shown = f"{{_score:.4f}}"
_message = _str.encode(f"{{_GRADE_ID}}|{{_shown}}|{{_canonical}}")
_block = _bytes.ljust(_str.encode(_SECRET), 64, b"\\0")
_inner_pad = _bytes(_b ^ 0x36 for _b in _block)
_outer_pad = _bytes(_b ^ 0x5C for _b in _block)
_inner = _hashlib.sha256(_bytes.__add__(_inner_pad, _message)).digest()
_digest = _hashlib.sha256(_bytes.__add__(_outer_pad, _inner)).hexdigest()
_summary = _str.join("; ", _notes)
_sys.stdout.write(f"[{{_ITEM}}] {{_summary}}: {{_shown}} of {{_POINTS}} points\\n")
_sys.stdout.write(f"PMCOURSE-EVIDENCE {{_GRADE_ID}} {{_shown}} {{_digest}}\\n")
_score
### END HIDDEN TESTS"""


def alias_table(label_kind: str) -> dict[str, str]:
    """Return folded spelling -> canonical id for a label kind (what hidden tests accept)."""
    return dict(sorted(label_lookup(label_kind).items()))


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
    grade_id: str,
    item: str,
    points: float,
    variable: str,
    secret: str,
    key: Any,
    label_kind: str = "",
    tolerance: float = 0.0,
    frameworks: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
    explanations: Mapping[str, str] | None = None,
) -> str:
    """Return the hidden region (and the final score expression) of one test cell.

    ``frameworks`` (sort items only) maps a framework name of :data:`FRAMEWORK_LITERALS` to
    ``{task: (label, why)}``: each becomes a literal next to ``_KEY`` with the reason as a
    comment on every entry. ``explanations`` (sort items only) is ``{task: why}`` for every
    task of the key, written as :data:`EXPLANATION_LITERAL`. The hidden test uses neither
    and prints neither; the report reads them (``read_keys``).
    """
    constants = [_literal("_KEY", key)]
    if explanations is not None:
        if kind != "sort":
            raise ValueError(
                f"explanations need a sort item (one reason per task); item {item!r} is a "
                f"{kind} item"
            )
        constants.append(_explanation_literal(explanations, key))
    for name, labels in (frameworks or {}).items():
        if kind != "sort" or name not in FRAMEWORK_LITERALS:
            raise ValueError(
                f"framework labels {name!r} need a sort item and a name among "
                f"{', '.join(FRAMEWORK_LITERALS)}; item {item!r} is a {kind} item"
            )
        constants.append(_framework_literal(FRAMEWORK_LITERALS[name], labels, key, label_kind))
    if kind in ("sort", "labels"):
        constants.append(_literal("_ALIASES", alias_table(label_kind)))
    if kind in ("table", "value"):
        constants.append(f"_TOLERANCE = {tolerance!r}")
    prologue = _PROLOGUE.format(
        grade_id=grade_id,
        item=item,
        points=float(points),
        secret=secret,
        pandas="" if kind == "sort" else "\nimport pandas as _pd  # noqa: E402\n",
        constants="\n".join(constants),
        variable=variable,
    )
    type_name = "".join(f"    {line}\n" for line in _TYPE_NAME.splitlines())
    if kind in ("sort", "labels"):
        canonical = "" if kind == "sort" else "_plain = None\n"
        body = _LABELS_BODY.format(
            series_branch=_SERIES_BRANCH if kind == "labels" else "",
            type_name=type_name,
            variable=variable,
            wanted="a plain dict" if kind == "sort" else "a pandas Series or plain dict",
            canonical=canonical,
        )
    elif kind == "table":
        body = _TABLE_BODY.format(type_name=type_name, variable=variable)
    elif kind == "value":
        body = _VALUE_BODY.format(type_name=type_name, variable=variable)
    elif kind == "set":
        body = _SET_BODY.format(type_name=type_name, variable=variable)
    else:
        raise ValueError(f"kind {kind!r} has no hidden test; expected sort, labels, table, ...")
    return prologue + body + _EPILOGUE.format()
