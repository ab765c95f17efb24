"""The report's score table and the pipeline's progress output, without nbgrader runs."""

from __future__ import annotations

import pandas as pd
import pytest

from course_lib._pipeline.log import GradeOutcome
from course_lib._pipeline.report.scores import score_stats, score_table
from course_lib._pipeline.workers import progress_bar

COLUMNS = ["assignment", "student", "item", "graded_by", "score", "max_score"]


def _scores(rows: list[tuple[str, str, str, str, float, float, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[*COLUMNS, "needs_manual_grade"])


def test_manual_points_are_counted_apart_from_the_autograded_percentage() -> None:
    scores = _scores(
        [
            ("a3", "ann", "test_x", "auto", 6.0, 6.0, False),
            ("a3", "ann", "test_y", "auto", 3.0, 3.0, False),
            ("a3", "ann", "why", "manual", 0.0, 3.0, True),
            ("a3", "bob", "test_x", "auto", 3.0, 6.0, False),
            ("a3", "bob", "test_y", "auto", 0.0, 3.0, False),
            ("a3", "bob", "why", "manual", 2.0, 3.0, False),
        ]
    )
    outcomes = [
        GradeOutcome("a3", "ann", True, "", 1.0),
        GradeOutcome("a3", "bob", True, "", 1.0),
        GradeOutcome("a3", "cy", False, "NotJSONError: broken", 0.1),
    ]
    table = score_table(scores, outcomes).set_index("student")
    assert table.loc["ann", "percent"] == pytest.approx(100.0)  # not 75% before Formgrader
    assert table.loc["ann", "manual_pending"] == 1
    assert table.loc["bob", "percent"] == pytest.approx(100 * 3 / 9)
    assert table.loc["bob", "manual_score"] == 2.0
    assert table.loc["cy", "status"] == "failed: NotJSONError: broken"
    assert table.loc["cy", "auto_score"] == 0.0 and table.loc["cy", "auto_max_score"] == 9.0
    stats = score_stats(score_table(scores, outcomes)).set_index("assignment")
    assert stats.loc["a3", "autograded points"] == 9.0
    assert stats.loc["a3", "manual points"] == 3.0
    assert stats.loc["a3", "hand-graded"] == "1 of 2"  # bob; ann waits; cy was not graded
    assert stats.loc["a3", "mean manual score"] == 2.0


def test_progress_is_plain_lines_when_not_on_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress_bar(20, True, "grading") as bar:
        for _ in range(20):
            bar.update(1)
        bar.write("  failed: ann/a1_roles: reason")
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines == [f"grading: {n}/20 submissions" for n in range(2, 21, 2)]
    assert "\r" not in captured.err  # no bar redrawn over itself in a log file
    assert captured.out == "  failed: ann/a1_roles: reason\n"


def test_progress_can_be_switched_off(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bar(3, False, "report", unit="step") as bar:
        bar.update(3)
    assert capsys.readouterr().err == ""
