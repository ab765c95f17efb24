"""Unit tests of course_lib.grading: format check, keys, hand-over, scoring, and the plugins."""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from course_lib.grading.answers import CodeAnswer, LiteralAnswer, read_literal_answers
from course_lib.grading.check import AnswerFormatError, check_answer, validate_answer
from course_lib.grading.handover import HANDOVER_LIMIT, HANDOVER_MIME, handover_payload
from course_lib.grading.hidden import (
    EXPLANATION_LITERAL,
    FRAMEWORK_LITERALS,
    render_hidden_test,
    render_test_cell,
)
from course_lib.grading.items import assignment_ids, item_spec, load_assignment_specs
from course_lib.grading.keys import read_cell_key, read_keys
from course_lib.grading.received import receive
from course_lib.grading.scoring import judge, score_item, score_sort

ASSIGNMENT_IDS = assignment_ids()

ROOT = Path(__file__).resolve().parents[1]
SPECS = load_assignment_specs()
SOLUTIONS = {a: ROOT / "solutions" / a / f"{a}.ipynb" for a in ASSIGNMENT_IDS}
KEYS = {a: read_keys(path) for a, path in SOLUTIONS.items()}


def _key(assignment: str, item: str) -> Any:
    return KEYS[assignment][item_spec(assignment, item).grade_id].key


def _cells(path: Path) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return cells


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else str(cell["source"])


# --------------------------------------------------------------------------- registry


def test_five_assignments_with_enough_items() -> None:
    assert list(SPECS) == list(ASSIGNMENT_IDS)
    assert len(item_spec("a1_roles", "roles").ids) >= 12
    assert 9 <= len(item_spec("a2_horizons", "horizons").ids) <= 12
    kinds = [item.kind for item in SPECS["a3_frameworks"].items]
    assert kinds.count("manual") == 1 and {"labels", "table", "value", "set"} <= set(kinds)
    raci = item_spec("a5_decision_rights", "raci")
    assert raci.kind == "raci" and len(raci.ids) >= 5
    assert raci.columns == ("product_management", "product_marketing", "marcom", "sales")
    assert [item.kind for item in SPECS["a5_decision_rights"].items].count("manual") == 1
    for spec in SPECS.values():
        assert all(item.points > 0 for item in spec.items)
        assert all(item.grade_id == f"test_{item.item}" for item in spec.items if item.autograded)


def test_item_lookup_accepts_grade_ids_and_names_the_items_when_unknown() -> None:
    assert item_spec("a1_roles", "test_roles") == item_spec("a1_roles", "answer_roles")
    with pytest.raises(ValueError, match="its items are: roles, kpis"):
        item_spec("a1_roles", "role")
    with pytest.raises(ValueError, match="expected one of: a1_roles"):
        item_spec("a9", "roles")


# --------------------------------------------------------------------------- format check


def test_check_answer_reports_a_missing_variable() -> None:
    report = check_answer("a1_roles", "roles")
    assert not report.ok
    assert "`roles_answer` is not defined: run the answer cell above" in report.problems[0]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (["churn_interviews"], "is a list, not a plain dict"),
        (type("Mine", (dict,), {})(), "is a Mine, not a plain dict"),
        ({"churn_interviews": "PM"}, "missing id(s): customer_newsletter, rival_battlecard"),
        ({"nope": "PM"}, "unknown id(s): nope; use only the ids listed"),
        ({"churn_interviews": "Product Mgr"}, "unknown label(s) 'Product Mgr'; expected one of"),
        ({"churn_interviews": 3}, "label(s) of churn_interviews are not text"),
    ],
)
def test_check_answer_names_each_format_problem(answer: object, message: str) -> None:
    report = check_answer("a1_roles", "roles", answer)
    assert not report.ok
    assert any(message in problem for problem in report.problems), report.problems


def test_a_clean_report_says_what_remains_and_never_that_all_passed() -> None:
    ids = item_spec("a1_roles", "roles").ids
    report = check_answer("a1_roles", "roles", dict.fromkeys(ids, "PMM"))  # aliases accepted
    assert report.ok
    text = str(report) + report._repr_html_()
    assert "format OK" in text and "The grader scores this answer" in text
    assert "passed" not in text.casefold()


def test_the_format_check_reveals_nothing_of_the_key() -> None:
    """Two well-formed answers, the key itself and a wrong one, get the very same report."""
    key = _key("a1_roles", "roles")
    wrong = dict.fromkeys(key, "marcom")
    assert str(check_answer("a1_roles", "roles", key)) == str(
        check_answer("a1_roles", "roles", wrong)
    )


