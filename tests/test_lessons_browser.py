"""Every lesson in the real browser, served the way ``make lab`` serves it.

JupyterLab is started with ``scripts/lab.sh`` (what ``make lab`` runs) on a copy of the
repository, in headless Chromium. The tests check the trainee's view (first lesson opened,
``exercises/`` reachable, no news pop-up, no instructor panels) and the instructor's; then run
every lesson with Run All Cells and check what a trainee sees: no errors, printed lines that
never wrap, pictures shown unshrunk, tables in full, and every sorting board free of serious
axe-core violations with a visible focus ring on each control. A screenshot of each lesson and
the accessibility results are kept under ``test-artifacts/`` (their paths are printed).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from a11y_support import blocking, focus_ring, require_axe, ring_problem, run_axe, write_report
from browser_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    LabServer,
    copy_repository,
    error_outputs,
    make_lab,
    require_browser,
    run_all_cells,
)

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "course").glob("[0-9][0-9]_*.ipynb"))
FIRST_LESSON = "course/00_start_here.ipynb"
# A window in which JupyterLab's notebook column (file browser open) is about 850 px wide.
VIEWPORT = {"width": 1300, "height": 900}
MAX_SCREENSHOT_HEIGHT = 16_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WRAPPED_PRINTS = """() => Array.from(document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"] pre,'
    + '.jp-OutputArea-output[data-mime-type="text/plain"] pre'))
  .map(pre => {
    const style = getComputedStyle(pre);
    const lineHeight = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
    const lines = pre.textContent.replace(/\\n$/, '').split('\\n').length;
    const shown = Math.round(pre.getBoundingClientRect().height / lineHeight);
    return {lines, shown, text: pre.textContent.slice(0, 100)};
  })
  .filter(out => out.shown > out.lines)"""

PICTURES = """() => Array.from(document.querySelectorAll('.jp-OutputArea-output img')).map(img => ({
  intended: Number(img.getAttribute('width')) || img.naturalWidth,
  shown: img.getBoundingClientRect().width,
  column: img.closest('.jp-OutputArea-output').getBoundingClientRect().width,
}))"""

# Feedback tables of code quizzes: rows "not answered yet" must show no answer and no reason
# outside the folded "Show the answers" section.
LEAKED_KEYS = """() => Array.from(document.querySelectorAll('.pmc-feedback-table'))
  .filter(table => !table.closest('details'))
  .flatMap(table => Array.from(table.querySelectorAll('tr')))
  .map(row => Array.from(row.querySelectorAll('td')).map(td => td.textContent))
  .filter(cells => cells[2] === 'not answered yet' && (cells[3] || cells[4]))"""


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_repository(tmp_path_factory.mktemp("lab") / "repository")


@pytest.fixture(scope="module")
def trainee_lab(repository: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    require_browser()
    with make_lab(repository, tmp_path_factory.mktemp("home"), "trainee") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (Playwright's sync API runs once per thread)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _new_page(browser: Any) -> Any:
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture(scope="module")
def page(trainee_lab: LabServer, browser: Any) -> Iterator[Any]:
    page = _new_page(browser)
    yield page
    page.close()


def _nbgrader_menu(page: Any) -> list[str]:
    """The visible items of JupyterLab's Nbgrader menu (empty without the menu)."""
    menu = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$"))
    if not menu.count():
        return []
    menu.click()
    items: list[str] = page.locator(".lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel")
    shown = [text for text in items.all_inner_texts() if text.strip()]  # type: ignore[attr-defined]
    page.keyboard.press("Escape")
    return shown


def _news_defaults(server: LabServer) -> dict[str, object]:
    """JupyterLab's news and update settings as this server ships them (schema defaults with
    the course's overrides; the trainee has changed nothing)."""
    news = server.get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert news["raw"] == "{}"
    schema = news["schema"]["properties"]
    return {name: schema[name]["default"] for name in ("fetchNews", "checkForUpdates")}


