"""Tests of course_lib.lessons: the KPI, trait and artefact tables and the quiz checks."""

from __future__ import annotations

import pandas as pd
import pytest

from course_lib import (
    compare_partitions,
    label_choices,
    load_blackblot_roles,
    load_tasks,
    partition,
)
from course_lib.lessons import (
    DISAGREEMENT_KINDS,
    QUIZ_COLUMNS,
    blackblot_artefacts,
    check_artefact_owners,
    check_kpi_owners,
    check_quiz,
    classify_disagreements,
    disagreement_kind,
    role_kpis,
    role_traits,
)


def test_role_kpis_cover_both_roles_with_known_labels_and_sources() -> None:
    kpis = role_kpis()
    assert kpis.index.is_unique
    assert list(kpis.columns) == ["kpi", "role", "measures", "source"]
    assert set(kpis["role"]) == {"product_management", "product_marketing"}
    assert (kpis["role"] == "product_management").sum() >= 5
    assert (kpis["role"] == "product_marketing").sum() >= 5
    assert kpis.at["win_rate", "role"] == "product_marketing"
    assert kpis.at["uptime", "role"] == "product_management"
    assert kpis["source"].str.len().gt(0).all()
    assert kpis["measures"].str.len().gt(0).all()


def test_role_traits_use_role_ids() -> None:
    traits = role_traits()
    assert set(traits["role"]) <= set(label_choices("role"))
    assert {"product_management", "product_marketing", "shared"} <= set(traits["role"])
    assert not traits["trait"].duplicated().any()


def test_blackblot_artefacts_lists_every_owned_artefact_once() -> None:
    artefacts = blackblot_artefacts()
    roles = load_blackblot_roles()
    assert len(artefacts) == sum(len(owns) for owns in roles["owns"])
    assert artefacts.index.is_unique
    assert artefacts.at["business_case", "owner"] == "product_marketer"
    assert artefacts.at["market_requirements_document", "owner"] == "product_planner"
    prd = artefacts.loc["product_requirements_document"]
    assert prd["owner"] == "product_architect"
    assert not prd["in_product_management"]
    assert artefacts.at["all_collateral", "owner"] == "marcom_manager"


def _key() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": ["Win rate", "Service uptime"],
            "expected": ["product_marketing", "product_management"],
            "explanation": ["deals won", "the product in use"],
        },
        index=["win_rate", "uptime"],
    )


def test_check_quiz_marks_each_item_and_accepts_aliases() -> None:
    result = check_quiz({"win_rate": "PMM", "uptime": "product marketing"}, _key(), "role")
    table = result.table.set_index("task")
    assert result.n_correct == 1
    assert result.n_total == 2
    assert bool(table.at["win_rate", "correct"])
    assert table.at["win_rate", "explanation"] == "deals won"
    assert not table.at["uptime", "correct"]
    assert table.at["uptime", "explanation"].startswith(
        "expected Product management, not Product marketing."
    )
    assert result.summary == "1 of 2 correct (50%)"


def test_check_quiz_reports_missing_unknown_and_non_text_answers() -> None:
    result = check_quiz({"win_rate": 3, "uptime": None, "upptime": "PM"}, _key(), "role")
    table = result.table.set_index("task")
    assert result.n_correct == 0
    assert "not text" in table.at["win_rate", "explanation"]
    assert table.at["uptime", "explanation"].startswith("not answered yet; pick one of:")
    assert "unknown item 'upptime'" in table.at["upptime", "explanation"]
    assert "win_rate, uptime" in table.at["upptime", "explanation"]


def test_check_quiz_unknown_label_names_the_choices() -> None:
    result = check_quiz({"win_rate": "sales"}, _key(), "role")
    message = result.table.set_index("task").at["win_rate", "explanation"]
    assert "product_marketing" in message


def test_check_quiz_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="dict of item id"):
        check_quiz(["win_rate"], _key(), "role")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lacks column"):
        check_quiz({}, _key().drop(columns="explanation"), "role")
    assert QUIZ_COLUMNS == ["title", "expected", "explanation"]


def test_check_kpi_owners_asks_only_named_kpis_and_lists_valid_ids() -> None:
    result = check_kpi_owners({"win_rate": "PMM", "reviews": "PMM", "nps": "PM"})
    table = result.table.set_index("task")
    assert result.n_total == 2
    assert result.n_correct == 1
    assert "prodpad-2022" in table.at["reviews", "explanation"]
    assert "feature_usage" in table.at["nps", "explanation"]


def test_check_artefact_owners_explains_with_blackblot_definitions() -> None:
    result = check_artefact_owners(
        {"business_case": "planner", "product_requirements_document": "architect"}
    )
    table = result.table.set_index("task")
    assert result.n_correct == 1
    assert table.at["business_case", "expected"] == "product_marketer"
    assert "Product Marketer" in table.at["business_case", "explanation"]
    assert "outside product management" in table.at["product_requirements_document", "explanation"]


def test_disagreement_kind_names_each_pattern() -> None:
    assert disagreement_kind("product_management", "product_architect") == (
        "problem vs solution space"
    )
    assert disagreement_kind("product_marketing", "marcom_manager") == "collateral to marcom"
    assert disagreement_kind("product_management", "director_of_products") == (
        "portfolio leadership"
    )
    assert disagreement_kind("product_management", "product_marketer") == "using vs buying"
    assert disagreement_kind("product_marketing", "product_planner") == "inbound vs outbound"
    assert set(DISAGREEMENT_KINDS) == {
        "problem vs solution space",
        "using vs buying",
        "inbound vs outbound",
        "collateral to marcom",
        "portfolio leadership",
    }


def test_classify_disagreements_on_the_catalog_gives_every_row_a_known_kind() -> None:
    tasks = load_tasks()
    comparison = compare_partitions(
        partition(tasks, "pragmatic_role"), partition(tasks, "blackblot_role")
    )
    classified = classify_disagreements(comparison.disagreements, tasks)
    assert len(classified) == len(comparison.disagreements)
    assert set(classified["kind"]) <= set(DISAGREEMENT_KINDS)
    architect = classified[classified["blackblot_owner"] == "product_architect"]
    assert (architect["kind"] == "problem vs solution space").all()
    assert list(classified["blackblot_owner"]) == [
        tasks.at[task, "blackblot_owner"] for task in classified["task"]
    ]


def test_classify_disagreements_says_what_to_pass_when_columns_are_missing() -> None:
    with pytest.raises(ValueError, match="compare_partitions"):
        classify_disagreements(pd.DataFrame({"task": ["x"]}))