def test_check_answer_on_tables_values_and_sets() -> None:
    columns = ["product_management", "product_marketing", "marcom"]
    people = list(item_spec("a4_team_audit", "role_mix").ids)
    good = pd.DataFrame(1 / 3, index=people, columns=columns)
    assert check_answer("a4_team_audit", "role_mix", good).ok
    swapped = good[columns[::-1]]
    assert (
        "expected exactly product_management"
        in check_answer("a4_team_audit", "role_mix", swapped).problems[0]
    )
    holes = good.astype(float)
    holes.iloc[0, 0] = float("nan")
    assert "fillna(0)" in check_answer("a4_team_audit", "role_mix", holes).problems[0]
    assert not check_answer("a3_frameworks", "agreement", "0.6").ok
    assert check_answer("a3_frameworks", "agreement", 0.6).ok
    assert not check_answer("a4_team_audit", "dual_role", "ana").ok
    assert "unknown id(s): zed" in check_answer("a4_team_audit", "dual_role", ["zed"]).problems[0]
    assert check_answer("a3_frameworks", "why_differ").ok


def test_check_answer_never_raises_because_of_the_answer() -> None:
    class Hostile(dict):  # type: ignore[type-arg]
        def __iter__(self) -> Any:
            raise RuntimeError("boom")

    for answer in (None, Hostile(), object(), pd.Series([1, 2]), pd.DataFrame()):
        for assignment, spec in SPECS.items():
            for item in spec.items:
                check_answer(assignment, item.item, answer)


# --------------------------------------------------------------------------- scoring


def test_score_sort_accepts_aliases_and_counts_each_id_once() -> None:
    key = {"a": "product_management", "b": "product_marketing", "c": "shared"}
    result = score_sort({"a": "PM", "b": "product marketer", "c": "PMM", "x": "PM"}, key, "role")
    assert result.correct == {"a": True, "b": True, "c": False}
    assert (result.n_correct, result.n_total, result.fraction) == (2, 3, pytest.approx(2 / 3))


def test_score_sort_grades_plain_data_only() -> None:
    key = {"a": "product_management"}

    class Liar(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    assert score_sort({"a": Liar("nonsense")}, key, "role").n_correct == 0
    assert score_sort(["a"], key, "role").n_correct == 0
    assert score_sort(pd.Series({"a": "PM"}), key, "role").n_correct == 1
    sort = item_spec("a2_horizons", "handoff")
    assert score_item(sort, type("D", (dict,), {})(go_to_market_handoff="next"), {}) == 0


def test_score_item_for_tables_values_and_sets() -> None:
    table = item_spec("a3_frameworks", "crosstab")
    key = {"x": {"a": 1.0, "b": 0.0}, "y": {"a": 2.0, "b": 3.0}}
    assert score_item(table, pd.DataFrame(key).T, key) == table.points
    assert score_item(table, {"x": {"a": 1.0}}, key) == table.points * 2 / 4  # missing = 0
    assert score_item(table, "x", key) == 0
    value = item_spec("a3_frameworks", "agreement")
    assert score_item(value, 0.6152, 0.615385) == value.points
    assert score_item(value, 0.63, 0.615385) == 0
    ids = item_spec("a4_team_audit", "dual_role")
    assert score_item(ids, ["ana", "zed"], ["ana", "dev"]) == ids.points / 3


# --------------------------------------------------------------------------- reading


def test_read_literal_answers_reads_sorts_without_running_them(tmp_path: Path) -> None:
    answers = read_literal_answers(SOLUTIONS["a1_roles"])
    roles = answers["answer_roles"]
    assert isinstance(roles, LiteralAnswer) and roles.readable
    assert roles.value == _key("a1_roles", "roles")
    assert isinstance(
        read_literal_answers(SOLUTIONS["a3_frameworks"])["answer_crosstab"], CodeAnswer
    )
    cells = _cells(SOLUTIONS["a1_roles"])
    sources = {
        "two statements": 'import os\nroles_answer = {"a": "PM"}',
        "not a literal": "roles_answer = dict(a='PM')",
        "broken": "roles_answer = {",
        "other name": "answer = {}",
    }
    for reason, source in sources.items():
        changed = [dict(cell) for cell in cells]
        for cell in changed:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == "answer_roles":
                cell["source"] = source
        path = tmp_path / "a1_roles.ipynb"
        path.write_text(json.dumps({"cells": changed}))
        read = read_literal_answers(path)["answer_roles"]
        assert isinstance(read, LiteralAnswer) and not read.readable, reason
        assert read.problem


def test_read_keys_reads_each_key_from_its_test_cell() -> None:
    assert set(KEYS["a1_roles"]) == {"test_roles", "test_kpis"}
    assert set(_key("a1_roles", "roles")) == set(item_spec("a1_roles", "roles").ids)
    # Tolerances live in the items file, once; the hidden regions carry keys only.
    assert item_spec("a3_frameworks", "agreement").tolerance == 0.005
    assert all(key.tolerance is None for keys in KEYS.values() for key in keys.values())
    with pytest.raises(ValueError, match="has no ### BEGIN HIDDEN TESTS region"):
        read_cell_key("test_x", "validate_answer('a1_roles', 'roles')")
    with pytest.raises(ValueError, match="lacks a literal _KEY"):
        read_cell_key("test_x", "### BEGIN HIDDEN TESTS\n_KEY = dict(a=1)\n### END HIDDEN TESTS")


# --------------------------------------------------------------------------- hidden tests


def _hidden_regions() -> list[tuple[str, str, str]]:
    found = []
    for assignment, path in SOLUTIONS.items():
        for cell in _cells(path):
            nbgrader = cell["metadata"].get("nbgrader", {})
            if nbgrader.get("grade") and not nbgrader.get("solution"):
                source = _source(cell)
                region = "### BEGIN HIDDEN TESTS" + source.split("### BEGIN HIDDEN TESTS", 1)[1]
                found.append((assignment, nbgrader["grade_id"], region))
    return found


HIDDEN = _hidden_regions()


def _ruff_format(code: str) -> str:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "format", "--stdin-filename", "cell.py", "-"],
        input=code,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return result.stdout


