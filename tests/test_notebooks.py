"""The lessons in ``course/``: their structure, clean storage, and a real run in a fresh kernel.

Every lesson is executed top to bottom by nbclient with ``course/`` as working directory, as a
trainee would run it; a lesson fails on any error output and on anything written to stderr
(a warning counts: a trainee would see it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
LESSONS = sorted(COURSE.glob("[0-9][0-9]_*.ipynb"))
STORED_NOTEBOOKS = sorted(
    path
    for folder in ("course", "solutions")
    for path in (ROOT / folder).glob("**/*.ipynb")
    if ".ipynb_checkpoints" not in path.parts
)
CELL_TIMEOUT = 120  # seconds per cell; lessons take a second or two each
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IMPORTS_COURSE_LIB = re.compile(r"^\s*(from course_lib(\.\w+)* import |import course_lib\b)", re.M)
PRACTICE_CALL = re.compile(r"\b(SortingBoard|check_sort|RaciBoard|check_raci)\(")
PLOT_CALL = re.compile(r"^\s*plot_\w+\(.*\)\s*$")
MAX_CODE_LINES = 15


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def _lesson_id(path: Path) -> str:
    return path.stem


def _code(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _first_line(cell: Any) -> str:
    lines = str(cell.source).strip().splitlines()
    return lines[0].strip() if lines else ""


def test_lessons_are_numbered_00_to_08_in_teaching_order() -> None:
    numbers = [path.name[:2] for path in LESSONS]
    assert numbers == [f"{n:02d}" for n in range(9)], [path.name for path in LESSONS]
    assert LESSONS[-1].name == "08_decision_rights.ipynb"
    assert LESSONS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize(
    "path", STORED_NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in STORED_NOTEBOOKS]
)
def test_notebook_is_stored_without_outputs_or_execution_counts(path: Path) -> None:
    dirty = [
        index
        for index, cell in enumerate(_read(path).cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.relative_to(ROOT)}: cells {dirty} carry outputs or execution counts; "
        "clear them (Edit > Clear Outputs of All Cells, or nbstripout) before committing"
    )


@pytest.mark.parametrize("path", LESSONS, ids=_lesson_id)
def test_lesson_has_title_objectives_and_recap(path: Path) -> None:
    notebook = _read(path)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and _first_line(cells[0]).startswith("# ")
    objectives = [
        index
        for index, cell in enumerate(cells)
        if cell.cell_type == "markdown" and _first_line(cell) == "## Learning objectives"
    ]
    assert objectives and objectives[0] <= 2, "learning objectives belong at the top"
    assert re.search(r"^\s*(\d+\.|\*|-) ", cells[objectives[0]].source, re.M), (
        "list the learning objectives"
    )
    last = cells[-1]
    assert last.cell_type == "markdown" and _first_line(last) == "## Recap", (
        "the lesson should end with a '## Recap' cell"
    )


@pytest.mark.parametrize("path", LESSONS, ids=_lesson_id)
def test_lesson_imports_course_lib_and_has_a_practice(path: Path) -> None:
    sources = [str(cell.source) for cell in _code(_read(path))]
    joined = "\n".join(sources)
    assert IMPORTS_COURSE_LIB.search(joined), "the lesson should import from course_lib"
    assert PRACTICE_CALL.search(joined), (
        "the lesson needs a practice: a SortingBoard or RaciBoard, or check_sort or check_raci"
    )
    for forbidden in ("sys.path", "%run", "import *"):
        assert forbidden not in joined, f"lessons import course_lib by name, not via {forbidden}"


@pytest.mark.parametrize("path", LESSONS, ids=_lesson_id)
def test_lesson_reads_as_a_lesson(path: Path) -> None:
    notebook = _read(path)
    prose = sum(len(cell.source) for cell in notebook.cells if cell.cell_type == "markdown")
    code = [str(cell.source) for cell in _code(notebook)]
    long_cells = [source for source in code if len(source.splitlines()) > MAX_CODE_LINES]
    assert not long_cells, f"code cells longer than {MAX_CODE_LINES} lines: {long_cells}"
    assert prose > 2 * sum(len(source) for source in code), "the markdown should carry the lesson"


def test_start_here_has_a_pragmatic_board_first_and_shows_to_code() -> None:
    sources = [str(cell.source) for cell in _code(_read(COURSE / "00_start_here.ipynb"))]
    boards = [source for source in sources if "SortingBoard(" in source]
    assert boards, "lesson 00 needs a SortingBoard"
    assert re.search(r'^board = SortingBoard\("pragmatic_role", ', boards[0], re.M)
    assert any("board.to_code()" in source for source in sources)


@pytest.fixture(scope="module")
def warm_matplotlib() -> None:
    """Build matplotlib's font cache outside the kernels: its first-run notice goes to stderr."""
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], check=True)


def _execute(notebook: Any) -> Any:
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=True,  # run every cell so that one report lists every problem
        resources={"metadata": {"path": str(COURSE)}},
    )
    return client.execute()


def _problems(notebook: Any) -> list[str]:
    problems = []
    for index, cell in enumerate(_code(notebook)):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                problems.append(f"code cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"code cell {index} wrote to stderr: {output.text}")
    return problems


@pytest.mark.slow
@pytest.mark.usefixtures("warm_matplotlib")
@pytest.mark.parametrize("path", LESSONS, ids=_lesson_id)
def test_lesson_runs_top_to_bottom_without_errors(path: Path) -> None:
    notebook = _execute(_read(path))
    problems = _problems(notebook)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
    for cell in _code(notebook):
        last_line = str(cell.source).strip().splitlines()[-1]
        kinds = {key for output in cell.outputs for key in output.get("data", {})}
        boards = ("SortingBoard(", "RaciBoard(")
        if any(board in cell.source for board in boards) or last_line == "role_horizon_view()":
            assert WIDGET_VIEW in kinds, f"{path.name}: widget not displayed by {last_line!r}"
        if PLOT_CALL.match(last_line):
            assert "image/png" in kinds, f"{path.name}: {last_line!r} showed no picture"


@pytest.mark.slow
@pytest.mark.usefixtures("warm_matplotlib")
def test_start_here_board_checks_four_to_six_pragmatic_tasks() -> None:
    notebook = _read(COURSE / "00_start_here.ipynb")
    probe = "feedback = board.check()\nprint('PROBE', feedback.scheme, feedback.n_total)"
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    executed = _execute(notebook)
    assert not _problems(executed)
    printed = "".join(output.get("text", "") for output in executed.cells[-1].outputs)
    match = re.fullmatch(r"PROBE pragmatic_role (\d+)\n", printed)
    assert match, printed
    assert 4 <= int(match.group(1)) <= 6
    to_code = next(cell for cell in _code(executed) if "board.to_code()" in cell.source)
    shown = "".join(output.get("text", "") for output in to_code.outputs)
    assert shown.startswith("answer = {"), shown