def _side_panels(page: Any) -> list[str]:
    titles: list[str] = page.evaluate(
        "Array.from(document.querySelectorAll('.jp-SideBar .lm-TabBar-tab'))"
        ".map(tab => tab.getAttribute('title') || '')"
    )
    return titles


def test_make_lab_opens_the_first_lesson_with_exercises_reachable_in_the_trainee_view(
    trainee_lab: LabServer, page: Any
) -> None:
    log = trainee_lab.log.read_text(encoding="utf-8")
    assert f"/lab/tree/{FIRST_LESSON}" in log  # the address printed for the trainee
    assert "Running as root is not recommended" not in log
    page.goto(f"{trainee_lab.url}/")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
    assert page.url.endswith(f"/lab/tree/{FIRST_LESSON}")
    active = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
    assert active.inner_text().strip().startswith("00_start_here.ipynb")

    exercises = trainee_lab.get("/api/contents/exercises")
    assert exercises["type"] == "directory" and exercises["content"]
    page.locator(".jp-FileBrowser .jp-BreadCrumbs-home").click()
    listing = page.locator(".jp-FileBrowser .jp-DirListing-itemName")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.jp-FileBrowser .jp-DirListing-itemName'))"
        ".some(item => item.textContent.trim() === 'exercises')"
    )
    assert {"course", "exercises"} <= {name.strip() for name in listing.all_inner_texts()}

    assert _news_defaults(trainee_lab) == {"fetchNews": "false", "checkForUpdates": False}
    assert _nbgrader_menu(page) == ["Assignment List"]
    assert not [title for title in _side_panels(page) if "Nbgrader" in title]
    assert not page.locator(".Toastify__toast").count()


def test_make_lab_instructor_view_keeps_nbgrader_panels(
    repository: Path, tmp_path: Path, browser: Any
) -> None:
    with make_lab(repository, tmp_path / "home", "instructor") as server:
        page = _new_page(browser)
        try:
            page.goto(f"{server.url}/")
            page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
            page.wait_for_selector(".jp-SideBar .lm-TabBar-tab[title*='Nbgrader']")
            assert "Nbgrader Create Assignment" in _side_panels(page)
            menu = _nbgrader_menu(page)
            assert {"Assignment List", "Course List", "Formgrader"} <= set(menu), menu
            assert _news_defaults(server) == {"fetchNews": "false", "checkForUpdates": False}
        finally:
            page.close()


def _board_count(path: Path) -> int:
    notebook = nbformat.read(path, as_version=4)
    return sum(
        cell.source.count("SortingBoard(") + cell.source.count("RaciBoard(")
        for cell in notebook.cells
        if cell.cell_type == "code"
    )


def _check_boards(page: Any) -> dict[str, Any]:
    """axe-core on every widget (sorting and RACI boards, the role-by-horizon view), and the focus
    ring of every control in them, reached with the keyboard."""
    results: dict[str, Any] = {"boards": [], "controls": []}
    boards = page.locator(".pmc-board, .pmc-role-horizon")
    for number in range(boards.count()):
        board = boards.nth(number)
        board.scroll_into_view_if_needed()
        axe = run_axe(page, board.element_handle())
        results["boards"].append(axe | {"board": number + 1})
        controls = board.locator("select, button")
        controls.first.focus()
        for step in range(controls.count()):
            if step:
                page.keyboard.press("Tab")  # the keyboard path: :focus-visible applies
            if not board.evaluate("(b) => b.contains(document.activeElement)"):
                break
            results["controls"].append(focus_ring(page) | {"board": number + 1})
    return results