def _framework_entries(region: str, literal: str) -> dict[str, tuple[str, str]]:
    """``{task: (label, reason)}`` of a framework literal in a hidden region (from the text:
    the reasons are comments, which ``read_keys`` does not see)."""
    block = region.split(f"\n{literal} = {{\n", 1)[1].split("\n}\n", 1)[0]
    entries = {}
    for line in block.splitlines():
        code, _, reason = line.partition("  # ")
        task, label = ast.literal_eval("{" + code + "}").popitem()
        entries[task] = (label, reason)
    return entries


def _frameworks(region: str) -> dict[str, dict[str, tuple[str, str]]]:
    return {
        name: _framework_entries(region, literal)
        for name, literal in FRAMEWORK_LITERALS.items()
        if f"\n{literal} = {{" in region
    }


def test_every_test_cell_is_the_shared_template_with_its_own_key() -> None:
    assert len(HIDDEN) == sum(
        1 for spec in SPECS.values() for item in spec.items if item.autograded
    )
    for assignment, grade_id, region in HIDDEN:
        spec = item_spec(assignment, grade_id)
        key = KEYS[assignment][grade_id]
        source = next(
            _source(cell)
            for cell in _cells(SOLUTIONS[assignment])
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
        )
        rendered = render_test_cell(
            spec, key.key, frameworks=_frameworks(region), explanations=key.explanations or None
        )
        assert _ruff_format(source) == _ruff_format(rendered), grade_id


def test_hidden_regions_are_inert_literals_only() -> None:
    """Nothing in a hidden region runs: each statement assigns one literal to a constant."""
    for _, grade_id, region in HIDDEN:
        body = ast.parse(region).body
        assert body, grade_id
        for node in body:
            assert isinstance(node, ast.Assign), (grade_id, ast.dump(node)[:80])
            assert [target.id for target in node.targets if isinstance(target, ast.Name)]
            ast.literal_eval(node.value)
        assert "_SECRET" not in region and "import" not in region, grade_id


def test_every_graded_sort_explains_each_expected_label_in_its_hidden_test() -> None:
    """``_EXPLAIN`` gives the instructor the reason for every task of every sort key."""
    sorts = [(a, item) for a, spec in SPECS.items() for item in spec.items if item.kind == "sort"]
    assert {(a, item.item) for a, item in sorts} == {
        ("a1_roles", "roles"), ("a1_roles", "kpis"), ("a2_horizons", "horizons"),
        ("a2_horizons", "coverage"), ("a2_horizons", "handoff"),
        ("a5_decision_rights", "blackblot_accountable"),
    }  # fmt: skip
    for assignment, item in sorts:
        key = KEYS[assignment][item.grade_id]
        assert list(key.explanations) == list(key.key), item.grade_id
        assert EXPLANATION_LITERAL not in key.extra
        for task, text in key.explanations.items():
            assert 40 <= len(text) <= 260 and text.endswith("."), (task, text)
            assert text.count(". ") <= 1, f"{task}: one or two sentences, got {text!r}"
        assert len(set(key.explanations.values())) == len(key.key), "one reason per task"
    for assignment, spec in SPECS.items():  # computed items carry none
        for item in spec.items:
            if item.autograded and item.kind not in ("sort", "raci"):
                assert KEYS[assignment][item.grade_id].explanations == {}, item.grade_id
    roles = KEYS["a1_roles"]["test_roles"].explanations
    for task in ("joint_roadmap_review", "conference_keynote"):  # the frameworks split these
        assert "Blackblot" in roles[task] and "disagree" in roles[task], roles[task]
    handoff = KEYS["a2_horizons"]["test_handoff"].explanations["go_to_market_handoff"]
    assert "hand-off" in handoff and "overlap" in handoff


