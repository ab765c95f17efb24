"""partition and compare_partitions: crosstab, agreement, kappa, disagreements."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from markupsafe import escape

import course_lib
from course_lib import compare_partitions, partition


@pytest.fixture(scope="module")
def tasks() -> pd.DataFrame:
    return course_lib.load_tasks()


@pytest.mark.parametrize(
    "scheme", ["pragmatic_role", "blackblot_role", "blackblot_owner", "horizon", "corner"]
)
def test_partition_labels_every_task(tasks: pd.DataFrame, scheme: str) -> None:
    labels = partition(tasks, scheme)
    assert labels.name == scheme
    assert list(labels.index) == list(tasks.index)
    assert labels.notna().all()


def test_blackblot_role_maps_owners_to_course_roles(tasks: pd.DataFrame) -> None:
    owners = partition(tasks, "blackblot_owner")
    roles = partition(tasks, "blackblot_role")
    mapping = course_lib.load_blackblot_roles()["course_role"]
    for task in tasks.index:
        assert roles[task] == mapping[owners[task]]


def test_partition_rejects_unknown_scheme_and_wrong_input(tasks: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"unknown scheme 'pragmatic'.*pragmatic_role"):
        partition(tasks, "pragmatic")
    with pytest.raises(TypeError, match="must be a DataFrame"):
        partition({"a": 1}, "horizon")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no column 'corner'"):
        partition(tasks.drop(columns="corner"), "corner")


def _series(values: dict[str, object], name: str) -> pd.Series:
    return pd.Series(values, name=name, dtype=object)


def test_compare_counts_agreement_and_kappa_by_hand() -> None:
    a = _series({"t1": "x", "t2": "x", "t3": "y", "t4": "y"}, "a")
    b = _series({"t1": "x", "t2": "y", "t3": "y", "t4": "y"}, "b")
    result = compare_partitions(a, b)
    assert result.agreement == pytest.approx(0.75)
    # p_o = .75, p_e = .5*.25 + .5*.75 = .5, kappa = .25 / .5
    assert result.kappa == pytest.approx(0.5)
    assert result.crosstab.loc["x", "x"] == 1 and result.crosstab.loc["x", "y"] == 1
    assert result.crosstab.to_numpy().sum() == 4
    assert list(result.disagreements["task"]) == ["t2"]
    assert result.disagreements.iloc[0]["explanation"] == "not in the course catalog"


def test_identical_partitions_agree_fully() -> None:
    a = _series({"t1": "x", "t2": "y"}, "a")
    result = compare_partitions(a, a.rename("b"))
    assert result.agreement == 1.0 and result.kappa == 1.0
    assert result.disagreements.empty
    single = _series({"t1": "x"}, "a")
    assert compare_partitions(single, single.rename("b")).kappa == 1.0


def test_tasks_in_only_one_side_are_reported_not_dropped() -> None:
    a = _series({"t1": "x", "t2": "y", "t3": None}, "a")
    b = _series({"t1": "x", "t3": "y", "t4": "z"}, "b")
    result = compare_partitions(a, b)
    assert result.n_compared == 1
    assert result.only_in_a == ["t2"]
    assert sorted(result.only_in_b) == ["t3", "t4"]
    assert "Not compared" in result.summary()


def test_nan_labels_count_as_missing() -> None:
    a = _series({"t1": "x", "t2": float("nan")}, "a")
    b = _series({"t1": "x", "t2": "x"}, "b")
    result = compare_partitions(a, b)
    assert result.only_in_b == ["t2"]


def test_bad_inputs_raise_clear_errors() -> None:
    a = _series({"t1": "x"}, "a")
    with pytest.raises(TypeError, match="must be a pandas Series"):
        compare_partitions({"t1": "x"}, a)  # type: ignore[arg-type]
    dup = pd.Series(["x", "y"], index=["t1", "t1"], name="b")
    with pytest.raises(ValueError, match="'t1' more than once"):
        compare_partitions(a, dup)
    with pytest.raises(TypeError, match="labels must be text"):
        compare_partitions(a, _series({"t1": 3}, "b"))


def test_empty_comparison_has_nan_agreement() -> None:
    result = compare_partitions(_series({}, "a"), _series({}, "b"))
    assert math.isnan(result.agreement) and math.isnan(result.kappa)


def test_pragmatic_versus_blackblot_on_the_catalog(tasks: pd.DataFrame) -> None:
    pragmatic = partition(tasks, "pragmatic_role")
    blackblot = partition(tasks, "blackblot_role")
    result = compare_partitions(pragmatic, blackblot)
    expected_agreement = float((pragmatic == blackblot).mean())
    assert result.agreement == pytest.approx(expected_agreement)
    assert 0 < result.kappa < 1
    assert set(result.disagreements.columns) == {
        "task",
        "pragmatic_role",
        "blackblot_role",
        "explanation",
    }
    row = result.disagreements.iloc[0]
    assert row["explanation"].startswith("Pragmatic: ")
    assert "Blackblot: " in row["explanation"]
    assert tasks.at[row["task"], "blackblot_explanation"] in row["explanation"]
    assert result.crosstab.to_numpy().sum() == len(tasks)
    assert "agree on" in str(result)


def test_same_names_are_told_apart() -> None:
    a = _series({"t1": "x"}, "s")
    result = compare_partitions(a, a)
    assert result.name_a != result.name_b


def test_printed_summary_breaks_between_words_only(tasks: pd.DataFrame) -> None:
    a = partition(tasks, "pragmatic_role")
    b = partition(tasks, "blackblot_role").iloc[:-3]  # three tasks left out: a longer summary
    result = compare_partitions(a, b)
    printed = str(result)
    assert len(result.summary()) > 79
    assert all(len(line) <= 79 for line in printed.splitlines())
    assert printed.split() == result.summary().split()  # every word whole, in order
    assert result._repr_html_() == f"<p>{escape(result.summary())}</p>"
