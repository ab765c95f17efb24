"""Small tables and quiz checks used by the lessons in ``course/``.

The task catalog covers *work*; the lessons also talk about how each role is *measured* (KPIs),
the *traits* each role needs and which Blackblot role owns which *artefact*. These helpers
return those as DataFrames and check a trainee's short quiz answers with the same feedback
object that :func:`course_lib.check_sort` returns, so a quiz reads like a sorting exercise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from course_lib._content import cached_table, load_blackblot_roles, load_tasks
from course_lib._labels import label_choices
from course_lib._partitions import partition, scheme_kind
from course_lib._practice import SortFeedback, check_item, feedback_from_rows

__all__ = [
    "DISAGREEMENT_KINDS",
    "QUIZ_COLUMNS",
    "blackblot_artefacts",
    "check_artefact_owners",
    "check_kpi_owners",
    "check_quiz",
    "classify_disagreements",
    "disagreement_kind",
    "role_kpis",
    "role_traits",
    "tasks_by_label",
]

#: Columns of a quiz key: what the item is called, the expected label and why.
QUIZ_COLUMNS = ["title", "expected", "explanation"]


def role_kpis() -> pd.DataFrame:
    """Return typical KPIs of each role, indexed by KPI id.

    Columns: ``kpi`` (its name), ``role`` (a ``roles`` id), ``measures`` (what it tells) and
    ``source``.
    """
    return cached_table("kpis").copy(deep=True)


def role_traits() -> pd.DataFrame:
    """Return the traits each role needs (``trait``, ``role``, ``source``), one row per trait."""
    return cached_table("traits").reset_index(drop=True)


def tasks_by_label(tasks: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """The titles of ``tasks`` listed under each label of ``scheme``, one column per label.

    Columns are the labels in vocabulary order (the columns' name is the scheme's label kind,
    so :func:`show_table` heads them with display labels); shorter columns end in blanks.
    """
    labels = partition(tasks, scheme)
    kind = scheme_kind(scheme)
    columns = {
        label: [str(tasks.at[task, "title"]) for task in labels.index[labels == label]]
        for label in label_choices(kind)
        if (labels == label).any()
    }
    depth = max((len(titles) for titles in columns.values()), default=0)
    table = pd.DataFrame(
        {label: titles + [""] * (depth - len(titles)) for label, titles in columns.items()},
        index=pd.RangeIndex(1, depth + 1),
    )
    table.columns.name = kind
    return table


def _slug(text: str) -> str:
    words = re.sub(r"\([^)]*\)", " ", text.lower())
    return "_".join(re.findall(r"[a-z0-9]+", words))


def blackblot_artefacts() -> pd.DataFrame:
    """Return every artefact a Blackblot role owns, indexed by a slug of its name.

    Columns: ``artefact``, ``owner`` (a Blackblot role id), ``owner_label``, ``kind`` of the
    owner (strategic, tactical, outside) and ``in_product_management``.
    """
    roles = load_blackblot_roles()
    rows = [
        {
            "id": _slug(artefact),
            "artefact": artefact,
            "owner": role_id,
            "owner_label": role["label"],
            "kind": role["kind"],
            "in_product_management": role["in_product_management"],
        }
        for role_id, role in roles.iterrows()
        for artefact in role["owns"]
    ]
    return pd.DataFrame(rows).set_index("id")


def check_quiz(
    answer: Mapping[str, str],
    key: pd.DataFrame,
    kind: str,
    *,
    name: str = "quiz",
    all_items: Sequence[str] | None = None,
) -> SortFeedback:
    """Check a quiz answer (item id -> label) against ``key`` and explain every item.

    ``key`` is indexed by item id with the columns of :data:`QUIZ_COLUMNS`; labels are read with
    :func:`course_lib.normalize_label` (``kind``: role, horizon, corner, blackblot_role), so
    aliases such as ``"PMM"`` count. Every item of the key is checked; missing items, unknown
    labels, non-text labels and ids that are not in the quiz each get a row saying what to fix
    (``all_items``, default the key's ids, is the list of valid ids that message offers).
    """
    if not isinstance(answer, Mapping):
        raise TypeError(
            f"answer must be a dict of item id -> label, not {type(answer).__name__}; "
            "edit the dict in the cell above and run it again"
        )
    missing_columns = [column for column in QUIZ_COLUMNS if column not in key.columns]
    if missing_columns:
        raise ValueError(f"quiz key lacks column(s) {', '.join(missing_columns)}")
    rows: list[dict[str, object]] = []
    for item, entry in key.iterrows():
        expected = str(entry["expected"])
        row: dict[str, object] = {"task": item, "title": entry["title"], "expected": expected}
        given: object = answer.get(str(item))
        rows.append(row | check_item(kind, given, expected, str(entry["explanation"])))
    valid_items = ", ".join(map(str, key.index if all_items is None else all_items))
    for item, given in answer.items():
        if item not in key.index:
            rows.append(
                {
                    "task": str(item),
                    "title": "",
                    "your_answer": str(given),
                    "expected": "",
                    "correct": False,
                    "explanation": f"unknown item {item!r}; check the spelling against: "
                    f"{valid_items}",
                }
            )
    reasons = key.rename(columns={"explanation": "reason"})[["expected", "reason"]].astype(str)
    return feedback_from_rows(rows, reasons, scheme=name, kind=kind)


def check_kpi_owners(answer: Mapping[str, str]) -> SortFeedback:
    """Check which role a trainee says each KPI of :func:`role_kpis` belongs to.

    Only the KPIs named in ``answer`` are checked, so a lesson can ask about a few of them.
    """
    kpis = role_kpis()
    asked = [kpi for kpi in answer if kpi in kpis.index] or list(kpis.index)
    key = pd.DataFrame(
        {
            "title": kpis["kpi"],
            "expected": kpis["role"],
            "explanation": kpis["measures"] + " Source: " + kpis["source"] + ".",
        }
    ).loc[asked]
    return check_quiz(answer, key, "role", name="kpi_owner", all_items=list(kpis.index))


def check_artefact_owners(answer: Mapping[str, str]) -> SortFeedback:
    """Check which Blackblot role a trainee says owns each artefact named in ``answer``.

    Artefact ids are those of :func:`blackblot_artefacts` (e.g. ``"business_case"``); owners
    are Blackblot role ids or aliases (``"planner"``, ``"marketer"``, ``"architect"``, ...).
    """
    artefacts = blackblot_artefacts()
    roles = load_blackblot_roles()
    labels = {str(role): str(label) for role, label in roles["label"].items()}
    definitions = {str(role): str(text) for role, text in roles["definition"].items()}
    asked = [item for item in answer if item in artefacts.index] or list(artefacts.index)
    owners = [str(owner) for owner in artefacts.loc[asked, "owner"]]
    key = pd.DataFrame(
        {
            "title": artefacts.loc[asked, "artefact"],
            "expected": owners,
            "explanation": [
                f"Blackblot gives it to the {labels[owner]}: {definitions[owner]}"
                for owner in owners
            ],
        },
        index=asked,
    )
    return check_quiz(
        answer,
        key,
        "blackblot_role",
        name="blackblot_artefact_owner",
        all_items=list(artefacts.index),
    )


# kind of disagreement -> what it teaches (lesson 05)
DISAGREEMENT_KINDS: dict[str, str] = {
    "problem vs solution space": (
        "Blackblot keeps product management in the problem space; designing, building and "
        "specifying the solution (the PRD onwards) is engineering's, led by the product "
        "architect. Pragmatic leaves requirements and delivery with the product manager."
    ),
    "using vs buying": (
        "Work that decides why buyers choose and what they pay (business case, competitors, "
        "price levels) sits in Pragmatic's strategic columns with the product manager, but "
        "with Blackblot's product marketer, who owns evaluation and differentiation."
    ),
    "inbound vs outbound": (
        "Blackblot assigns by the direction of the flow: knowledge coming in from the market "
        "(voice of the customer, roadmap, evangelising the problem) is the planner's alone; "
        "demand going out is the marketer's. Pragmatic shares or splits the same work."
    ),
    "collateral to marcom": (
        "Blackblot gives all collateral to the MarCom manager; Pragmatic's Readiness column "
        "keeps collateral and sales tools with product marketing."
    ),
    "portfolio leadership": (
        "Strategy across many products goes to Blackblot's director of products, one level "
        "above the planner and the marketer; the course maps that seat to shared work."
    ),
}


def disagreement_kind(pragmatic_role: str, blackblot_owner: str) -> str:
    """Name the kind of disagreement behind a task the two partitions label differently.

    ``pragmatic_role`` is a course role id, ``blackblot_owner`` a Blackblot role id; the result
    is a key of :data:`DISAGREEMENT_KINDS`.

    >>> disagreement_kind("product_management", "product_architect")
    'problem vs solution space'
    """
    if blackblot_owner == "product_architect":
        return "problem vs solution space"
    if blackblot_owner == "marcom_manager":
        return "collateral to marcom"
    if blackblot_owner == "director_of_products":
        return "portfolio leadership"
    if pragmatic_role == "product_management" and blackblot_owner == "product_marketer":
        return "using vs buying"
    return "inbound vs outbound"


def classify_disagreements(
    disagreements: pd.DataFrame, tasks: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Add ``blackblot_owner`` and ``kind`` columns to a Pragmatic-vs-Blackblot disagreement table.

    ``disagreements`` is ``compare_partitions(pragmatic, blackblot).disagreements`` (columns
    ``task`` and ``pragmatic_role``); ``tasks`` defaults to the bundled catalog.
    """
    needed = [column for column in ("task", "pragmatic_role") if column not in disagreements]
    if needed:
        raise ValueError(
            f"disagreements lacks column(s) {', '.join(needed)}; pass "
            "compare_partitions(partition(tasks, 'pragmatic_role'), "
            "partition(tasks, 'blackblot_role')).disagreements"
        )
    catalog = load_tasks() if tasks is None else tasks
    result = disagreements.copy()
    result["blackblot_owner"] = [
        str(catalog.at[task, "blackblot_owner"]) for task in result["task"]
    ]
    result["kind"] = [
        disagreement_kind(str(role), owner)
        for role, owner in zip(result["pragmatic_role"], result["blackblot_owner"], strict=True)
    ]
    return result