def test_explanations_are_rendered_only_for_sorts_and_checked() -> None:
    key = {"t1": "product_management", "t2": "marcom"}
    common: dict[str, Any] = dict(item="x", key=key)
    why = {"t1": "Listens to the market.", "t2": "Marcom executes the campaign."}
    region = render_hidden_test(kind="sort", label_kind="role", explanations=why, **common)
    assert '\n_EXPLAIN = {\n    "t1": "Listens to the market.",\n' in region
    assert region.index("\n_KEY = {") < region.index("\n_EXPLAIN = {")
    with pytest.raises(ValueError, match="exactly the key's tasks, in the key's order"):
        render_hidden_test(kind="sort", label_kind="role", explanations={"t1": "x."}, **common)
    with pytest.raises(ValueError, match="exactly the key's tasks"):
        render_hidden_test(
            kind="sort", label_kind="role", explanations={"t2": why["t2"], "t1": why["t1"]},
            **common,
        )  # fmt: skip
    for bad in ("", "   ", "two\nlines", 3):
        with pytest.raises(ValueError, match=r"_EXPLAIN\['t2'\] must be one or two sentences"):
            render_hidden_test(
                kind="sort", label_kind="role", explanations={**why, "t2": bad}, **common
            )
    with pytest.raises(ValueError, match="explanations need a sort or RACI item"):
        render_hidden_test(kind="labels", label_kind="role", explanations=why, **common)


def test_read_keys_rejects_an_explanation_that_is_not_task_to_text(tmp_path: Path) -> None:
    cells = _cells(SOLUTIONS["a2_horizons"])
    for cell in cells:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_handoff":
            cell["source"] = _source(cell).replace(
                '_EXPLAIN = {\n    "go_to_market_handoff": "', '_EXPLAIN = {\n    "x": 1, "y": "'
            )
    path = tmp_path / "a2_horizons.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    with pytest.raises(ValueError, match="_EXPLAIN of 'test_handoff' must be a literal dict"):
        read_keys(path)


def test_a1_roles_carries_both_framework_partitions_with_a_reason_per_task() -> None:
    """The report compares the cohort with Pragmatic and Blackblot on the graded tasks."""
    region = next(r for a, g, r in HIDDEN if (a, g) == ("a1_roles", "test_roles"))
    key = KEYS["a1_roles"]["test_roles"]
    frameworks = _frameworks(region)
    assert set(frameworks) == {"Pragmatic", "Blackblot"}
    for name, entries in frameworks.items():
        literal = key.extra[FRAMEWORK_LITERALS[name]]
        assert literal == {task: label for task, (label, _) in entries.items()}
        assert list(literal) == list(key.key)
        assert set(literal.values()) <= {"product_management", "product_marketing", "marcom",
                                         "shared", "engineering"}  # fmt: skip
        assert all(len(reason) > 10 for _, reason in entries.values()), name
    pragmatic, blackblot = (key.extra[FRAMEWORK_LITERALS[n]] for n in ("Pragmatic", "Blackblot"))
    differ = {task for task in key.key if pragmatic[task] != blackblot[task]}
    assert differ >= {"joint_roadmap_review", "conference_keynote"}
    for task in differ:  # each disagreement says so next to its entry
        assert "differs" in frameworks["Pragmatic"][task][1] + frameworks["Blackblot"][task][1]
    assert "Product Planner" in frameworks["Blackblot"]["joint_roadmap_review"][1]


def test_framework_labels_are_rendered_only_for_sorts_and_checked() -> None:
    key = {"t1": "product_management", "t2": "marcom"}
    common: dict[str, Any] = dict(item="x", key=key)
    good = {"t1": ("product_marketing", "outbound"), "t2": ("marcom", "executes")}
    region = render_hidden_test(
        kind="sort", label_kind="role", frameworks={"Blackblot": good}, **common
    )
    assert '\n_BLACKBLOT = {\n    "t1": "product_marketing",  # outbound\n' in region
    assert _frameworks(region) == {"Blackblot": good}
    with pytest.raises(ValueError, match="exactly the key's tasks"):
        render_hidden_test(
            kind="sort", label_kind="role", frameworks={"Pragmatic": {"t1": good["t1"]}}, **common
        )
    with pytest.raises(ValueError, match="expected one of: product_management"):
        bad = {**good, "t2": ("marketing", "no such label")}
        render_hidden_test(kind="sort", label_kind="role", frameworks={"Pragmatic": bad}, **common)
    with pytest.raises(ValueError, match="need a sort item"):
        render_hidden_test(kind="set", frameworks={"Pragmatic": good}, **common)


# --------------------------------------------------------------------------- hand-over


_ABSENT = object()