@pytest.mark.parametrize("path", LESSONS, ids=[path.stem for path in LESSONS])
def test_lesson_runs_all_cells_legibly_and_accessibly_in_the_browser(
    path: Path, trainee_lab: LabServer, page: Any
) -> None:
    require_axe()
    notebook = f"course/{path.name}"
    page.set_viewport_size(VIEWPORT)
    try:
        run_all_cells(page, trainee_lab, notebook)
        boards = _board_count(path)
        if boards:
            page.wait_for_function(
                f"() => document.querySelectorAll('.pmc-board .pmc-card select').length > 0"
                f" && document.querySelectorAll('.pmc-board').length === {boards}"
            )
        assert error_outputs(page) == []
        assert page.evaluate(WRAPPED_PRINTS) == []
        pictures = page.evaluate(PICTURES)
        shrunk = [p for p in pictures if p["shown"] < p["intended"] - 1]
        assert not shrunk, f"pictures shrunk to fit the column: {shrunk}"
        tables = page.locator(".pmc-table").all_inner_texts()
        assert not [text for text in tables if "\u2026" in text]
        assert page.evaluate(LEAKED_KEYS) == []

        checks = _check_boards(page)
        checks["pictures"] = pictures
        checks["output_column_px"] = page.evaluate(
            "() => document.querySelector('.jp-OutputArea-output').getBoundingClientRect().width"
        )
        report = write_report(f"accessibility-{path.stem}", checks, ARTIFACTS)
        serious = [v for board in checks["boards"] for v in blocking(board)]
        assert serious == [], f"axe-core found serious or critical problems: {serious}"
        weak = [problem for ring in checks["controls"] if (problem := ring_problem(ring))]
        assert weak == [], f"focus indicators too weak: {weak}"
        if boards:
            assert len(checks["controls"]) >= 5 * boards  # pickers and four buttons each
        if "role_horizon_view()" in path.read_text(encoding="utf-8"):
            assert len(checks["boards"]) == boards + 1
    finally:
        shot = _screenshot(page, ARTIFACTS / "lessons" / f"{path.stem}.png")
        trainee_lab.end_sessions()
    print(
        f"{path.stem}: screenshot {shot}; accessibility {report}; boards {len(checks['boards'])}"
        f", axe violations {sum(len(b['violations']) for b in checks['boards'])} (serious 0); "
        f"{len(checks['controls'])} controls with a focus ring; output column "
        f"{checks['output_column_px']:.0f} px; pictures shown at "
        f"{[round(p['shown']) for p in pictures]} px"
    )


def _screenshot(page: Any, target: Path) -> Path:
    """The whole lesson in one picture: the window grows to the notebook's height first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        "() => { document.activeElement.blur(); const scroller = document.querySelector("
        "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');"
        " if (!scroller) return 0; scroller.scrollTop = 0; return scroller.scrollHeight; }"
    )
    page.set_viewport_size(
        {"width": VIEWPORT["width"], "height": min(MAX_SCREENSHOT_HEIGHT, int(height) + 200)}
    )
    page.wait_for_timeout(500)  # one layout pass at the new size
    page.screenshot(path=str(target))
    page.set_viewport_size(VIEWPORT)
    return target


@pytest.fixture(scope="module", autouse=True)
def _keep_artifacts_note() -> Iterator[None]:
    yield
    if (ARTIFACTS / "lessons").exists():
        print(f"\nbrowser artefacts kept in {ARTIFACTS} (screenshots in lessons/)")


def test_report_page_has_no_serious_accessibility_problems(tmp_path: Path, browser: Any) -> None:
    """A small graded course (two trainees, one assignment) and axe-core on its report."""
    require_axe()
    course = tmp_path / "demo"
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "pmcourse"), "demo", "--students", "2",
            "--assignments", "a1_roles", "--output", str(course), "--no-progress",
            "--workers", "1",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = course / "reports" / "report.html"
    page = _new_page(browser)
    try:
        page.goto(report.as_uri())
        result = run_axe(page)
    finally:
        page.close()
    kept = write_report("accessibility-report-page", result, ARTIFACTS)
    print(f"report page: axe passes {result['passes']}, violations {result['violations']}; {kept}")
    assert blocking(result) == []
