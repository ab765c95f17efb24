"""SortingBoard, RaciBoard and the role-by-horizon view, driven headless as a trainee would."""

from __future__ import annotations

import ast
import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest
from markupsafe import escape

import course_lib
from course_lib import check_sort, label_choices, load_tasks, raci_matrix
from course_lib._partitions import role_horizon_table, role_spans
from course_lib.widgets import (
    KEYBOARD_HINT,
    RACI_KEYBOARD_HINT,
    RaciBoard,
    RoleHorizonView,
    SortingBoard,
    role_horizon_view,
)

HEADER = (
    "id,title,description,source,horizon,pragmatic_box,pragmatic_role,pragmatic_basis,blackblot_owner,"
    "corner,pragmatic_explanation,blackblot_explanation,horizon_explanation,corner_explanation"
)
# A small catalog of our own, so that these tests do not depend on the course's content.
ROWS = [
    "t_requirements,Write the requirements,Say what the product must do.,pragmatic-framework,"
    "next,requirements,product_management,inferred,product_planner,technical,"
    "PRAG-requirements,BB-requirements,HOR-requirements,CORNER-requirements",
    "t_positioning,Position the product,Decide how buyers should see it.,pragmatic-framework,"
    "current,positioning,product_marketing,inferred,product_marketer,marketing,"
    "PRAG-positioning,BB-positioning,HOR-positioning,CORNER-positioning",
    "t_ads,Run ads & <b>banners</b>,Place the ads.,pragmatic-framework,"
    "current,,marcom,course,marcom_manager,marketing,PRAG-ads,BB-ads,HOR-ads,CORNER-ads",
    "t_roadmap,Manage the roadmap,Plan what comes next.,pragmatic-framework,"
    "future,product_roadmap,product_management,reading,product_planner,strategy,"
    "PRAG-roadmap,BB-roadmap,HOR-roadmap,CORNER-roadmap",
    "t_checkins,Hold check-ins,Meet every week.,pragmatic-framework,"
    "current,,shared,course,director_of_products,strategy,"
    "PRAG-checkins,BB-checkins,HOR-checkins,CORNER-checkins",
    "t_old_pm,Support current releases,Answer questions on today's product.,pragmatic-framework,"
    "current,,product_management,course,product_planner,technical,"
    "PRAG-old,BB-old,HOR-old,CORNER-old",
]
IDS = ["t_requirements", "t_positioning", "t_ads"]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path: Path = tmp_path_factory.mktemp("catalog") / "tasks.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return load_tasks(path)


@pytest.fixture
def board(catalog: pd.DataFrame) -> SortingBoard:
    return SortingBoard("pragmatic_role", IDS, title="Who owns it?", catalog=catalog)


def classes(widget: widgets.Widget) -> set[str]:
    return set(widget._dom_classes)


def test_is_published_lazily_from_course_lib() -> None:
    assert course_lib.SortingBoard is SortingBoard
    assert course_lib.role_horizon_view is role_horizon_view


def test_board_has_one_unset_card_per_task_and_the_contract_css_classes(
    board: SortingBoard, catalog: pd.DataFrame
) -> None:
    assert isinstance(board, widgets.VBox)
    assert "pmc-board" in classes(board)
    assert list(board.cards) == IDS
    for task in IDS:
        card = board.cards[task]
        assert classes(card) == {"pmc-card"}
        assert board.pickers[task] in card.children
        assert board.pickers[task].value is None
        assert [value for _, value in board.pickers[task].options] == label_choices("role")
        assert "pmc-feedback" in classes(board.feedback_lines[task])
        assert board.feedback_lines[task].value == ""
        text = card.children[0].value
        assert escape(str(catalog.at[task, "title"])) in text
        assert escape(str(catalog.at[task, "description"])) in text
    assert "<b>banners</b>" not in board.cards["t_ads"].children[0].value  # escaped, not markup
    assert "pmc-check" in classes(board.check_button)
    assert "pmc-show-answer" in classes(board.show_answer_button)
    assert "pmc-reset" in classes(board.reset_button)
    assert "pmc-score" in classes(board.score)
    assert board.answer == {}
    assert board.feedback is None
    assert "Who owns it?" in board.children[0].value