class _Always(dict):  # type: ignore[type-arg]
    """The measured cheat: lookups and comparisons always match."""

    def __getitem__(self, key: object) -> Any:
        return _Anything()

    def get(self, key: object, default: object = None) -> Any:
        return _Anything()

    def __eq__(self, other: object) -> bool:
        return True

    def __contains__(self, key: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


class _Anything(str):
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


def _answers_for(kind: str, key: Any) -> list[Any]:
    """Right, partly right, blank, wrong-type and cheating answers for an item's key."""
    if kind in ("sort", "labels"):
        half = {task: label if i % 2 else "shared" for i, (task, label) in enumerate(key.items())}
        aliased = {task: label.replace("_", " ").upper() for task, label in key.items()}
        found = [key, half, aliased, dict.fromkeys(key), [*key], _Always(key), {1: 2}, "x"]
        if kind == "labels":
            found.append(pd.Series(half))
        return found
    if kind == "table":
        frame = pd.DataFrame(key).T
        off = frame + 0.5
        return [frame, off, key, frame.iloc[:1], _Always(key), "x", None]
    if kind == "value":
        return [key, key + 0.1, pd.Series([key]).mean(), "0.6", None, True]
    if kind == "raci":
        short = {"product_management": "PM", "product_marketing": "pmm", "marcom": "MarCom"}
        aliased = {
            task: {short.get(role, role): letter.lower() or None for role, letter in row.items()}
            for task, row in key.items()
        }
        half = {
            task: row if i % 2 else dict.fromkeys(row) for i, (task, row) in enumerate(key.items())
        }
        swapped = {
            task: {role: {"A": "R", "R": "A"}.get(letter, letter) for role, letter in row.items()}
            for task, row in key.items()
        }
        cheat = {task: {role: _Anything("A") for role in row} for task, row in key.items()}
        return [key, aliased, half, swapped, cheat, _Always(key), [*key], {1: 2}, "x"]
    return [key, key[:1], [*key, "zed"], tuple(key), pd.Index(key), _Anything("x"), 3]


def _outputs(*payloads: dict[str, Any]) -> list[dict[str, Any]]:
    """Test-cell outputs as the grader reads them: plain JSON, as they come from a kernel."""
    outputs = [
        {"output_type": "display_data", "metadata": {}, "data": {HANDOVER_MIME: payload}}
        for payload in payloads
    ]
    loaded: list[dict[str, Any]] = json.loads(json.dumps(outputs))
    return loaded


def _graded(spec: Any, answer: Any, key: Any) -> float:
    """Hand ``answer`` over as the kernel would, receive it as the grader does, score it."""
    namespace = {} if answer is _ABSENT else {spec.answer_variable: answer}
    received = receive(
        spec, _outputs(handover_payload(spec.grade_id, spec.answer_variable, namespace))
    )
    if not received.scorable:
        return 0.0
    return spec.points * judge(spec, received.answer, key).fraction


def test_handed_over_answers_score_as_the_plain_answers_do() -> None:
    """Exact-typed answers score as ``score_item`` scores them; cheats and wrong types get 0."""
    for assignment, grade_id, _ in HIDDEN:
        spec = item_spec(assignment, grade_id)
        key = KEYS[assignment][grade_id].key
        for answer in [*_answers_for(spec.kind, key), _ABSENT]:
            expected = 0.0 if answer is _ABSENT else score_item(spec, answer, key)
            if isinstance(answer, (_Always, _Anything)):
                expected = 0.0
            assert _graded(spec, answer, key) == pytest.approx(expected), (grade_id, answer)
        assert _graded(spec, key, key) == pytest.approx(spec.points), grade_id


def test_the_handover_carries_plain_data_only() -> None:
    spec = item_spec("a1_roles", "roles")
    payload = handover_payload(spec.grade_id, "x", {"x": _Always({"a": "PM"})})
    assert payload["type"] == "_Always" and payload["shape"] == "other" and "data" not in payload
    payload = handover_payload(spec.grade_id, "x", {"x": {"a": _Anything("PM"), "b": None}})
    assert payload["shape"] == "unconvertible"  # a str subclass is not text
    frame = pd.DataFrame({"pm": [0.5, float("nan")]}, index=["ana", "bo"])
    payload = handover_payload("t", "x", {"x": frame})
    assert payload["data"] == {"ana": {"pm": 0.5}, "bo": {"pm": None}}
    assert json.loads(json.dumps(payload)) == payload
    huge = {f"task_{i}": "x" * 100 for i in range(HANDOVER_LIMIT // 50)}
    assert handover_payload("t", "x", {"x": huge})["shape"] == "too_large"
    assert handover_payload("t", "x", {}) == {"grade_id": "t", "variable": "x", "defined": False}


def test_receive_takes_exactly_one_well_formed_handover_for_its_own_test() -> None:
    spec = item_spec("a1_roles", "roles")
    good = handover_payload(spec.grade_id, spec.answer_variable, {spec.answer_variable: {"a": "x"}})
    assert receive(spec, _outputs(good)).scorable
    assert receive(spec, []).status == "missing"
    other = dict(good, grade_id="test_kpis")
    assert receive(spec, _outputs(other)).status == "missing"  # another test's answer
    assert receive(spec, _outputs(good, good)).status == "repeated"
    forged_type = dict(good, type="Series")  # a mapping only ever comes from an exact dict
    assert receive(spec, _outputs(forged_type)).status == "malformed"
    for broken in (
        dict(good, data=[1, 2]),
        dict(good, data={"a": {"b": {"c": "d"}}}),
        dict(good, shape="series", index=["a"], data=["x", "y"]),
        dict(good, shape="nonsense"),
    ):
        assert receive(spec, _outputs(broken)).status == "malformed", broken
    missing = receive(spec, _outputs(handover_payload(spec.grade_id, "roles_answer", {})))
    assert missing.status == "not_defined" and "time limit" in missing.note


def test_judge_explains_without_giving_the_key_away() -> None:
    spec = item_spec("a1_roles", "roles")
    key = _key("a1_roles", "roles")
    wrong = dict.fromkeys(key, "marcom")
    judgement = judge(spec, {**wrong, next(iter(key)): "Product Mgr"}, key)
    assert judgement.notes[0] == "1 label(s) are not known labels"
    assert judgement.notes[-1].endswith(f"of {len(key)} labelled right")
    assert not any(label in " ".join(judgement.notes) for label in set(key.values()))
    assert (
        judge(spec, ["x"], key).notes[0] == "`roles_answer` is a list, not a plain dict: scored 0"
    )


def test_validate_answer_fails_on_blank_or_malformed_and_passes_on_any_well_formed() -> None:
    ids = item_spec("a1_roles", "roles").ids
    namespace = __import__("__main__").__dict__
    try:
        namespace["roles_answer"] = dict.fromkeys(ids)
        with pytest.raises(AnswerFormatError, match="not answered yet"):
            validate_answer("a1_roles", "roles")
        namespace["roles_answer"] = {**dict.fromkeys(ids), ids[0]: "PM Typo"}
        with pytest.raises(AnswerFormatError, match="unknown label"):
            validate_answer("a1_roles", "roles")
        namespace["roles_answer"] = {**dict.fromkeys(ids), ids[0]: "PM"}  # partial: passes
        report = validate_answer("a1_roles", "roles")
        assert report.ok and "Not answered yet" in report.summary and ids[1] in report.summary
        namespace["roles_answer"] = dict.fromkeys(ids, "marcom")  # wrong, well formed: passes
        assert validate_answer("a1_roles", "roles").ok
    finally:
        namespace.pop("roles_answer", None)
    with pytest.raises(AnswerFormatError, match="not defined"):
        validate_answer("a3_frameworks", "crosstab")


# --------------------------------------------------------------------------- plugins


def test_sort_stub_replaces_labels_and_keeps_comments() -> None:
    from course_lib.nbgrader_plugins import sort_stub

    lines = ["x = {", '    "a": "PM",  # first task', "    # a comment", '    "b": None,', "}"]
    assert sort_stub(lines) == ["x = {", '    "a": None,  # first task', "    # a comment",
                                '    "b": None,', "}"]  # fmt: skip
    assert sort_stub(["x = compute()"]) is None
    assert sort_stub(["x = {", '    "a": f(),', "}"]) is None


def test_released_sort_answers_are_none_dicts_of_every_id() -> None:
    for assignment, spec in SPECS.items():
        release = read_literal_answers(ROOT / "exercises" / assignment / f"{assignment}.ipynb")
        for item in spec.items:
            if item.kind == "sort":
                answer = release[item.answer_grade_id]
                assert isinstance(answer, LiteralAnswer) and answer.readable
                assert answer.value == dict.fromkeys(item.ids)


def test_stub_order_reveals_nothing_of_the_key() -> None:
    """Ids are listed in a hash order, never grouped by their answer.

    A stub listing four product-management tasks, then five product-marketing ones, ... gives
    the key away to anyone who notices the runs; so does the order of ids in the items file.
    """
    for assignment, spec in SPECS.items():
        release = read_literal_answers(ROOT / "exercises" / assignment / f"{assignment}.ipynb")
        for item in spec.items:
            if item.kind != "sort" or len(item.ids) < 4:
                continue
            hashed = sorted(item.ids, key=lambda i: hashlib.sha256(f"pmc{i}".encode()).hexdigest())
            assert list(item.ids) == hashed, item.grade_id
            stub = release[item.answer_grade_id]
            assert isinstance(stub, LiteralAnswer) and list(stub.value) == hashed
            key = KEYS[assignment][item.grade_id].key
            labels = [key[task] for task in hashed]
            runs = 1 + sum(a != b for a, b in itertools.pairwise(labels))
            assert runs > len(set(labels)), f"{item.grade_id} stub is grouped by answer"


def test_named_timeout_names_the_cell() -> None:
    from nbformat import from_dict

    from course_lib.nbgrader_plugins import NamedTimeoutExecute

    executor = NamedTimeoutExecute(timeout=7)
    cell = from_dict(
        {
            "cell_type": "code",
            "metadata": {"nbgrader": {"grade_id": "answer_roles"}},
            "outputs": [],
            "source": "while True: pass",
        }
    )
    reply = {
        "content": {"status": "error", "ename": "CellTimeoutError", "evalue": "", "traceback": []}
    }
    executor.on_cell_executed(cell=cell, execute_reply=reply)
    [error] = cell.outputs
    assert error.evalue == (
        "cell 'answer_roles' ran longer than 7 s and was stopped; the cells after it still ran"
    )


def test_load_settings_reads_the_repository_config(tmp_path: Path) -> None:
    from course_lib._pipeline.errors import PipelineError
    from course_lib._pipeline.settings import load_settings

    config = load_settings(ROOT).config
    assert config.CourseDirectory.root == str(ROOT)
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "exercises"
    assert config.CourseDirectory.course_id == "pm-vs-pmm"
    assert config.OverwriteCells.add_missing_cells is True
    assert 10 <= config.Execute.timeout <= 20
    names = [cls.__name__ for cls in config.Autograde.sanitize_preprocessors]
    assert names.index("RepairGradeCells") < names.index("DeduplicateIds")
    with pytest.raises(PipelineError, match=r"no nbgrader_config\.py"):
        load_settings(tmp_path)


def test_configured_ignore_pattern_drops_known_stderr_noise_only() -> None:
    from nbformat import from_dict
    from nbgrader.preprocessors import IgnorePattern

    from course_lib._pipeline.settings import load_settings

    ignore = IgnorePattern(config=load_settings(ROOT).config)
    noise = "/x.py:3: FutureWarning: The default of observed=False is deprecated\n"
    cell = from_dict(
        {
            "cell_type": "code",
            "metadata": {},
            "source": "",
            "outputs": [
                {"output_type": "stream", "name": "stderr", "text": noise},
                {"output_type": "stream", "name": "stderr", "text": "MyError: real problem\n"},
                {"output_type": "stream", "name": "stdout", "text": "FutureWarning in stdout\n"},
            ],
        }
    )
    cleaned, _ = ignore.preprocess_cell(cell, {}, 0)
    assert [output["text"] for output in cleaned.outputs] == [
        "MyError: real problem\n",
        "FutureWarning in stdout\n",
    ]


# --------------------------------------------------------------------------- RACI items


def _raci_key() -> dict[str, dict[str, str]]:
    key: dict[str, dict[str, str]] = _key("a5_decision_rights", "raci")
    return key


def _blank_raci() -> dict[str, dict[str, None]]:
    return {task: {"PM": None, "PMM": None, "marcom": None, "sales": None} for task in _raci_key()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rival_discount_bands": ["A"]}, "the row of rival_discount_bands is a list"),
        ({"nope": {"PM": "A"}}, "unknown task(s): nope"),
        ({"webinar_series": {"boss": "A"}}, "webinar_series: unknown role(s) 'boss'"),
        ({"webinar_series": {"PM": "A/R"}}, "the cell(s) of product_management hold no single"),
        ({"webinar_series": {"PM": 1}}, "the cell(s) of product_management hold no single"),
        ({"webinar_series": {"PM": "A", "product_management": "R"}}, "a role is written twice"),
    ],
)
def test_raci_format_check_names_each_problem(change: dict[str, Any], message: str) -> None:
    report = check_answer("a5_decision_rights", "raci", {**_blank_raci(), **change})
    assert not report.ok
    assert any(message in problem for problem in report.problems), report.problems
    missing = _blank_raci()
    missing.pop("webinar_series")
    report = check_answer("a5_decision_rights", "raci", missing)
    assert "missing task(s): webinar_series; keep every task" in report.problems[0]


def test_raci_validate_fails_blank_and_malformed_and_passes_partial_and_wrong() -> None:
    namespace = __import__("__main__").__dict__
    try:
        namespace["raci_answer"] = _blank_raci()
        with pytest.raises(AnswerFormatError, match=r"\[raci\] not answered yet"):
            validate_answer("a5_decision_rights", "raci")
        namespace["raci_answer"] = {**_blank_raci(), "webinar_series": {"PM": "Z"}}
        with pytest.raises(AnswerFormatError, match="hold no single letter"):
            validate_answer("a5_decision_rights", "raci")
        partial = {**_blank_raci(), "webinar_series": {"PM": "A", "PMM": "A"}}  # breaks a rule
        namespace["raci_answer"] = partial
        report = validate_answer("a5_decision_rights", "raci")
        assert report.ok and "Not answered yet: rival_discount_bands" in report.summary
        assert "webinar_series" not in report.summary
        key = _raci_key()
        wrong = {task: {role: "I" for role in row} for task, row in key.items()}
        assert str(check_answer("a5_decision_rights", "raci", key)) == str(
            check_answer("a5_decision_rights", "raci", wrong)
        )  # the format check tells right from wrong in no way
    finally:
        namespace.pop("raci_answer", None)


def test_raci_judge_scores_the_rules_then_the_cells_without_naming_the_key() -> None:
    from course_lib.grading.scoring import RACI_RULES_SHARE

    spec = item_spec("a5_decision_rights", "raci")
    key = _raci_key()
    tasks, cells = len(key), sum(len(row) for row in key.values())
    assert judge(spec, key, key).fraction == pytest.approx(1.0)
    assert judge(spec, _blank_raci(), key).fraction == 0.0
    # every A and R swapped: a row with two R's now has two A's; the swapped cells are wrong
    swapped = {
        task: {role: {"A": "R", "R": "A"}.get(letter, letter) for role, letter in row.items()}
        for task, row in key.items()
    }
    moved = sum(letter in ("A", "R") for row in key.values() for letter in row.values())
    follow = sum(list(row.values()).count("A") == 1 for row in swapped.values())
    assert 0 < follow < tasks
    judgement = judge(spec, swapped, key)
    expected = RACI_RULES_SHARE * follow / tasks + (1 - RACI_RULES_SHARE) * (cells - moved) / cells
    assert judgement.fraction == pytest.approx(expected)
    assert judgement.notes == (
        f"{follow} of {tasks} tasks follow the rules (one A, at least one R)",
        f"{cells - moved} of {cells} cells agree with the key",
    )
    # one row answered with two A's: no rule point, its right cells count
    first = next(iter(key))
    one = {**_blank_raci(), first: {role: "A" for role in key[first]}}
    right = sum(letter == "A" for letter in key[first].values())
    judgement = judge(spec, one, key)
    assert judgement.fraction == pytest.approx((1 - RACI_RULES_SHARE) * right / cells)
    assert judgement.notes[-1] == f"{tasks - 1} task(s) not answered"
    # the notes are counts: an answer with other wrong cells but the same counts reads the same
    text = " ".join(judgement.notes)
    assert not any(role in text for role in spec.columns) and "PMM" not in text
    assert judge(spec, ["x"], key).notes[0].startswith("`raci_answer` is a list, not a plain")


def test_a_raci_key_that_breaks_its_own_rules_is_refused() -> None:
    spec = item_spec("a5_decision_rights", "raci")
    key = _raci_key()
    first = next(iter(key))
    two_as = {**key, first: dict.fromkeys(key[first], "A")}
    with pytest.raises(ValueError, match=rf"row '{first}' is not a valid RACI row: 4 roles are A"):
        render_test_cell(spec, two_as)
    with pytest.raises(ValueError, match="must map exactly the roles product_management"):
        render_test_cell(spec, {**key, first: {"product_management": "A"}})
    with pytest.raises(ValueError, match=r"in the order of assignment_items\.csv"):
        render_test_cell(spec, dict(reversed(list(key.items()))))
    with pytest.raises(ValueError, match=r"'X' is not R, A, C, I or empty"):
        render_test_cell(spec, {**key, first: {**key[first], "sales": "X"}})


def test_raci_rows_are_released_as_none_cells_of_every_task_and_role() -> None:
    from course_lib.nbgrader_plugins import sort_stub

    row = '    "t": {"PM": "A", "PMM": "R", "marcom": None, "sales": "C"},  # t'
    blank = '    "t": {"PM": None, "PMM": None, "marcom": None, "sales": None},  # t'
    assert sort_stub(["x = {", "    # Title", row, "}"]) == ["x = {", "    # Title", blank, "}"]
    assert sort_stub(["x = {", '    "t": {"PM": f()},', "}"]) is None
    release = read_literal_answers(
        ROOT / "exercises" / "a5_decision_rights" / "a5_decision_rights.ipynb"
    )
    spec = item_spec("a5_decision_rights", "raci")
    stub = release[spec.answer_grade_id]
    assert isinstance(stub, CodeAnswer)  # read by running it: the grader only sees the hand-over
    namespace: dict[str, Any] = {}
    exec(stub.source, namespace)
    assert namespace["raci_answer"] == {
        task: {"PM": None, "PMM": None, "marcom": None, "sales": None} for task in spec.ids
    }
