"""show_table: lesson tables in full, prose left-aligned, plain headings, display labels."""

from __future__ import annotations

import pandas as pd
import pytest
from markupsafe import escape

import course_lib
from course_lib import load_tasks, show_table, tasks_by_label


def test_long_text_is_shown_in_full_and_prose_left_aligned() -> None:
    kpis = course_lib.role_kpis()
    table = show_table(kpis, ["kpi", "role", "measures"])
    page = table._repr_html_()
    assert table.headings == ["KPI", "Role", "Measures"]
    for measure in kpis["measures"]:
        assert escape(measure) in page  # pandas would cut these at 50 characters
    assert "\u2026" not in page and "..." not in page
    assert "text-align:right" not in page  # no numbers here: every column reads left to right
    assert "product_management" not in page and "Product management" in page


def test_numbers_align_right_and_a_crosstab_shows_display_labels_on_both_axes() -> None:
    tasks = load_tasks()
    crosstab = pd.crosstab(tasks["pragmatic_role"], tasks["horizon"])
    table = show_table(crosstab, index=True)
    assert table.headings[0] == "Pragmatic role / Horizon"
    assert set(table.headings[1:]) == {"Current products", "Next products", "Future products"}
    assert [row[0] for row in table.rows][:2] == [
        "Engineering (outside product management)", "Marketing communications",
    ]  # fmt: skip
    assert table.numeric == [False, True, True, True]
    assert 'style="text-align:right' in table._repr_html_()


def test_values_lists_booleans_and_missing_cells_read_as_words() -> None:
    frame = pd.DataFrame(
        {
            "owns": [["MRD", "roadmap"], []],
            "in_product_management": [True, False],
            "blackblot_owner": ["product_planner", "lead_developer"],
            "share": [0.8, None],
        },
        index=pd.Index(["a", "b"], name="id"),
    )
    table = show_table(frame, index="Item")
    assert table.headings == ["Item", "Owns", "In product management", "Blackblot owner", "Share"]
    assert table.rows == [
        ["a", "MRD; roadmap", "yes", "Product Planner", "0.80"],
        ["b", "", "no", "Lead developer", ""],
    ]


def test_columns_can_be_renamed_and_a_table_can_wait_for_a_click() -> None:
    frame = pd.DataFrame({"role": ["shared"], "kpi": ["Win rate"]})
    table = show_table(frame, {"kpi": "What is measured"}, reveal="Show the answers")
    assert table.headings == ["What is measured"]
    page = table._repr_html_()
    assert page.startswith("<details><summary>Show the answers</summary><table")
    assert str(table) == "What is measured\nWin rate"


def test_bad_input_names_the_fix() -> None:
    with pytest.raises(ValueError, match="no column\\(s\\) 'role'; the table has: kpi"):
        show_table(pd.DataFrame({"kpi": ["x"]}), ["role"])
    with pytest.raises(TypeError, match="DataFrame, a Series or a dict, not list"):
        show_table([1, 2])  # type: ignore[arg-type]


def test_tasks_by_label_lists_each_corners_titles_in_its_own_column() -> None:
    tasks = load_tasks()
    table = tasks_by_label(tasks, "corner")
    assert list(table.columns) == ["strategy", "marketing", "technical"]
    for corner in table.columns:
        titles = [title for title in table[corner] if title]
        assert titles == list(tasks.loc[tasks["corner"] == corner, "title"])
    shown = show_table(table)
    assert shown.headings == ["Strategy", "Marketing", "Technical"]
    assert len(shown.rows) == max(int((tasks["corner"] == c).sum()) for c in table.columns)