def test_controls_are_native_labelled_and_in_card_order_for_keyboard_use(
    board: SortingBoard,
) -> None:
    for number, task in enumerate(IDS, start=1):
        picker = board.pickers[task]
        assert isinstance(picker, widgets.Dropdown)
        assert picker.description
        assert f"task {number}" in picker.tooltip
    buttons = [board.check_button, board.show_answer_button, board.reset_button, board.code_button]
    for button in buttons:
        assert isinstance(button, widgets.Button)
        assert button.description and button.tooltip
    order = list(board.children)
    assert any(KEYBOARD_HINT in html.unescape(getattr(child, "value", "")) for child in order)
    card_positions = [order.index(board.cards[task]) for task in IDS]
    button_row = next(c for c in order if board.check_button in getattr(c, "children", ()))
    assert card_positions == sorted(card_positions)
    assert max(card_positions) < order.index(button_row) < order.index(board.score)


def test_check_marks_every_card_with_the_feedback_of_check_sort(
    board: SortingBoard, catalog: pd.DataFrame
) -> None:
    board.pickers["t_requirements"].value = "product_management"  # right
    board.pickers["t_positioning"].value = "product_management"  # wrong: product_marketing
    board.check_button.click()  # t_ads left unanswered

    expected = check_sort(
        {"t_requirements": "product_management", "t_positioning": "product_management"},
        "pragmatic_role",
        catalog.loc[IDS],
    )
    assert board.feedback is not None
    assert board.feedback.summary == expected.summary == "1 of 3 correct (33%); 1 not answered yet"
    assert expected.summary in board.score.value

    assert classes(board.cards["t_requirements"]) == {"pmc-card", "pmc-card-correct"}
    right = board.feedback_lines["t_requirements"].value
    assert "\u2714" in right and "PRAG-requirements" in right

    assert classes(board.cards["t_positioning"]) == {"pmc-card", "pmc-card-wrong"}
    wrong = board.feedback_lines["t_positioning"].value
    assert "\u2718" in wrong and "PRAG-positioning" in wrong
    assert "expected Product marketing, not Product management" in wrong

    assert classes(board.cards["t_ads"]) == {"pmc-card", "pmc-card-wrong", "pmc-card-unanswered"}
    assert "\u2718" not in board.feedback_lines["t_ads"].value  # not wrong: not answered
    assert "<b>\u2013</b> not answered yet" in board.feedback_lines["t_ads"].value
    # an unanswered card never gives its answer away: no reason, no expected label
    assert "PRAG-ads" not in board.feedback_lines["t_ads"].value
    assert "expected" not in board.feedback_lines["t_ads"].value
    assert 'role="alert"' in board.score.value  # screen readers announce the result
    assert board.cards["t_ads"].layout.border != board.cards["t_positioning"].layout.border


def test_check_method_returns_what_the_button_shows(board: SortingBoard) -> None:
    board.set_answer({task: "product_marketing" for task in IDS})
    feedback = board.check()
    assert feedback is board.feedback
    assert (feedback.n_correct, feedback.n_total) == (1, 3)
    assert feedback.summary in board.score.value
    assert classes(board.cards["t_positioning"]) == {"pmc-card", "pmc-card-correct"}


def test_changing_a_pick_after_check_clears_that_card_only(board: SortingBoard) -> None:
    board.set_answer({"t_requirements": "PM", "t_positioning": "PM"})
    board.check()
    board.pickers["t_positioning"].value = "product_marketing"
    assert classes(board.cards["t_positioning"]) == {"pmc-card"}
    assert board.feedback_lines["t_positioning"].value == ""
    assert classes(board.cards["t_requirements"]) == {"pmc-card", "pmc-card-correct"}
    assert "press Check again" in board.score.value
    assert board.check().n_correct == 2


def test_show_answer_keeps_each_pick_beside_the_answer_with_explanations(
    board: SortingBoard, catalog: pd.DataFrame
) -> None:
    board.pickers["t_ads"].value = "shared"
    board.pickers["t_requirements"].value = "product_management"
    board.check()
    board.show_answer_button.click()
    assert board.answer == {"t_ads": "shared", "t_requirements": "product_management"}
    for task in IDS:
        assert classes(board.cards[task]) == {"pmc-card", "pmc-card-answer"}
        line = html.unescape(board.feedback_lines[task].value)
        assert str(catalog.at[task, "pragmatic_explanation"]) in line
    lines = {task: html.unescape(board.feedback_lines[task].value) for task in IDS}
    assert "\u2718 you: Shared \u00b7 answer: Marketing communications." in lines["t_ads"]
    assert (
        "\u2714 you: Product management \u00b7 answer: Product management."
        in lines["t_requirements"]
    )
    assert "you: no answer \u00b7 answer: Product marketing." in lines["t_positioning"]
    assert "Answers shown for all 3 tasks" in board.score.value
    assert "1 of 3 correct" in board.score.value
    assert board.feedback is None
    assert board.check().n_correct == 1  # the picks were kept, not replaced by the key


