"""check_sort: per-item, explained feedback that never raises on a bad item."""

from __future__ import annotations

import pandas as pd
import pytest
from markupsafe import escape

import course_lib
from course_lib import check_sort
from course_lib._labels import display_label


@pytest.fixture(scope="module")
def tasks() -> pd.DataFrame:
    return course_lib.load_tasks()


def _pick(tasks: pd.DataFrame, n: int = 4) -> list[str]:
    return list(tasks.index[:n])


def test_correct_and_wrong_answers_are_marked_and_explained(tasks: pd.DataFrame) -> None:
    ids = _pick(tasks)
    key = course_lib.partition(tasks.loc[ids], "horizon")
    wrong = next(label for label in ["current", "next", "future"] if label != key[ids[1]])
    answer = {ids[0]: key[ids[0]], ids[1]: wrong}
    feedback = check_sort(answer, "horizon", tasks=ids)
    table = feedback.table.set_index("task")
    assert list(feedback.table.columns) == [
        "task", "title", "your_answer", "expected", "correct", "explanation",
    ]  # fmt: skip
    assert table.at[ids[0], "correct"]
    assert table.at[ids[0], "explanation"] == tasks.at[ids[0], "horizon_explanation"]
    assert not table.at[ids[1], "correct"]
    # feedback names labels as the board shows them, not by their ids
    expected_label = display_label("horizon", key[ids[1]])
    wrong_label = display_label("horizon", wrong)
    assert table.at[ids[1], "explanation"].startswith(
        f"expected {expected_label}, not {wrong_label}."
    )
    assert table.at[ids[2], "explanation"].startswith("not answered yet")
    assert feedback.n_correct == 1 and feedback.n_total == 4
    assert feedback.score == pytest.approx(0.25)
    assert feedback.summary.startswith("1 of 4 correct (25%)")
    assert "2 not answered yet" in feedback.summary


def test_aliases_are_accepted(tasks: pd.DataFrame) -> None:
    pm_task = tasks.index[tasks["pragmatic_role"] == "product_management"][0]
    pmm_task = tasks.index[tasks["pragmatic_role"] == "product_marketing"][0]
    feedback = check_sort({pm_task: "PM", pmm_task: "Product Marketing Manager"}, "pragmatic_role")
    assert feedback.n_correct == 2 and feedback.n_total == 2


def test_bad_items_each_get_a_row_with_a_message(tasks: pd.DataFrame) -> None:
    ids = _pick(tasks, 3)
    typo = ids[0][:-1] + "x"
    answer: dict[object, object] = {ids[0]: "Product Mgr", ids[1]: 3, typo: "PM", 7: "PM"}
    feedback = check_sort(answer, "pragmatic_role", tasks=ids)  # type: ignore[arg-type]
    table = feedback.table.set_index("task")
    assert "unknown role 'Product Mgr'" in table.at[ids[0], "explanation"]
    assert "did you mean" in table.at[ids[0], "explanation"]
    assert "int (3), not text" in table.at[ids[1], "explanation"]
    assert table.at[ids[2], "explanation"].startswith("not answered yet")
    assert f"unknown task id '{typo}'; did you mean '{ids[0]}'?" in table.at[typo, "explanation"]
    assert "unknown task id 7" in table.at["7", "explanation"]
    assert feedback.n_total == 3 and feedback.n_correct == 0
    assert not feedback.table["correct"].any()


def test_none_blank_and_nan_answers_are_reported(tasks: pd.DataFrame) -> None:
    ids = _pick(tasks, 3)
    answer = {ids[0]: None, ids[1]: float("nan"), ids[2]: "  "}
    feedback = check_sort(answer, "corner", tasks=ids)  # type: ignore[arg-type]
    explanations = feedback.table.set_index("task")["explanation"]
    assert explanations[ids[0]].startswith("not answered yet")  # the released stubs hold None
    assert "float (nan), not text" in explanations[ids[1]]
    assert explanations[ids[2]].startswith("not answered yet")
    assert "2 not answered yet" in feedback.summary


