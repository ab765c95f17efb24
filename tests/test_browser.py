"""The one real-browser test: a trainee's first lesson in JupyterLab, in headless Chromium.

Starts JupyterLab on 127.0.0.1 (free port, isolated settings) over a copy of ``course/``,
opens ``00_start_here.ipynb``, runs all cells from the Run menu, sorts the first task of the
first sorting board, presses Check and reads the feedback from the page. A screenshot is
saved (its path is printed). Without ``/usr/bin/chromium`` the test skips with how to install
it, unless the CI variable is set, where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser_support
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, copy_course, jupyter_lab, require_browser

from course_lib import load_tasks

ROOT = Path(__file__).resolve().parents[1]
LESSON = "00_start_here.ipynb"
EXPLANATION_COLUMNS = [
    "pragmatic_explanation", "blackblot_explanation", "horizon_explanation", "corner_explanation",
]  # fmt: skip
TIMEOUT_MS = 120_000  # generous: two shared cores, a cold JupyterLab and a fresh kernel
EXPECT_MS = 60_000  # a click's round trip to the kernel and back, on a busy machine
MARKS = re.compile("[\u2714\u2718]")  # ✔ or ✘
SCORE = re.compile(r"\d+ of \d+ correct")

ALL_CELLS_DONE = """() => {
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'));
  return indicator !== null && indicator.getAttribute('data-status') === 'idle'
    && prompts.length > 0 && prompts.every(p => !p.textContent.includes('*'));
}"""


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    source = ROOT / "course"
    if not (source / LESSON).exists():
        pytest.fail(f"course/{LESSON} is missing; the browser test drives its first SortingBoard")
    return copy_course(source, tmp_path / "course")


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Iterator[Path]:
    """Where screenshots go: PMC_SCREENSHOT_DIR if set (kept), else the test's tmp dir."""
    kept = os.environ.get("PMC_SCREENSHOT_DIR")
    folder = Path(kept) if kept else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


def _task_on_card(card_text: str, titles: dict[str, str]) -> str:
    """The catalog id of the task whose title is on the card."""
    found = [task for task, title in titles.items() if title in card_text]
    assert found, f"no catalog title found on the first card: {card_text!r}"
    return max(found, key=lambda task: len(titles[task]))


def _wait_for_idle_kernel(page: Any, server: Any) -> None:
    """Wait until the lesson's kernel runs and is idle, accepting a kernel dialog if shown."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
        if dialog.count() and dialog.first.is_visible():
            dialog.first.locator(".jp-mod-accept").click()  # the preselected Python 3 kernel
        if server.kernel_state(LESSON) == "idle":
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"the kernel of {LESSON} never became idle:\n{server.log_tail()}")


def _error_outputs(page: Any) -> list[str]:
    texts: list[str] = page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    ).all_inner_texts()
    return texts


@pytest.mark.browser
@pytest.mark.slow
def test_first_board_of_the_start_lesson_gives_feedback_in_a_real_browser(
    course_copy: Path, tmp_path: Path, screenshot_dir: Path
) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    catalog = load_tasks()
    titles = {str(task): str(title) for task, title in catalog["title"].items()}
    screenshot = screenshot_dir / "start_here_board_checked.png"
    with jupyter_lab(course_copy, tmp_path / "home") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{server.url}/lab/tree/{LESSON}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
            _wait_for_idle_kernel(page, server)

            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

            board = page.locator(".pmc-board").first
            try:
                board.wait_for(state="visible")
                page.wait_for_function(ALL_CELLS_DONE, timeout=TIMEOUT_MS)
            except Exception:
                page.screenshot(path=str(screenshot_dir / "start_here_failed.png"))
                raise AssertionError(
                    "no rendered .pmc-board after running all cells; error outputs: "
                    f"{_error_outputs(page)}; server log:\n{server.log_tail()}"
                ) from None
            assert _error_outputs(page) == []

            board.scroll_into_view_if_needed()
            card = board.locator(".pmc-card").first
            expect(card.locator("select")).to_be_visible(timeout=EXPECT_MS)
            expect(card).to_contain_text(
                re.compile(r"\w{3,}"), timeout=EXPECT_MS
            )  # the widget has rendered
            task = _task_on_card(card.text_content() or "", titles)
            select = card.locator("select")
            choices = [c.replace("\xa0", " ") for c in select.locator("option").all_inner_texts()]
            assert choices[0] == "Product management", choices
            select.select_option(index=0)  # the card starts unset; pick the first label
            board.locator(".pmc-check").click()

            feedback = card.locator(".pmc-feedback")
            expect(feedback).to_contain_text(MARKS, timeout=EXPECT_MS)
            expect(board.locator(".pmc-score")).to_contain_text(SCORE, timeout=EXPECT_MS)
            feedback_text = feedback.text_content() or ""
            explanations = [str(catalog.at[task, column]) for column in EXPLANATION_COLUMNS]
            assert any(text in feedback_text for text in explanations), feedback_text
            marked = card.get_attribute("class") or ""
            if "\u2714" in feedback_text:
                assert "pmc-card-correct" in marked
            else:
                assert "pmc-card-wrong" in marked
                assert "expected " in feedback_text
            score_text = board.locator(".pmc-score").text_content() or ""
            assert re.search(r"1 of \d+ correct|0 of \d+ correct", score_text), score_text

            board.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot))
            board.screenshot(path=str(screenshot.with_name("start_here_board_only.png")))

            # The keyboard alone, as the board's hint says: Space opens the second card's list,
            # an arrow key chooses, Enter confirms; Tab on to Check and press Enter.
            second = board.locator(".pmc-card").nth(1)
            second.locator("select").focus()
            for key in ("Space", "ArrowDown", "Enter"):
                page.keyboard.press(key)
            expect(second.locator("select")).not_to_have_value("", timeout=EXPECT_MS)
            for _ in range(12):
                if page.evaluate("document.activeElement.classList.contains('pmc-check')"):
                    break
                page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.classList.contains('pmc-check')"), (
                "Tab from the second card never reached the Check button"
            )
            page.keyboard.press("Enter")
            cards = board.locator(".pmc-card").count()
            answered_two = re.compile(
                rf"^\d+ of {cards} correct \(\d+%\)"
                + (f"; {cards - 2} not answered yet$" if cards > 2 else "$")
            )
            expect(board.locator(".pmc-score")).to_have_text(answered_two, timeout=EXPECT_MS)
            expect(second.locator(".pmc-feedback")).to_contain_text(MARKS, timeout=EXPECT_MS)
            assert "not answered" not in (second.locator(".pmc-feedback").text_content() or "")
        finally:
            browser.close()
    print(f"browser screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000
    if "PMC_SCREENSHOT_DIR" not in os.environ:
        shutil.rmtree(tmp_path / "home", ignore_errors=True)


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_missing_chromium_skips_with_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str | None
) -> None:
    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium chromium-driver"):
        require_browser()


@pytest.mark.parametrize("ci", ["true", "1"])
def test_missing_chromium_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str
) -> None:
    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI is set, so this is a failure"):
        require_browser()