def test_reset_clears_picks_marks_feedback_and_score(board: SortingBoard) -> None:
    start = board.score.value
    board.set_answer({"t_requirements": "PMM"})
    board.check()
    board.code_button.click()
    board.reset_button.click()
    assert board.answer == {}
    assert board.feedback is None
    assert board.score.value == start
    assert board.code.value == ""
    for task in IDS:
        assert board.pickers[task].value is None
        assert classes(board.cards[task]) == {"pmc-card"}
        assert board.feedback_lines[task].value == ""
    board.reset()  # twice in a row is fine
    board.show_answer()
    board.reset()
    assert board.answer == {}


def test_to_code_round_trips_through_literal_eval(board: SortingBoard) -> None:
    assert board.to_code() == "answer = {}"
    board.set_answer({"t_positioning": "PMM", "t_ads": "marcom"})
    code = board.to_code("my_sort")
    statement = ast.parse(code).body
    assert len(statement) == 1 and isinstance(statement[0], ast.Assign)
    target = statement[0].targets[0]
    assert isinstance(target, ast.Name) and target.id == "my_sort"
    right_hand_side = code.split("=", 1)[1]
    assert ast.literal_eval(right_hand_side.strip()) == board.answer
    assert board.answer == {"t_positioning": "product_marketing", "t_ads": "marcom"}
    namespace: dict[str, object] = {}
    exec(code, namespace)
    assert namespace["my_sort"] == board.answer
    board.code_button.click()
    assert "pmc-code" in classes(board.code)
    assert escape(board.to_code()) in board.code.value


@pytest.mark.parametrize("name", ["", "2fast", "class", "my answer", None])
def test_to_code_rejects_names_that_are_not_variables(board: SortingBoard, name: object) -> None:
    with pytest.raises(ValueError, match="variable name"):
        board.to_code(name)  # type: ignore[arg-type]


def test_set_answer_accepts_aliases_and_none_and_rejects_strangers(board: SortingBoard) -> None:
    board.set_answer({"t_requirements": "Product Manager", "t_positioning": "pmm"})
    assert board.answer == {
        "t_requirements": "product_management",
        "t_positioning": "product_marketing",
    }
    board.set_answer({"t_requirements": None})
    assert board.answer == {"t_positioning": "product_marketing"}
    with pytest.raises(
        ValueError, match=r"'t_requirement' is not on this board; did you mean 't_requirements'"
    ):
        board.set_answer({"t_requirement": "PM"})
    with pytest.raises(ValueError, match="expected one of: product_management"):
        board.set_answer({"t_ads": "sales"})
    with pytest.raises(TypeError, match="dict of task id"):
        board.set_answer([("t_ads", "marcom")])  # type: ignore[arg-type]
    assert board.answer == {"t_positioning": "product_marketing"}  # nothing half-applied


def test_unknown_task_ids_raise_with_the_name_and_closest_match(catalog: pd.DataFrame) -> None:
    with pytest.raises(
        ValueError, match=r"unknown task id 't_roadmpa'; did you mean 't_roadmap'\?"
    ):
        SortingBoard("pragmatic_role", ["t_ads", "t_roadmpa"], catalog=catalog)


