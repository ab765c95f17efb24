"""The RACI board of lesson 08 in JupyterLab, in headless Chromium.

Runs all cells of ``08_decision_rights.ipynb`` as a trainee would, fills the first task's row
(one letter per role, the last one with the keyboard alone), presses Check and reads the
feedback from the page: the rules first, then every cell with its reason, an untouched row that
keeps its key, and the score announced as an alert. Then Show answer (the picks stay beside the
key), axe-core on the board and the focus ring of its controls. Screenshots and the
accessibility results are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from a11y_support import blocking, focus_ring, require_axe, ring_problem, run_axe, write_report
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

from course_lib import load_raci, raci_matrix
from course_lib._raci.practice import role_names

ROOT = Path(__file__).resolve().parents[1]
LESSON = "08_decision_rights.ipynb"
EXPECT_MS = 60_000  # a click's round trip to the kernel and back, on a busy machine
BOARD_TASKS = [
    "analyze_win_loss",
    "write_business_case",
    "define_buyer_personas",
    "evangelize_product",
]
SCORE = re.compile(r"rules: \d of 4 tasks have one A and at least one R; cells: \d+ of 16 agree")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _text(locator: object) -> str:
    return html.unescape((locator.text_content() or "").replace("\xa0", " "))  # type: ignore[attr-defined]


def test_raci_board_fills_one_row_checks_it_and_shows_the_key_beside_the_picks(
    tmp_path: Path,
) -> None:
    require_browser()
    require_axe()
    from playwright.sync_api import expect, sync_playwright

    task = BOARD_TASKS[0]
    row_key = raci_matrix([task]).loc[task]
    reasons = load_raci().loc[task, "reason"]
    short = role_names()
    course = copy_course(ROOT / "course", tmp_path / "course")
    shots = ARTIFACTS / "raci"
    shots.mkdir(parents=True, exist_ok=True)
    with jupyter_lab(course, tmp_path / "home") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            run_all_cells(page, server, LESSON)
            board = page.locator(".pmc-board").first
            board.wait_for(state="visible")
            assert error_outputs(page) == []
            board.scroll_into_view_if_needed()
            rows = board.locator(".pmc-card")
            expect(rows).to_have_count(len(BOARD_TASKS), timeout=EXPECT_MS)
            first = rows.nth(0)
            selects = first.locator("select")
            expect(selects).to_have_count(4, timeout=EXPECT_MS)
            assert "Run win/loss analysis" in _text(first)
            options = [o.strip() for o in selects.first.locator("option").all_inner_texts()]
            assert options == ["\u2013", "R", "A", "C", "I"], options

            # One wrong cell on purpose: sales gets I where the key has C.
            picks = {role: letter for role, letter in row_key.items()}
            picks["sales"] = "I" if row_key["sales"] != "I" else "C"
            roles = list(row_key.index)
            for role, select in zip(roles[:-1], selects.all()[:-1], strict=True):
                select.select_option(label=picks[role] or "\u2013")
            # the last cell with the keyboard alone: focus, Space opens, arrows choose, Enter
            last = selects.nth(3)
            last.focus()
            page.keyboard.press("Space")
            for _ in range(["", "R", "A", "C", "I"].index(picks[roles[-1]])):
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            expect(last).to_have_value(picks[roles[-1]], timeout=EXPECT_MS)

            board.locator(".pmc-check").click()
            feedback = first.locator(".pmc-feedback")
            expect(feedback).to_contain_text("Rules:", timeout=EXPECT_MS)
            text = _text(feedback)
            assert text.index("Rules: \u2714 one A and at least one R") < text.index(
                f"{short[roles[0]]}: you"
            )
            for role in roles:
                expected = row_key[role] or "\u2013"
                mark = "\u2718" if role == "sales" else "\u2714"
                shown = picks[role] or "\u2013"
                assert f"{mark} {short[role]}: you {shown}, key {expected}." in text, text
                assert reasons[role] in text
            assert "pmc-card-wrong" in (first.get_attribute("class") or "")
            alert = board.locator(".pmc-score [role='alert']")
            expect(alert).to_contain_text(SCORE, timeout=EXPECT_MS)
            assert "cells: 3 of 16 agree" in _text(alert) and "3 task(s) not answered" in _text(
                alert
            )
            untouched = _text(rows.nth(1).locator(".pmc-feedback"))
            assert "not answered yet" in untouched and "key" not in untouched
            for reason in load_raci().loc[BOARD_TASKS[1], "reason"]:
                assert reason not in _text(board)  # no key given away for untouched rows
            board.screenshot(path=str(shots / "raci_board_checked.png"))

            board.locator(".pmc-show-answer").click()
            expect(feedback).to_contain_text("answer:", timeout=EXPECT_MS)
            you = " ".join(picks[role] or "\u2013" for role in roles)
            answer = " ".join(row_key[role] or "\u2013" for role in roles)
            assert f"you: {you} \u00b7 answer: {answer}" in _text(feedback)
            assert last.input_value() == picks[roles[-1]]  # the picks stay
            second = raci_matrix([BOARD_TASKS[1]]).loc[BOARD_TASKS[1]]
            blank = " ".join("\u2013" for _ in roles)
            keyed = " ".join(letter or "\u2013" for letter in second)
            expect(rows.nth(1).locator(".pmc-feedback")).to_contain_text(
                f"you: {blank} \u00b7 answer: {keyed}", timeout=EXPECT_MS
            )
            board.screenshot(path=str(shots / "raci_board_answers_beside_picks.png"))

            axe = run_axe(page, board.element_handle())
            controls = board.locator("select, button")
            controls.first.focus()
            rings = []
            for step in range(controls.count()):
                if step:
                    page.keyboard.press("Tab")
                if not board.evaluate("(b) => b.contains(document.activeElement)"):
                    break
                rings.append(focus_ring(page))
            kept = write_report("accessibility-raci-board", axe | {"controls": rings}, ARTIFACTS)
        finally:
            browser.close()
    assert blocking(axe) == [], f"axe-core found serious or critical problems: {blocking(axe)}"
    assert len(rings) >= 4 * 4 + 4  # every cell and the four buttons, reached with Tab
    weak = [problem for ring in rings if (problem := ring_problem(ring))]
    assert weak == [], f"focus indicators too weak: {weak}"
    print(
        f"RACI board: axe passes {axe['passes']}, violations {len(axe['violations'])} "
        f"(serious 0); {len(rings)} controls with a focus ring; {kept}; screenshots in {shots}"
    )
