"""Decision rights: the RACI key as validated content, its rules, and practice feedback."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import course_lib
from course_lib import ContentError, load_raci, raci_matrix
from course_lib._content import _SCHEMAS
from course_lib._raci.practice import read_matrix, role_names
from course_lib._raci.rules import LETTERS, follows_rules, row_problems
from course_lib._schema import parse_table

DATA = Path(course_lib.__file__).parent / "data"
ROLES = ["product_management", "product_marketing", "marcom", "sales"]
#: The contested work the issue names, by catalog task: each must be in the key.
CONTESTED = {
    "pricing": "set_price_strategy",
    "competitive intelligence": "analyze_competitive_landscape",
    "win/loss": "analyze_win_loss",
    "launch": "write_launch_plan",
    "personas": "define_buyer_personas",
}


def _edited(tmp_path: Path, edit: str, replacement: str) -> Path:
    text = (DATA / "raci.csv").read_text(encoding="utf-8")
    assert edit in text, edit
    path = tmp_path / "raci.csv"
    path.write_text(text.replace(edit, replacement, 1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------- the content
def test_the_key_covers_the_contested_tasks_with_every_role_and_a_reason() -> None:
    key = load_raci()
    matrix = raci_matrix()
    assert list(matrix.columns) == ROLES
    assert set(CONTESTED.values()) <= set(matrix.index)
    assert len(key) == len(matrix) * len(ROLES)  # one row per task and role, none missing
    assert set(key["letter"]) <= {*LETTERS, ""}
    assert (key["reason"].str.len() >= 40).all()
    assert set(key["source"]) <= set(course_lib.load_sources().index)
    for task, row in matrix.iterrows():
        assert follows_rules(row.to_dict()), task


def test_every_a_follows_the_course_pragmatic_partition_and_blackblot_differs_on_some() -> None:
    matrix = raci_matrix()
    frameworks = course_lib.framework_accountables()
    accountable = matrix.apply(lambda row: row[row == "A"].index[0], axis=1)
    assert (accountable == frameworks["pragmatic"]).all()
    differ = frameworks[~frameworks["agree"]]
    assert {"set_price_strategy", "analyze_competitive_landscape"} <= set(differ.index)
    assert frameworks.at["evangelize_product", "blackblot"] == "product_management"
    # where they differ, Blackblot's accountable role does the work (R), and the reason of the
    # A says what Blackblot would do
    key = load_raci()
    for task in differ.index:
        assert matrix.at[task, frameworks.at[task, "blackblot"]] == "R", task
        assert "Blackblot" in key.at[(task, accountable[task]), "reason"], task


def test_letters_and_roles_are_vocabularies_with_aliases() -> None:
    letters = course_lib.load_vocabulary("raci_letters")
    assert list(letters.index) == list(LETTERS)
    assert course_lib.normalize_label("raci_letter", "accountable") == "A"
    assert course_lib.normalize_label("raci_role", "PMM") == "product_marketing"
    assert role_names() == {
        "product_management": "PM", "product_marketing": "PMM", "marcom": "Marcom", "sales": "Sales"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "replacement", "message"),
    [
        (
            "set_price_strategy,product_marketing,R,",
            "set_price_strategy,product_marketing,A,",
            r"raci\.csv: line 2 \(task 'set_price_strategy'\), column 'letter': 2 roles are A",
        ),
        (
            "analyze_win_loss,product_marketing,R,",
            "analyze_win_loss,product_marketing,C,",
            r"line 10 \(task 'analyze_win_loss'\), column 'letter': no R: nobody does the work",
        ),
        (
            "write_launch_plan,marcom,R,",
            "write_launch_plan,marcom,X,",
            r"raci\.csv: line 24, column 'letter': unknown value 'X'; expected one of: R, A, C, I",
        ),
        (
            "define_buyer_personas,sales,C,",
            "define_buyer_personas,saless,C,",
            r"line 21, column 'role': unknown value 'saless'",
        ),
        (
            "write_launch_plan,product_management,C,",
            "write_launch_plan,product_marketing,C,",
            r"line 23, column 'task', 'role': duplicate id \('write_launch_plan', "
            r"'product_marketing'\) \(first on line 22\)",
        ),
    ],
)
def test_a_broken_key_is_reported_with_file_line_and_column(
    tmp_path: Path, edit: str, replacement: str, message: str
) -> None:
    with pytest.raises(ContentError, match=message):
        load_raci(_edited(tmp_path, edit, replacement))


def test_a_missing_role_and_an_a_off_the_pragmatic_role_are_reported(tmp_path: Path) -> None:
    text = (DATA / "raci.csv").read_text(encoding="utf-8").splitlines()
    missing = tmp_path / "missing.csv"
    missing.write_text("\n".join(line for line in text if not line.startswith(
        "support_sales_pitch,marcom,")) + "\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ContentError, match=r"task 'support_sales_pitch'\): no row for role\(s\) "):
        load_raci(missing)
    swapped = _edited(
        tmp_path,
        "analyze_win_loss,product_management,A,",
        "analyze_win_loss,product_management,R,",
    )
    swapped.write_text(
        swapped.read_text().replace("analyze_win_loss,product_marketing,R,",
                                    "analyze_win_loss,product_marketing,A,"),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(
        ContentError,
        match=r"line 11 \(task 'analyze_win_loss'\), column 'letter': the A is on "
        r"'product_marketing', but the course's Pragmatic partition gives the task to "
        r"'product_management' \(tasks.csv\)",
    ):
        load_raci(swapped)


def test_the_letters_file_must_list_r_a_c_i(tmp_path: Path) -> None:
    text = (DATA / "raci_letters.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "raci_letters.csv"
    path.write_text("\n".join([text[0], text[2], text[1], *text[3:]]) + "\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"the letters are A, R, C, I; list exactly R, A, C, I"):
        parse_table(_SCHEMAS["raci_letters"], path)


def test_failure_modes_are_sourced_content() -> None:
    failures = course_lib.load_decision_failures()
    assert list(failures.index) == ["one_person_both", "rigid_separation", "stuck_in_today"]
    assert set(failures["source"]) <= set(course_lib.load_sources().index)
    assert (failures[["what_happens", "in_the_matrix", "remedy"]].map(len) > 60).all().all()


# ----------------------------------------------------------------------------------- the rules
@pytest.mark.parametrize(
    ("row", "found"),
    [
        ({"pm": "A", "pmm": "R"}, []),
        ({"pm": "A", "pmm": "R", "sales": "R", "marcom": ""}, []),
        ({"pm": "C", "pmm": "R"}, ["no A"]),
        ({"pm": "A", "pmm": "A", "sales": "R"}, ["2 roles are A (pm, pmm)"]),
        ({"pm": "A", "pmm": "C"}, ["no R"]),
        ({}, ["no A", "no R"]),
    ],
)
def test_rules_one_a_at_least_one_r(row: dict[str, str], found: list[str]) -> None:
    problems = row_problems(row)
    assert [problem.split(":")[0] for problem in problems] == found
    assert follows_rules(row) is (not found)


# ------------------------------------------------------------------------- practice functions
def test_read_matrix_accepts_aliases_and_dataframes_and_names_bad_cells() -> None:
    rows, problems = read_matrix(
        {"t": {"PM": "accountable", "PMM": "r", "marcom": None, "sales": "-", "boss": "A"},
         "u": {"PM": "A/R"}, "v": "A"}
    )  # fmt: skip
    assert rows["t"] == {
        "product_management": "A", "product_marketing": "R", "marcom": "", "sales": ""
    }  # fmt: skip
    assert rows["u"] == {"product_management": None}
    assert any("unknown raci role 'boss'" in p for p in problems)
    assert any("u, product_management: 'A/R' is not a letter" in p for p in problems)
    assert any(p.startswith("v: the row must be a dict") for p in problems)
    frame, _ = read_matrix(raci_matrix(["write_launch_plan"]))
    assert frame == {"write_launch_plan": raci_matrix().loc["write_launch_plan"].to_dict()}
    with pytest.raises(TypeError, match="dict of task id"):
        read_matrix(["A"])  # type: ignore[arg-type]


def test_rule_report_flags_a_new_task_nobody_owns() -> None:
    report = course_lib.rule_report(
        {"answer_privacy_law_questions": {"PM": "C", "PMM": "C", "marcom": "I", "sales": "I"}}
    )
    row = report.loc["answer_privacy_law_questions"]
    assert not row["follows_rules"] and row["title"] == "Answer privacy law questions"
    assert [p.split(":")[0] for p in row["problems"]] == ["no A", "no R"]


def test_combining_both_product_roles_puts_a_and_r_in_one_person() -> None:
    matrix = raci_matrix()
    merged = course_lib.combine_roles(
        matrix, ["product_management", "product_marketing"], "one person"
    )
    assert list(merged.columns) == ["one person", "marcom", "sales"]
    both = merged["one person"] == "A+R"
    pm_pmm = (matrix["product_management"] + matrix["product_marketing"]).isin(["AR", "RA"])
    assert (both == pm_pmm).all() and both.sum() >= 5
    with pytest.raises(ValueError, match="not found: boss"):
        course_lib.combine_roles(matrix, ["product_management", "boss"], "x")


def test_role_load_counts_a_and_r_per_horizon_and_shows_a_pm_stuck_in_today() -> None:
    matrix = raci_matrix()
    load = course_lib.role_load(matrix)
    horizons = course_lib.load_tasks()["horizon"]
    pm = matrix["product_management"]
    for horizon in ("current", "next", "future"):
        expected = int((pm.isin(["A", "R"]) & (horizons[pm.index] == horizon)).sum())
        assert load.at["Product management", horizon] == expected
    assert load.at["Product management", "current_share"] < 0.5
    stuck = matrix.copy()
    stuck.loc[["sell_more_current_products", "support_sales_pitch"], "product_management"] = "R"
    stuck.loc[["define_buyer_personas", "evangelize_product"], "product_management"] = "I"
    assert course_lib.role_load(stuck).at["Product management", "current_share"] > 0.5


# ------------------------------------------------------------------------------------ feedback
def test_check_raci_gives_rules_first_then_cells_and_hides_unanswered_keys() -> None:
    tasks = ["set_price_strategy", "analyze_win_loss", "write_launch_plan"]
    feedback = course_lib.check_raci(
        {
            "set_price_strategy": {"PM": "A", "PMM": "R", "marcom": "I", "sales": "C"},
            "analyze_win_loss": {"PM": "A", "PMM": "A"},
        },
        tasks,
    )
    assert feedback.summary == (
        "rules: 1 of 3 tasks have one A and at least one R; cells: 6 of 12 agree with the key "
        "(50%); 1 task(s) not answered yet"
    )
    assert feedback.task_problems("analyze_win_loss")[0].startswith("2 roles are A")
    hidden = feedback.task_cells("write_launch_plan")
    assert (hidden["expected"] == "").all() and (hidden["reason"] == "").all()
    assert not hidden["correct"].any()
    page = feedback._repr_html_()
    visible = page.split("<details>")[0]
    for reason in load_raci().loc["write_launch_plan", "reason"]:
        assert reason.replace("'", "&#39;") not in visible
        assert reason.replace("'", "&#39;") in page  # folded under "Show the answers"
    revealed = feedback.reveal()
    assert (
        revealed.answer_line("write_launch_plan")
        == "you: \u2013 \u2013 \u2013 \u2013 \u00b7 answer: C A R I"
    )
    assert (revealed.task_cells("write_launch_plan")["reason"].str.len() > 40).all()


def test_check_raci_names_unknown_tasks_and_defaults_to_the_answered_ones() -> None:
    feedback = course_lib.check_raci({"analyze_win_loss": {"PM": "A"}, "nope": {"PM": "A"}})
    assert list(feedback.rows["task"]) == ["analyze_win_loss"]
    assert "nope: no RACI key for this task; remove it" in feedback.problems
    assert re.search(r"1 problem\(s\) reading the matrix$", feedback.summary)
    with pytest.raises(ValueError, match="did you mean 'analyze_win_loss'"):
        course_lib.check_raci({}, ["analyse_win_loss"])


def test_a_perfect_matrix_scores_every_cell() -> None:
    matrix = raci_matrix()
    feedback = course_lib.check_raci(matrix)
    assert feedback.score == 1.0 and feedback.n_follow_rules == len(matrix)
    assert isinstance(feedback.rows, pd.DataFrame)
