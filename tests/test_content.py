"""The bundled content: vocabularies, the Pragmatic grid, Blackblot and the task catalog."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

import course_lib
from course_lib import ContentError
from course_lib._content import load_sources

DATA = Path(course_lib.__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
COLUMN_ORDER = ["market", "focus", "business", "planning", "programs", "readiness", "support"]


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
    assert (grid.drop(planning.index)["role_basis"] == "reading").all()
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
    sources = load_sources()
    cited = set(tasks["source"])
    assert len(sources.index[sources["kind"] == "article"]) == 5
    assert cited >= set(sources.index[sources["kind"] == "article"])
    assert {"pragmatic-framework", "blackblot-pmtk"} <= cited


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
    from course_lib._content import _SCHEMAS
    from course_lib._schema import parse_table as _parse

    text = _bundled("kpis.csv").replace(",product_management,", ",product_mgmt,", 1)
    with pytest.raises(ContentError, match=r"kpis\.csv: line 2, column 'role': unknown value"):
        _parse(_SCHEMAS["kpis"], _write(tmp_path, "kpis.csv", text))


# --------------------------------------------------------------------------- coverage and sources
def test_every_box_of_the_grid_has_a_task_with_both_assignments_and_explanations(
    tasks: pd.DataFrame,
) -> None:
    grid = course_lib.load_pragmatic_grid()
    explanations = [c for c in tasks.columns if c.endswith("_explanation")]
    blackblot = set(course_lib.load_blackblot_roles().index)
    uncovered = []
    for box in grid.index:
        boxed = tasks[tasks["pragmatic_box"] == box]
        complete = boxed[
            boxed["pragmatic_role"].ne("")
            & boxed["blackblot_owner"].isin(blackblot)
            & (boxed[explanations].apply(lambda column: column.str.len()) >= 40).all(axis=1)
        ]
        if complete.empty:
            uncovered.append(box)
    assert not uncovered, f"boxes without a fully explained task: {uncovered}"


def test_pragmatic_basis_says_whose_call_each_label_is(tasks: pd.DataFrame) -> None:
    grid = course_lib.load_pragmatic_grid()
    kinds = load_sources()["kind"]
    for task, row in tasks.iterrows():
        box, role, basis = row["pragmatic_box"], row["pragmatic_role"], row["pragmatic_basis"]
        if box and role in {grid.at[box, "role"], "marcom"}:
            assert basis == grid.at[box, "role_basis"], task
        else:
            assert basis in {"article", "course"}, task
        if basis == "article":
            assert kinds[row["source"]] == "article", task
    boxless = tasks[tasks["pragmatic_box"] == ""]
    assert set(boxless["pragmatic_basis"]) == {"article", "course"}


# Words that tell a reader which horizon a task serves (lesson 02), one pattern per horizon.
HORIZON_CUES = {
    "current": r"today|on sale|current|existing|in flight|this quarter|\bnow\b|price list|recent",
    "next": r"\bnext\b|upcoming|coming|launch|release|ship",
    "future": r"future|years|long-range|not yet|nobody has started|long run|before committing",
}


def test_every_task_description_signals_its_horizon(tasks: pd.DataFrame) -> None:
    text = (tasks["title"] + " " + tasks["description"]).str.lower()
    silent = [
        task
        for task, horizon in tasks["horizon"].items()
        if not re.search(HORIZON_CUES[horizon], text[task])
    ]
    assert not silent, f"descriptions that do not say which horizon they serve: {silent}"


def _edited_catalog(tmp_path: Path, task: str, **changes: str) -> Path:
    frame = course_lib.load_tasks().reset_index()
    for column, value in changes.items():
        frame.loc[frame["id"] == task, column] = value
    path = tmp_path / "tasks.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_basis_that_does_not_fit_the_box_is_reported(tmp_path: Path) -> None:
    tasks = course_lib.load_tasks()
    boxed = tasks[(tasks["pragmatic_basis"] == "reading")].index[0]
    with pytest.raises(ContentError, match=rf"task '{boxed}'.*marks 'reading'; use that"):
        course_lib.load_tasks(_edited_catalog(tmp_path, boxed, pragmatic_basis="course"))
    boxless = tasks[tasks["pragmatic_box"] == ""].index[0]
    with pytest.raises(ContentError, match=r"no box gives this role.*'article' or 'course'"):
        course_lib.load_tasks(_edited_catalog(tmp_path, boxless, pragmatic_basis="reading"))
    article = tasks[tasks["pragmatic_basis"] == "article"].index[0]
    with pytest.raises(ContentError, match=r"source 'blackblot-pmtk' is a framework"):
        course_lib.load_tasks(_edited_catalog(tmp_path, article, source="blackblot-pmtk"))
    with pytest.raises(ContentError, match=r"column 'pragmatic_basis': unknown value 'published'"):
        course_lib.load_tasks(_edited_catalog(tmp_path, boxed, pragmatic_basis="published"))


def test_every_source_is_a_readable_key_listed_in_docs(tasks: pd.DataFrame) -> None:
    sources = load_sources()
    cited = set(tasks["source"]) | set(course_lib.role_kpis()["source"])
    cited |= set(course_lib.role_traits()["source"])
    assert cited <= set(sources.index)
    assert {"article", "framework"} <= set(sources["kind"])
    listing = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8").replace("*", "").lower()
    for key, source in sources.iterrows():
        assert f"`{key}`" in listing, key
        assert str(source["title"]).split(" (")[0].split(":")[0].lower() in listing, key
    for path in [ROOT / "README.md", *sorted((ROOT / "course").glob("*.ipynb"))]:
        text = path.read_text(encoding="utf-8")
        for key in re.findall(r"\[([a-z0-9]+(?:-[a-z0-9]+)+)\]", text):
            assert key in sources.index, f"{path.name} cites unknown source [{key}]"


def test_unknown_or_unreadable_source_keys_are_reported(tmp_path: Path) -> None:
    task = course_lib.load_tasks().index[0]
    with pytest.raises(ContentError, match=r"column 'source': unknown value 'seed-9'"):
        course_lib.load_tasks(_edited_catalog(tmp_path, task, source="seed-9"))
    text = _bundled("sources.csv").replace("\nprodpad-2022,", "\nProdPad 2022,", 1)
    with pytest.raises(ContentError, match=r"line 3, column 'key': 'ProdPad 2022' is not a read"):
        load_sources(_write(tmp_path, "sources.csv", text))


# Every file a trainee or instructor gets; none may point outside the repository.
SHIPPED = [
    "README.md", "Makefile", "pyproject.toml", "nbgrader_config.py", ".ci", "docs", "course",
    "course_lib", "solutions", "exercises", "scripts", "lab-config", "instructor",
]  # fmt: skip
OUTSIDE = re.compile(
    r"(?<![\w.])/(?:work|home|root|tmp|mnt|opt|srv|Users)/"  # absolute machine paths
    r"|\bshared/|domain\.md"  # the team's notes
    r"|\b\d{3}_[0-9a-f]{16}\b"  # hashed file names of the source articles
)
INTERNAL_NOTES = re.compile(r"in our copy|not confirmed|\bseed \d{3}\b|\[\d{3}\]", re.IGNORECASE)


def _shipped_texts() -> list[tuple[Path, str]]:
    files = []
    for name in SHIPPED:
        top = ROOT / name
        found = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in found:
            suffixes = {".md", ".py", ".csv", ".ipynb", ".j2", ".html", ".toml", ".sh", ".json"}
            readable = path.is_file() and (path.suffix in suffixes or path.parent.name == ".ci")
            readable = readable or path.name == "Makefile"
            skipped = {".ipynb_checkpoints", "__pycache__", "build", "node_modules"}
            if readable and not skipped & set(path.relative_to(ROOT).parts):
                files.append((path, path.read_text(encoding="utf-8")))
    return files


def test_nothing_shipped_points_outside_the_repository() -> None:
    texts = _shipped_texts()
    assert len(texts) > 40
    for path, text in texts:
        where = path.relative_to(ROOT)
        assert not OUTSIDE.search(text), f"{where}: {OUTSIDE.search(text)}"
        for link in re.findall(r"(?:\.\./)+[\w./-]*", text):
            target = (path.parent / link).resolve()
            assert target.is_relative_to(ROOT), f"{where}: {link} leaves the repository"


#: A path of this repository named in backquotes (`docs/grading.md`), no placeholders.
REPOSITORY_PATH = re.compile(
    r"`((?:docs|course|course_lib|solutions|exercises|benchmarks|scripts|lab-config|tests)"
    r"/[\w./-]*\w)`"
)


def test_every_relative_link_in_the_docs_points_at_a_file_of_the_repository() -> None:
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    documents += sorted((ROOT / "course").glob("*.ipynb"))
    links = 0
    for path in documents:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # a web address or mailto:, not a file
            links += 1
            where = path.relative_to(ROOT)
            assert (path.parent / target).exists(), f"{where}: link to missing file {target}"
        for named in re.findall(REPOSITORY_PATH, text):
            links += 1
            where = path.relative_to(ROOT)
            assert (ROOT / named).exists(), f"{where}: names {named}, not in the repository"
    assert links > 15


def test_trainees_see_source_keys_not_internal_notes() -> None:
    lessons = sorted((ROOT / "course").glob("*.ipynb"))
    data = sorted(DATA.glob("*.csv"))
    notebooks = sorted((ROOT / "solutions").rglob("*.ipynb"))
    for path in [*lessons, *data, *notebooks, ROOT / "docs" / "sources.md"]:
        text = path.read_text(encoding="utf-8")
        found = INTERNAL_NOTES.search(text)
        assert not found, f"{path.relative_to(ROOT)}: {found.group(0)!r}"