def test_task_outside_the_exercise_is_flagged(tasks: pd.DataFrame) -> None:
    ids = _pick(tasks, 3)
    feedback = check_sort({ids[0]: "current", ids[2]: "next"}, "horizon", tasks=ids[:2])
    row = feedback.table.set_index("task").loc[ids[2]]
    assert row["explanation"] == "this task is not part of this exercise; remove it"
    assert feedback.n_total == 2


def test_without_tasks_only_answered_tasks_are_checked(tasks: pd.DataFrame) -> None:
    task = tasks.index[0]
    feedback = check_sort({task: tasks.at[task, "corner"]}, "corner")
    assert feedback.n_total == 1 and feedback.n_correct == 1


def test_series_answers_and_dataframe_task_sets_work(tasks: pd.DataFrame) -> None:
    subset = tasks.iloc[:3]
    answer = course_lib.partition(subset, "blackblot_owner")
    feedback = check_sort(answer, "blackblot_owner", tasks=subset)
    assert feedback.score == 1.0


def test_wrong_argument_types_raise_clearly(tasks: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="answer must be a dict of task id -> label, not list"):
        check_sort(["PM"], "pragmatic_role")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown scheme"):
        check_sort({}, "roles")
    with pytest.raises(ValueError, match="unknown task id"):
        check_sort({}, "horizon", tasks=["no_such_task"])
    with pytest.raises(TypeError, match="not a single string"):
        check_sort({}, "horizon", tasks=tasks.index[0])


def test_html_rendering_escapes_and_marks(tasks: pd.DataFrame) -> None:
    task = tasks.index[0]
    feedback = check_sort({task: "<b>PM</b>"}, "pragmatic_role")
    page = feedback._repr_html_()
    assert "&lt;b&gt;PM&lt;/b&gt;" in page and "\u2718" in page and "<b>PM</b>" not in page
    assert feedback.summary in page


def test_empty_exercise_scores_zero() -> None:
    feedback = check_sort({}, "horizon", tasks=[])
    assert feedback.score == 0.0 and feedback.n_total == 0


def test_unanswered_items_never_show_their_answer_until_revealed(tasks: pd.DataFrame) -> None:
    ids = list(tasks.index[tasks["pragmatic_role"] == "product_marketing"][:3])
    feedback = check_sort({ids[0]: "PM"}, "pragmatic_role", tasks=ids)
    table = feedback.table.set_index("task")
    for task in ids[1:]:
        assert table.at[task, "expected"] == ""
        assert table.at[task, "explanation"] == (
            "not answered yet; pick one of: Product management, Product marketing, "
            "Marketing communications, Shared, Engineering (outside product management)"
        )
    assert table.at[ids[0], "expected"] == "product_marketing"  # answered: its answer shows
    page = feedback._repr_html_()
    shown, _, hidden = page.partition("<details>")
    assert shown.count("not answered yet") >= 3  # the summary line and two rows
    assert escape(tasks.at[ids[0], "pragmatic_explanation"]) in shown
    for task in ids[1:]:
        assert escape(tasks.at[task, "pragmatic_explanation"]) not in shown
        assert escape(tasks.at[task, "pragmatic_explanation"]) in hidden  # only behind a click
    assert "Show the answers" in hidden

    revealed = feedback.reveal().table.set_index("task")
    assert list(revealed["expected"]) == ["product_marketing"] * 3
    assert revealed.at[ids[1], "explanation"] == tasks.at[ids[1], "pragmatic_explanation"]
    assert "<details>" not in feedback.reveal()._repr_html_()
    assert feedback.reveal().summary == feedback.summary


def test_answer_line_keeps_the_pick_beside_the_answer(tasks: pd.DataFrame) -> None:
    ids = list(tasks.index[tasks["pragmatic_role"] == "product_marketing"][:2])
    feedback = check_sort({ids[0]: "PM"}, "pragmatic_role", tasks=ids)
    assert (
        feedback.answer_line(ids[0]) == "you: Product management \u00b7 answer: Product marketing"
    )
    assert feedback.answer_line(ids[1]) == "you: no answer \u00b7 answer: Product marketing"


def test_fully_answered_feedback_has_no_hidden_section(tasks: pd.DataFrame) -> None:
    task = tasks.index[0]
    page = check_sort({task: "PM"}, "pragmatic_role")._repr_html_()
    assert "<details>" not in page and "not answered yet" not in page
