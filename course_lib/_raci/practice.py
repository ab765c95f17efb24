"""Decision rights in practice: the course's RACI key, what each framework implies, feedback on
a trainee's matrix (:mod:`.feedback`), and the failure modes made visible.

A matrix is a DataFrame with one row per task (catalog ids) and one column per RACI role
(``product_management``, ``product_marketing``, ``marcom``, ``sales``), holding R, A, C, I or
``""`` (not involved). Pure functions: nothing here draws or displays.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from course_lib._content import cached_table
from course_lib._labels import display_label, label_choices, normalize_label
from course_lib._raci.rules import ACCOUNTABLE, BLANK, RESPONSIBLE, is_blank, row_problems

__all__ = [
    "LETTER_KIND",
    "ROLE_KIND",
    "combine_roles",
    "framework_accountables",
    "raci_matrix",
    "raci_roles",
    "read_matrix",
    "role_load",
    "role_names",
    "rule_report",
    "task_ids",
]

#: Label kinds of the matrix's columns (roles) and cells (letters), for :mod:`course_lib._labels`.
ROLE_KIND = "raci_role"
LETTER_KIND = "raci_letter"


def raci_roles() -> list[str]:
    """The RACI roles, in column order: ``product_management``, ``product_marketing``, ..."""
    return label_choices(ROLE_KIND)


def role_names(short: bool = True) -> dict[str, str]:
    """Role id -> the name a column shows: ``PM``, ``PMM``, ... (``short=False``: full labels)."""
    roles = cached_table("raci_roles")
    return {str(role): str(roles.at[role, "short" if short else "label"]) for role in roles.index}


def task_ids(tasks: Iterable[str] | None = None) -> list[str]:
    """The key's task ids in teaching order, or ``tasks`` checked against the key."""
    known = list(dict.fromkeys(str(task) for task, _ in cached_table("raci").index))
    if tasks is None:
        return known
    if isinstance(tasks, str):
        raise TypeError(f"tasks must be a list of task ids, not a single string; use [{tasks!r}]")
    ids = list(tasks)
    for task in ids:
        if task not in known:
            close = difflib.get_close_matches(str(task), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"the key has: {', '.join(known)}"
            raise ValueError(f"task {task!r} has no RACI key; {hint}")
    if len(set(ids)) != len(ids):
        raise ValueError("list each task once")
    if not ids:
        raise ValueError("give at least one task id")
    return ids


def raci_matrix(tasks: Iterable[str] | None = None, *, titles: bool = False) -> pd.DataFrame:
    """The course's RACI key as a matrix: tasks as rows, roles as columns, letters in cells.

    ``tasks`` picks and orders the rows (default: every task of the key); with ``titles``
    the rows are labelled with the tasks' titles instead of their ids.
    """
    ids = task_ids(tasks)
    letters = cached_table("raci")["letter"].unstack("role")
    matrix = letters.loc[ids, raci_roles()].astype(str)
    matrix.columns = pd.Index(list(matrix.columns), name=ROLE_KIND)
    matrix.index = pd.Index(ids, name="task")
    if titles:
        matrix.index = pd.Index(_titles(ids), name="task")
    return matrix


def _titles(ids: Sequence[str]) -> list[str]:
    catalog = cached_table("tasks")
    return [
        str(catalog.at[task, "title"])
        if task in catalog.index
        else task.replace("_", " ").capitalize()
        for task in ids
    ]


def framework_accountables(tasks: Iterable[str] | None = None) -> pd.DataFrame:
    """Who is accountable for each task under each framework, and whether the two agree.

    One row per task: its title, the Pragmatic box and the role the course's Pragmatic
    partition gives it (``pragmatic``), the Blackblot owner and the course role that owner
    belongs to (``blackblot``), and ``agree``. The course's key puts the A on the Pragmatic role.
    """
    ids = task_ids(tasks)
    catalog = cached_table("tasks").loc[ids]
    grid = cached_table("pragmatic_grid")
    owners = cached_table("blackblot_roles")
    table = pd.DataFrame(
        {
            "title": catalog["title"],
            "pragmatic_box": [
                str(grid.at[box, "name"]) if box else "" for box in catalog["pragmatic_box"]
            ],
            "pragmatic": catalog["pragmatic_role"],
            "blackblot_owner": catalog["blackblot_owner"],
            "blackblot": [
                str(owners.at[owner, "course_role"]) for owner in catalog["blackblot_owner"]
            ],
        },
        index=pd.Index(ids, name="task"),
    )
    table["agree"] = table["pragmatic"] == table["blackblot"]
    return table


def _letter(value: object) -> str | None:
    """The canonical letter of a cell, ``""`` when blank, ``None`` when it is not a letter."""
    if is_blank(value):
        return BLANK
    if not isinstance(value, str):
        return None
    try:
        return normalize_label(LETTER_KIND, value)
    except ValueError:
        return None


def read_matrix(
    answer: Mapping[str, Mapping[str, object]] | pd.DataFrame,
) -> tuple[dict[str, dict[str, str | None]], list[str]]:
    """A trainee's matrix as ``{task: {role: letter}}`` and the problems found reading it.

    ``answer`` is a dict of dicts (task -> role -> letter) or a DataFrame (tasks as rows,
    roles as columns). Role names and letters accept aliases (``"PMM"``, ``"accountable"``);
    blanks (``None``, ``""``, ``"-"``) read as ``""``; a cell that is not a letter reads as
    ``None`` and is named in the problems, as are unknown roles.
    """
    if isinstance(answer, pd.DataFrame):
        answer = {
            str(task): {str(role): value for role, value in row.items()}
            for task, row in answer.to_dict("index").items()
        }
    if not isinstance(answer, Mapping):
        raise TypeError(
            f"a RACI matrix is a dict of task id -> {{role: letter}} or a DataFrame, not "
            f"{type(answer).__name__}; for example "
            "{'set_price_strategy': {'PM': 'A', 'PMM': 'R', 'marcom': 'I', 'sales': 'C'}}"
        )
    rows: dict[str, dict[str, str | None]] = {}
    problems: list[str] = []
    for task, cells in answer.items():
        if not isinstance(cells, Mapping):
            problems.append(f"{task}: the row must be a dict of role -> letter")
            continue
        row: dict[str, str | None] = {}
        for role, value in cells.items():
            try:
                role_id = normalize_label(ROLE_KIND, str(role))
            except ValueError as error:
                problems.append(f"{task}: {error}")
                continue
            row[role_id] = _letter(value)
            if row[role_id] is None:
                problems.append(
                    f"{task}, {role_id}: {value!r} is not a letter; use one of R, A, C, I "
                    "or leave the cell blank"
                )
        rows[str(task)] = row
    return rows, problems


def rule_report(answer: Mapping[str, Mapping[str, object]] | pd.DataFrame) -> pd.DataFrame:
    """For each task of a matrix (any tasks, not only the key's): does it follow the rules?

    One row per task with its title (its id when it is not in the catalog), ``follows_rules``
    and the ``problems`` in words: no A, more than one A, no R.
    """
    rows, _ = read_matrix(answer)
    names = role_names(short=False)
    records = []
    for task, cells in rows.items():
        letters = {role: letter for role, letter in cells.items() if letter}
        problems = row_problems(letters, names)
        records.append(
            {"title": _titles([task])[0], "follows_rules": not problems, "problems": problems}
        )
    return pd.DataFrame(records, index=pd.Index(list(rows), name="task"))


def combine_roles(matrix: pd.DataFrame, roles: Sequence[str], name: str) -> pd.DataFrame:
    """The matrix with ``roles`` held by one person: their columns merged into column ``name``.

    A merged cell lists every letter that person now holds (``"A+R"``); the other columns
    are kept. Shows what happens when one person does both jobs.
    """
    missing = [role for role in roles if role not in matrix.columns]
    if len(roles) < 2 or missing:
        raise ValueError(
            f"name two or more of the matrix's columns to merge ({', '.join(matrix.columns)}); "
            f"not found: {', '.join(missing) or 'none'}"
        )
    order = {letter: position for position, letter in enumerate((ACCOUNTABLE, RESPONSIBLE))}
    merged = matrix[list(roles)].apply(
        lambda row: "+".join(sorted({str(v) for v in row if v}, key=lambda v: order.get(v, 9))),
        axis=1,
    )
    rest = matrix.drop(columns=list(roles))
    combined = pd.concat([merged.rename(name), rest], axis=1)
    combined.columns.name = matrix.columns.name
    return combined


def role_load(matrix: pd.DataFrame) -> pd.DataFrame:
    """How many tasks each role does or answers for (R or A), per horizon of the task.

    Rows are roles, columns the horizons (current, next, future) plus ``current_share``: the
    share of the role's R and A cells that sit on current products.
    """
    horizons = cached_table("tasks")["horizon"].to_dict()
    tally = Counter(
        (str(role), str(horizons[str(task)]))
        for task, row in matrix.iterrows()
        for role, letter in row.items()
        if letter in (ACCOUNTABLE, RESPONSIBLE)
    )
    counts = pd.DataFrame(
        [[tally[(str(role), horizon)] for horizon in label_choices("horizon")] for role in matrix],
        index=pd.Index(list(matrix.columns), name="role"),
        columns=label_choices("horizon"),
    )
    totals = counts.sum(axis=1)
    counts["current_share"] = (counts["current"] / totals.where(totals > 0)).fillna(0.0)
    counts.index = pd.Index([display_label(ROLE_KIND, str(r)) for r in counts.index], name="role")
    return counts
