"""The bundled content: vocabularies, the Pragmatic grid, Blackblot and the task catalog."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

import course_lib
from course_lib import ContentError

DATA = Path(course_lib.__file__).parent / "data"
COLUMN_ORDER = ["market", "focus", "business", "planning", "programs", "readiness", "support"]
ARTICLES = {
    "000_401edf7ead788c7e.txt",
    "001_8e1c22e2e9ccc3da.txt",
    "002_14ae32c3b28c7b45.txt",
    "003_65557fe5223f3bed.txt",
    "004_dcc468732dd26dac.txt",
}


@pytest.fixture(scope="module")
def tasks() -> pd.DataFrame:
    return course_lib.load_tasks()


def test_vocabularies_have_the_required_ids() -> None:
    assert {"product_management", "product_marketing", "marcom", "shared"} <= set(
        course_lib.load_vocabulary("roles").index
    )
    assert list(course_lib.load_vocabulary("horizons").index) == ["current", "next", "future"]
    assert list(course_lib.load_vocabulary("corners").index) == [
        "strategy",
        "marketing",
        "technical",
    ]
    blackblot = course_lib.load_blackblot_roles()
    assert set(blackblot.index) == {
        "product_planner",
        "product_marketer",
        "sales_engineer",
        "marcom_manager",
        "director_of_products",
        "product_architect",
    }
    assert not blackblot.at["product_architect", "in_product_management"]
    assert blackblot.drop("product_architect")["in_product_management"].all()


@pytest.mark.parametrize("name", ["roles", "horizons", "corners", "blackblot_roles"])
def test_every_vocabulary_label_has_label_definition_and_aliases(name: str) -> None:
    vocabulary = course_lib.load_vocabulary(name)
    assert (vocabulary["label"].str.len() > 0).all()
    assert (vocabulary["definition"].str.len() > 20).all()
    assert all(isinstance(aliases, list) and aliases for aliases in vocabulary["aliases"])


def test_load_vocabulary_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"unknown vocabulary 'role'.*roles, horizons"):
        course_lib.load_vocabulary("role")
    with pytest.raises(TypeError, match="must be text"):
        course_lib.load_vocabulary(3)  # type: ignore[arg-type]


def test_pragmatic_grid_has_37_boxes_in_7_ordered_columns() -> None:
    grid = course_lib.load_pragmatic_grid()
    columns = course_lib.load_pragmatic_columns()
    assert len(grid) == 37
    assert list(columns.index) == COLUMN_ORDER
    assert list(dict.fromkeys(grid["column"])) == COLUMN_ORDER
    sizes = grid.groupby("column", sort=False).size().to_dict()
    assert sizes == {
        "market": 5, "focus": 4, "business": 5, "planning": 7,
        "programs": 8, "readiness": 4, "support": 4,
    }  # fmt: skip
    assert grid.at["market_problems", "position"] == 1
    assert grid.at["program_effectiveness", "position"] == 8
    assert columns.at["readiness", "name_current"] == "Enablement"


def test_pragmatic_partition_puts_pm_left_and_pmm_right_with_planning_inferred() -> None:
    grid = course_lib.load_pragmatic_grid()
    left = grid[grid["column"].isin(["market", "focus", "business"])]
    right = grid[grid["column"].isin(["programs", "readiness", "support"])]
    planning = grid[grid["column"] == "planning"]
    assert (left["role"] == "product_management").all()
    assert (right["role"] == "product_marketing").all()
    assert (planning["role_basis"] == "inferred").all()
    assert (grid.drop(planning.index)["role_basis"] == "published").all()
    assert set(planning[planning["role"] == "product_marketing"].index) == {
        "positioning",
        "buying_process",
        "buyer_personas",
    }
    assert (left["side"] == "strategic").all() and (right["side"] == "tactical").all()


def test_renamed_boxes_keep_their_2009_and_current_names() -> None:
    grid = course_lib.load_pragmatic_grid()
    renamed_2009 = grid[grid["name"] != grid["name_2009"]]["name_2009"]
    assert set(renamed_2009) == {
        "Technology Assessment",
        "Distinctive Competence",
        "Status Dashboard",
        "Launch Plan",
    }
    assert grid.at["collateral", "name_current"] == "Content"


def test_definition_chain_runs_mrd_prd_spec_with_prd_outside_product_management() -> None:
    chain = course_lib.load_definition_chain()
    assert list(chain["abbreviation"])[:2] == ["MRD", "PRD"]
    assert list(chain["owner"])[:2] == ["product_planner", "product_architect"]
    assert list(chain["in_product_management"]) == [True, False, False]


def test_catalog_has_at_least_45_sourced_and_explained_tasks(tasks: pd.DataFrame) -> None:
    assert len(tasks) >= 45
    assert tasks.index.is_unique
    explanation_columns = [c for c in tasks.columns if c.endswith("_explanation")]
    assert len(explanation_columns) == 4
    for column in ["title", "description", "source", *explanation_columns]:
        assert (tasks[column].str.len() > 0).all(), column
    for column in explanation_columns:
        assert (tasks[column].str.len() >= 40).all(), f"{column} too short to teach"


def test_catalog_covers_every_article_and_both_frameworks(tasks: pd.DataFrame) -> None:
    sources = set(tasks["source"])
    assert sources >= ARTICLES
    assert {"pragmatic_framework", "blackblot_pmtk"} & sources


def test_every_task_label_is_in_its_vocabulary(tasks: pd.DataFrame) -> None:
    roles = set(course_lib.load_vocabulary("roles").index)
    assert set(tasks["pragmatic_role"]) <= roles
    assert set(course_lib.partition(tasks, "blackblot_role")) <= roles
    assert set(tasks["horizon"]) == {"current", "next", "future"}
    assert set(tasks["corner"]) == {"strategy", "marketing", "technical"}
    assert set(tasks["blackblot_owner"]) <= set(course_lib.load_blackblot_roles().index)
    boxes = tasks["pragmatic_box"][tasks["pragmatic_box"] != ""]
    assert set(boxes) <= set(course_lib.load_pragmatic_grid().index)


def test_catalog_spans_the_whole_grid_and_every_role(tasks: pd.DataFrame) -> None:
    grid = course_lib.load_pragmatic_grid()
    boxed = tasks[tasks["pragmatic_box"] != ""]
    assert set(grid.loc[boxed["pragmatic_box"], "column"]) == set(COLUMN_ORDER)
    assert {"product_management", "product_marketing", "marcom", "shared"} <= set(
        tasks["pragmatic_role"]
    )


@pytest.mark.parametrize(
    "words",
    [
        "competi", "business case", "pric", "requirements", "thought leadership|evangel",
        "collateral", "roadmap", "use case", "position", "launch",
    ],
)  # fmt: skip
def test_contested_and_agreed_tasks_of_domain_section_5_are_present(
    tasks: pd.DataFrame, words: str
) -> None:
    text = (tasks["title"] + " " + tasks["description"]).str.lower()
    assert text.str.contains(words).any(), words


def test_frameworks_disagree_on_some_tasks_and_agree_on_others(tasks: pd.DataFrame) -> None:
    pragmatic = course_lib.partition(tasks, "pragmatic_role")
    blackblot = course_lib.partition(tasks, "blackblot_role")
    disagree = (pragmatic != blackblot).sum()
    assert 10 <= disagree < len(tasks) // 2


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _bundled(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_missing_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    text = _bundled("tasks.csv").replace(",corner,", ",korner,", 1)
    path = _write(tmp_path, "tasks.csv", text)
    with pytest.raises(ContentError, match=r"tasks\.csv: line 1 .*'corner'"):
        course_lib.load_tasks(path)


def test_unknown_label_names_file_line_and_column(tmp_path: Path) -> None:
    lines = _bundled("tasks.csv").splitlines()
    header = lines[0].split(",")
    first = lines[1]
    row = next(csv.reader([first]))
    row[header.index("horizon")] = "someday"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    path = _write(tmp_path, "tasks.csv", "\n".join([lines[0], out.getvalue().strip()]) + "\n")
    with pytest.raises(ContentError, match=r"line 2, column 'horizon': unknown value 'someday'"):
        course_lib.load_tasks(path)


def test_duplicate_ids_are_reported_with_both_lines(tmp_path: Path) -> None:
    lines = _bundled("roles.csv").splitlines()
    path = _write(tmp_path, "roles.csv", "\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(
        ContentError, match=r"duplicate id 'product_management' \(first on line 2\)"
    ):
        course_lib.load_vocabulary("roles", path)


def test_empty_required_value_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "corners.csv", "id,label,definition,aliases\nstrategy,,x,y\n")
    with pytest.raises(ContentError, match=r"line 2, column 'label': empty value"):
        course_lib.load_vocabulary("corners", path)


def test_ragged_row_and_bad_id_and_bad_number_are_reported(tmp_path: Path) -> None:
    ragged = _write(tmp_path, "a.csv", "id,label,definition,aliases\nx,a,b,c,d\n")
    with pytest.raises(ContentError, match="line 2 has 5 fields but the header has 4"):
        course_lib.load_vocabulary("corners", ragged)
    bad_id = _write(tmp_path, "b.csv", "id,label,definition,aliases\nNot An Id,a,b,c\n")
    with pytest.raises(ContentError, match="'Not An Id' is not a valid id"):
        course_lib.load_vocabulary("corners", bad_id)
    grid = _bundled("pragmatic_grid.csv").replace(",market,1,", ",market,one,", 1)
    with pytest.raises(ContentError, match="'one' is not a whole number"):
        course_lib.load_pragmatic_grid(_write(tmp_path, "g.csv", grid))


def test_grid_positions_must_not_have_gaps(tmp_path: Path) -> None:
    grid = _bundled("pragmatic_grid.csv").replace(",market,2,", ",market,9,", 1)
    with pytest.raises(ContentError, match="column 'market' has box positions"):
        course_lib.load_pragmatic_grid(_write(tmp_path, "g.csv", grid))


def test_task_role_contradicting_its_box_is_reported(tmp_path: Path) -> None:
    tasks = course_lib.load_tasks()
    boxed = tasks[tasks["pragmatic_role"] == "product_management"]
    boxed = boxed[boxed["pragmatic_box"] != ""]
    task_id = boxed.index[0]
    frame = tasks.reset_index()
    frame.loc[frame["id"] == task_id, "pragmatic_role"] = "product_marketing"
    path = tmp_path / "tasks.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ContentError, match=rf"task '{task_id}'.*contradicts box"):
        course_lib.load_tasks(path)


def test_missing_and_non_utf8_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="no such file"):
        course_lib.load_tasks(tmp_path / "nope.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,label,definition,aliases\nx,caf\xe9,b,c\n".encode("latin-1"))
    with pytest.raises(ContentError, match="not UTF-8"):
        course_lib.load_vocabulary("corners", latin)


def test_loaders_return_independent_copies() -> None:
    first = course_lib.load_tasks()
    first.iloc[0, 0] = "changed"
    assert course_lib.load_tasks().iloc[0, 0] != "changed"


def test_kpis_and_traits_are_validated_content() -> None:
    kpis = course_lib.role_kpis()
    traits = course_lib.role_traits()
    roles = set(course_lib.load_vocabulary("roles").index)
    assert kpis.index.is_unique and set(kpis["role"]) <= roles
    assert set(traits["role"]) <= roles
    assert {"product_management", "product_marketing"} <= set(kpis["role"]) & set(traits["role"])


def test_kpi_with_unknown_role_is_reported(tmp_path: Path) -> None:
    from course_lib._content import _SCHEMAS, _parse

    text = _bundled("kpis.csv").replace(",product_management,", ",product_mgmt,", 1)
    with pytest.raises(ContentError, match=r"kpis\.csv: line 2, column 'role': unknown value"):
        _parse(_SCHEMAS["kpis"], _write(tmp_path, "kpis.csv", text))
