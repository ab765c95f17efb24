"""A trainee's first lesson in JupyterLab, in headless Chromium.

Starts JupyterLab on 127.0.0.1 (free port, isolated settings) over a copy of ``course/``,
opens ``00_start_here.ipynb``, runs all cells from the Run menu, sorts the first task of the
first sorting board, presses Check and reads the feedback from the page (and the alert that
announces the score); presses Show answer and checks that the picks stay beside the answers;
checks that the code quiz shows no answer for an unanswered item until its folded section is
opened. Screenshots are kept in ``test-artifacts/`` (their paths are printed). Without
``/usr/bin/chromium`` the test skips with how to install it, unless the CI variable is set,
where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import browser_support
import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    copy_course,
    error_outputs,
    jupyter_lab,
    require_browser,
    run_all_cells,
)

from course_lib import load_tasks

ROOT = Path(__file__).resolve().parents[1]
LESSON = "00_start_here.ipynb"
EXPLANATION_COLUMNS = [
    "pragmatic_explanation", "blackblot_explanation", "horizon_explanation", "corner_explanation",
]  # fmt: skip
EXPECT_MS = 60_000  # a click's round trip to the kernel and back, on a busy machine
MARKS = re.compile("[\u2714\u2718]")  # ✔ or ✘
SCORE = re.compile(r"\d+ of \d+ correct")


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    source = ROOT / "course"
    if not (source / LESSON).exists():
        pytest.fail(f"course/{LESSON} is missing; the browser test drives its first SortingBoard")
    return copy_course(source, tmp_path / "course")


@pytest.fixture
def screenshot_dir() -> Iterator[Path]:
    """Where screenshots go: PMC_SCREENSHOT_DIR if set, else test-artifacts/ (kept)."""
    kept = os.environ.get("PMC_SCREENSHOT_DIR")
    folder = Path(kept) if kept else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


def _task_on_card(card_text: str, titles: dict[str, str]) -> str:
    """The catalog id of the task whose title is on the card."""
    found = [task for task, title in titles.items() if title in card_text]
    assert found, f"no catalog title found on the first card: {card_text!r}"
    return max(found, key=lambda task: len(titles[task]))


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
            board = page.locator(".pmc-board").first
            try:
                run_all_cells(page, server, LESSON)
                board.wait_for(state="visible")
            except Exception:
                page.screenshot(path=str(screenshot_dir / "start_here_failed.png"))
                raise AssertionError(
                    "no rendered .pmc-board after running all cells; error outputs: "
                    f"{error_outputs(page)}; server log:\n{server.log_tail()}"
                ) from None
            assert error_outputs(page) == []

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
            # the result is announced: an alert, which screen readers read out when it appears
            alert = board.locator(".pmc-score [role='alert']")
            expect(alert).to_contain_text(SCORE, timeout=EXPECT_MS)
            unanswered = board.locator(".pmc-card").nth(2).locator(".pmc-feedback")
            expect(unanswered).to_contain_text("not answered yet", timeout=EXPECT_MS)
            assert "expected" not in (unanswered.text_content() or "")  # no key given away

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

            # Show answer keeps each pick and puts the answer beside it.
            picked = select.input_value()
            picked_label = select.evaluate("s => s.options[s.selectedIndex].textContent")
            beside = f"you: {picked_label.replace(chr(0xA0), ' ').strip()} \u00b7 answer: "
            board.locator(".pmc-show-answer").click()
            expect(feedback).to_contain_text(beside, timeout=EXPECT_MS)
            assert select.input_value() == picked
            third = board.locator(".pmc-card").nth(2).locator(".pmc-feedback")
            expect(third).to_contain_text("you: no answer \u00b7 answer: ", timeout=EXPECT_MS)
            board.screenshot(path=str(screenshot.with_name("start_here_answers_beside_picks.png")))

            # The code quiz: unanswered items keep their answer folded until a click.
            quiz = page.locator(".jp-OutputArea-output", has=page.locator(".pmc-feedback-table"))
            quiz.first.scroll_into_view_if_needed()
            folded = quiz.first.locator("details")
            hidden_rows = folded.locator("tbody tr, tr").filter(has_text="not answered yet")
            expect(folded).to_have_count(1)
            assert not folded.locator("table").is_visible()
            folded.locator("summary").click()
            expect(folded.locator("table")).to_be_visible(timeout=EXPECT_MS)
            assert hidden_rows.count() >= 1
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