@pytest.mark.parametrize(
    ("tasks", "error", "message"),
    [
        (None, ValueError, "needs the tasks to sort: pass a list of task ids"),
        ([], ValueError, "at least one task id"),
        (["t_ads", "t_ads"], ValueError, "'t_ads' appear more than once"),
        ("t_ads", TypeError, r"not a single string; use \['t_ads'\]"),
        ([3], TypeError, "task ids must be text"),
    ],
)
def test_bad_task_lists_are_refused_with_a_fix(
    catalog: pd.DataFrame, tasks: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        SortingBoard("pragmatic_role", tasks, catalog=catalog)  # type: ignore[arg-type]


def test_unknown_scheme_is_refused(catalog: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown scheme 'roles'; expected one of: pragmatic_role"):
        SortingBoard("roles", IDS, catalog=catalog)


def test_other_schemes_offer_their_own_vocabulary(catalog: pd.DataFrame) -> None:
    horizons = SortingBoard("horizon", IDS, catalog=catalog)
    assert [v for _, v in horizons.pickers["t_ads"].options] == ["current", "next", "future"]
    horizons.set_answer({"t_ads": "H1", "t_requirements": "future", "t_positioning": "today"})
    feedback = horizons.check()
    assert feedback.n_correct == 2
    assert "HOR-requirements" in horizons.feedback_lines["t_requirements"].value
    corners = SortingBoard("corner", ["t_roadmap"], catalog=catalog)
    assert corners.pickers["t_roadmap"].description == "Corner:"
    revealed = corners.show_answer()
    assert corners.answer == {}
    assert list(revealed.table["expected"]) == ["strategy"]
    assert "answer: Strategy" in corners.feedback_lines["t_roadmap"].value
    assert "CORNER-roadmap" in corners.feedback_lines["t_roadmap"].value


def test_board_accepts_a_slice_of_the_catalog(catalog: pd.DataFrame) -> None:
    board = SortingBoard("pragmatic_role", catalog.loc[IDS[:2]], catalog=catalog)
    assert board.task_ids == IDS[:2]


def test_board_on_the_course_catalog_agrees_with_its_own_key() -> None:
    tasks = list(load_tasks().index[:5])
    board = SortingBoard("blackblot_role", tasks)
    key = board.show_answer().table.set_index("task")["expected"]
    board.set_answer(key.to_dict())
    feedback = board.check()
    assert (feedback.n_correct, feedback.n_total) == (5, 5)
    assert feedback.summary == "5 of 5 correct (100%)"


# The role-by-horizon view ------------------------------------------------------------------


def test_role_horizon_table_lists_titles_per_role_and_horizon(catalog: pd.DataFrame) -> None:
    table = role_horizon_table(catalog)
    assert list(table.columns) == ["current", "next", "future"]
    assert list(table.index) == ["product_management", "product_marketing", "marcom", "shared"]
    assert table.at["product_management", "current"] == ["Support current releases"]
    assert table.at["product_management", "next"] == ["Write the requirements"]
    assert table.at["product_management", "future"] == ["Manage the roadmap"]
    assert table.at["product_marketing", "current"] == ["Position the product"]
    assert table.at["product_marketing", "future"] == []
    assert table.at["marcom", "current"] == ["Run ads & <b>banners</b>"]
    assert table.at["shared", "current"] == ["Hold check-ins"]
    assert sum(len(cell) for cell in table.to_numpy().ravel()) == len(catalog)


def test_role_horizon_table_needs_a_role_scheme(catalog: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="does not label roles"):
        role_horizon_table(catalog, "horizon")


def _row_html(view: RoleHorizonView, role: str) -> str:
    start = view.grid.value.index('<tr class="pmc-rh-row')
    rows = view.grid.value[start:].split("</tr>")
    return next(row for row in rows if f'data-role="{role}"' in row)


def test_role_horizon_view_shows_each_cell_and_highlights_the_picked_role(
    catalog: pd.DataFrame,
) -> None:
    view = role_horizon_view(catalog)
    assert isinstance(view, widgets.VBox)
    assert "pmc-role-horizon" in classes(view)
    assert [value for _, value in view.role_picker.options] == list(view.table.index)
    assert view.role_picker.tooltip
    for role in view.table.index:
        for horizon in view.table.columns:
            for title in view.titles(role, horizon):
                cell_start = view.grid.value.index(f'data-role="{role}" data-horizon="{horizon}"')
                cell = view.grid.value[cell_start:].split("</td>")[0]
                assert escape(title) in cell
    assert view.selected_role == "product_management"
    assert "pmc-rh-selected" in _row_html(view, "product_management")
    assert "pmc-rh-selected" not in _row_html(view, "product_marketing")
    caption = view.caption()
    assert "Product management: 1 on current, 1 on next, 1 on future products." in caption
    assert "span for product management: next + future" in caption
    assert "Tasks on current sit outside that span" in caption
    pm_row = _row_html(view, "product_management")
    current_cell = pm_row.split('data-horizon="current"')[1].split("</td>")[0]
    next_cell = pm_row.split('data-horizon="next"')[1].split("</td>")[0]
    assert escape("outside this role's span") in current_cell
    assert escape("outside this role's span") not in next_cell

    view.role_picker.value = "product_marketing"
    assert "pmc-rh-selected" in _row_html(view, "product_marketing")
    assert "pmc-rh-selected" not in _row_html(view, "product_management")
    assert "span for product marketing: current + next" in view.caption()
    assert escape(view.caption()) in view.grid.value

    view.role_picker.value = "shared"
    assert "no span of its own" in view.caption()


def test_role_horizon_view_draws_both_spans_overlapping_on_next(catalog: pd.DataFrame) -> None:
    view = role_horizon_view(catalog)
    spans = role_spans()
    assert spans == {
        "product_marketing": ("current", "next"),
        "product_management": ("next", "future"),
    }
    for role, covered in spans.items():
        row = view.grid.value.split(f"pmc-span-{role}")[1].split("</tr>")[0]
        marks = ["\u25ac" in cell for cell in row.split("<td")[1:]]
        assert marks == [horizon in covered for horizon in ("current", "next", "future")]


def test_role_horizon_view_defaults_to_the_course_catalog() -> None:
    view = role_horizon_view()
    catalog = load_tasks()
    shown = sum(len(view.titles(r, h)) for r in view.table.index for h in view.table.columns)
    assert shown == len(catalog)
    blackblot = role_horizon_view(scheme="blackblot_role")
    assert "engineering" in blackblot.table.index


# ------------------------------------------------------------------------------- the RACI board
RACI_TASKS = ["set_price_strategy", "analyze_win_loss", "write_launch_plan"]


@pytest.fixture
def raci_board() -> RaciBoard:
    return RaciBoard(RACI_TASKS, title="Who decides?")


def test_raci_board_has_a_row_per_task_and_a_picker_per_role_with_the_contract_classes(
    raci_board: RaciBoard,
) -> None:
    assert course_lib.RaciBoard is RaciBoard
    assert "pmc-board" in classes(raci_board)
    assert list(raci_board.cards) == RACI_TASKS
    roles = list(raci_matrix().columns)
    options = ["", "R", "A", "C", "I"]
    for number, task in enumerate(RACI_TASKS, start=1):
        assert classes(raci_board.cards[task]) == {"pmc-card"}
        assert list(raci_board.pickers[task]) == roles
        for picker in raci_board.pickers[task].values():
            assert isinstance(picker, widgets.Dropdown) and "pmc-picker" in classes(picker)
            assert [value for _, value in picker.options] == options
            assert picker.value == "" and picker.description
            assert f"task {number}" in picker.tooltip
        assert "pmc-feedback" in classes(raci_board.feedback_lines[task])
    buttons = [
        raci_board.check_button,
        raci_board.show_answer_button,
        raci_board.reset_button,
        raci_board.code_button,
    ]
    names = ["pmc-check", "pmc-show-answer", "pmc-reset", "pmc-show-code"]
    assert [classes(button) & set(names) for button in buttons] == [{n} for n in names]
    assert "pmc-score" in classes(raci_board.score)
    assert raci_board.answer == {} and raci_board.feedback is None
    parts = [*raci_board.children, *raci_board.children[2].children]  # title, intro, heading
    shown = " ".join(html.unescape(getattr(c, "value", "")) for c in parts)
    assert RACI_KEYBOARD_HINT in shown and "Who decides?" in shown
    assert "Product marketing" in shown and "A: Accountable" in shown  # roles as columns


def test_raci_check_gives_the_rules_first_then_each_cell_and_hides_untouched_rows(
    raci_board: RaciBoard,
) -> None:
    key = course_lib.load_raci()
    raci_board.set_answer(
        {
            "set_price_strategy": {"PM": "A", "PMM": "R", "marcom": "I", "sales": "C"},
            "analyze_win_loss": {"PM": "A", "PMM": "A", "sales": "I"},
        }
    )
    raci_board.check_button.click()
    feedback = raci_board.feedback
    assert feedback is not None and feedback.summary in raci_board.score.value
    assert 'role="alert"' in raci_board.score.value
    right = html.unescape(raci_board.feedback_lines["set_price_strategy"].value)
    assert classes(raci_board.cards["set_price_strategy"]) == {"pmc-card", "pmc-card-correct"}
    assert right.index("Rules: \u2714 one A and at least one R") < right.index("PM: you A")
    for reason in key.loc["set_price_strategy", "reason"]:
        assert reason in right
    wrong = html.unescape(raci_board.feedback_lines["analyze_win_loss"].value)
    assert classes(raci_board.cards["analyze_win_loss"]) == {"pmc-card", "pmc-card-wrong"}
    assert wrong.index("\u2718 2 roles are A") < wrong.index("no R") < wrong.index("PM: you A")
    assert "\u2718 PMM: you A, key R." in wrong and "\u2718 Sales: you I, key C." in wrong
    assert "\u2714 Marcom: you \u2013, key \u2013." in wrong
    untouched = html.unescape(raci_board.feedback_lines["write_launch_plan"].value)
    assert classes(raci_board.cards["write_launch_plan"]) == {
        "pmc-card", "pmc-card-wrong", "pmc-card-unanswered"
    }  # fmt: skip
    assert "not answered yet" in untouched and "key" not in untouched
    for reason in key.loc["write_launch_plan", "reason"]:
        assert reason not in untouched
    raci_board.pickers["analyze_win_loss"]["product_marketing"].value = "R"
    assert raci_board.feedback_lines["analyze_win_loss"].value == ""
    assert "press Check again" in raci_board.score.value
    assert raci_board.feedback_lines["set_price_strategy"].value == right.replace("'", "&#39;")


def test_raci_show_answer_keeps_the_picks_beside_the_key_and_reset_clears(
    raci_board: RaciBoard,
) -> None:
    raci_board.set_answer({"analyze_win_loss": {"PM": "A", "PMM": "R", "sales": "I"}})
    raci_board.show_answer_button.click()
    lines = {t: html.unescape(raci_board.feedback_lines[t].value) for t in RACI_TASKS}
    assert "\u2718 you: A R \u2013 I \u00b7 answer: A R \u2013 C" in lines["analyze_win_loss"]
    assert "you: \u2013 \u2013 \u2013 \u2013 \u00b7 answer: C A R I" in lines["write_launch_plan"]
    for task in RACI_TASKS:
        assert classes(raci_board.cards[task]) == {"pmc-card", "pmc-card-answer"}
    assert raci_board.pickers["analyze_win_loss"]["sales"].value == "I"  # the pick stays
    assert "Answers shown for all 3 tasks" in raci_board.score.value
    start = RaciBoard(RACI_TASKS).score.value
    raci_board.code_button.click()
    raci_board.reset_button.click()
    assert raci_board.answer == {} and raci_board.feedback is None
    assert raci_board.score.value == start and raci_board.code.value == ""
    assert all(raci_board.feedback_lines[t].value == "" for t in RACI_TASKS)


def test_raci_to_code_round_trips_and_feeds_check_raci(raci_board: RaciBoard) -> None:
    assert raci_board.to_code() == "answer = {}"
    raci_board.set_answer({"write_launch_plan": {"PM": "C", "PMM": "A", "marcom": "R"}})
    code = raci_board.to_code("raci")
    namespace: dict[str, object] = {}
    exec(code, namespace)
    assert namespace["raci"] == {
        "write_launch_plan": {
            "product_management": "C", "product_marketing": "A", "marcom": "R", "sales": None
        }
    }  # fmt: skip
    feedback = course_lib.check_raci(namespace["raci"])  # type: ignore[arg-type]
    assert feedback.n_cells_right == 3 and feedback.n_follow_rules == 1
    with pytest.raises(ValueError, match="variable name"):
        raci_board.to_code("2x")


def test_raci_board_refuses_unknown_tasks_roles_and_letters(raci_board: RaciBoard) -> None:
    with pytest.raises(ValueError, match="did you mean 'analyze_win_loss'"):
        RaciBoard(["analyse_win_loss"])
    with pytest.raises(ValueError, match="unknown raci role 'boss'"):
        raci_board.set_answer({"analyze_win_loss": {"boss": "A"}})
    with pytest.raises(ValueError, match="'X' is not a letter"):
        raci_board.set_answer({"analyze_win_loss": {"PM": "X"}})
    with pytest.raises(ValueError, match="not on this board"):
        raci_board.set_answer({"write_business_case": {"PM": "A"}})
    assert raci_board.answer == {}
    assert list(RaciBoard().cards) == list(raci_matrix().index)
