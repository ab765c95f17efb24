"""The cohort report as instructors see it: a graded cohort, the page in headless Chromium.

One course for the module (a1_roles with its role sort, a3_frameworks with a manually graded
answer), graded with ``pmcourse grade``; ann writes a real answer to a3's manual question, so
it waits for Formgrader. The page is opened from disk with every network request refused: it
must be complete on its own. A full-page screenshot is saved (its path is printed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, require_browser
from nbgrader_support import make_course

from course_lib import _notebook as nbmeta
from course_lib._pipeline.demo import cohort
from course_lib._pipeline.report import MOST_MISSED
from course_lib.cli import main
from course_lib.grading.items import load_assignment_specs

pytestmark = [pytest.mark.browser, pytest.mark.nbgrader, pytest.mark.slow]

ASSIGNMENTS = ["a1_roles", "a3_frameworks"]
KINDS = {"ann": "correct", "bob": "partial", "cy": "blank", "dee": "malformed_json"}
VIEWPORTS = [(1280, 900), (1024, 768)]

#: Elements whose content is wider than their box (inline boxes have no width of their own),
#: and a page wider than the window.
OVERFLOWS_JS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (getComputedStyle(el).display === 'inline' || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      bad.push(`${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 60)}`);
    }
  }
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) bad.push(`page ${root.scrollWidth}px wide`);
  return bad;
}"""
IMAGES_JS = """() => Array.from(document.images).map(
  img => ({alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
           inline: img.src.startsWith('data:image/png;base64,')}))"""


def _write_manual_answer(course: Path, student: str) -> None:
    """Give ``student``'s a3 submission a written answer to the manually graded question."""
    spec = load_assignment_specs()["a3_frameworks"]
    (manual,) = [item for item in spec.items if item.kind == "manual"]
    path = course / "submitted" / student / "a3_frameworks" / spec.notebook
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if nbmeta.grade_id(cell) == manual.answer_grade_id:
            cell["source"] = "Pragmatic splits by buying and using; Blackblot by role titles."
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The reports/ folder of a graded cohort after ``pmcourse report``."""
    course = make_course(tmp_path_factory.mktemp("report") / "course")
    for name in ASSIGNMENTS:
        assert main(["release", name, "--course-dir", str(course), "--no-progress"]) == 0
        cohort.write_cohort(course, name, KINDS, seed=3)
    _write_manual_answer(course, "ann")
    # dee's notebook is unreadable: grading finishes with exit code 1 and the reason.
    assert main(["grade", "--course-dir", str(course), "--no-progress", "--workers", "2"]) == 1
    assert main(["report", "--course-dir", str(course), "--no-progress"]) == 0
    yield course / "reports"


def test_scores_keep_autograded_and_manual_points_apart(report: Path) -> None:
    scores = pd.read_csv(report / "score_distribution.csv").set_index(["assignment", "student"])
    spec = load_assignment_specs()["a3_frameworks"]
    ann = scores.loc[("a3_frameworks", "ann")]
    # A correct submission earns 100% of the autograded points before any manual grading.
    assert ann["percent"] == pytest.approx(100.0)
    assert ann["auto_max_score"] == pytest.approx(spec.autograded_points)
    manual_points = sum(item.points for item in spec.items if item.kind == "manual")
    assert manual_points > 0
    assert ann["manual_max_score"] == pytest.approx(manual_points)
    assert ann["manual_pending"] == 1  # ann's written answer waits for Formgrader
    assert scores.loc[("a3_frameworks", "cy"), "manual_pending"] == 0  # blank: nbgrader's 0
    assert scores.loc[("a1_roles", "dee"), "status"].startswith("failed: NotJSONError")
    assert scores.loc[("a1_roles", "ann"), "manual_max_score"] == 0


def test_report_page_in_chromium(report: Path, tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import Route, sync_playwright

    page_path = report / "report.html"
    tasks = pd.read_csv(report / "tasks.csv", keep_default_na=False)
    partitions = pd.read_csv(report / "partitions.csv")
    frameworks = partitions[partitions["compared_with"].isin(["Pragmatic", "Blackblot"])]
    assert len(frameworks) == 2  # a1's role sort against each framework
    refused: list[str] = []

    def refuse(route: Route) -> None:
        refused.append(route.request.url)
        route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            results: dict[tuple[int, int], dict[str, Any]] = {}
            for width, height in VIEWPORTS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.route("http*://**", refuse)
                page.goto(page_path.as_uri())
                page.wait_for_load_state("load")
                results[(width, height)] = {
                    "images": page.evaluate(IMAGES_JS),
                    "overflows": page.evaluate(OVERFLOWS_JS),
                    "cards": page.locator("li.task").all_inner_texts(),
                    "headings": page.locator("h2").all_inner_texts(),
                }
                if width == VIEWPORTS[0][0]:
                    shot = tmp_path / "report.png"
                    page.screenshot(path=str(shot), full_page=True)
                    print(f"report screenshot: {shot}")
                # The overflow check finds text that does not fit its box.
                page.evaluate(
                    """() => { const d = document.createElement('div');
                    d.style.width = '60px'; d.style.whiteSpace = 'nowrap';
                    d.className = 'planted'; d.textContent = 'a_very_long_unbreakable_task_id';
                    document.body.appendChild(d); }"""
                )
                planted = page.evaluate(OVERFLOWS_JS)
                assert any(line.startswith("DIV.planted") for line in planted), planted
                page.close()
        finally:
            browser.close()
    assert refused == []  # nothing is fetched: the page is self-contained
    assert shot.stat().st_size > 50_000
    for (width, _), seen in results.items():
        images = seen["images"]
        assert images and all(image["loaded"] and image["inline"] for image in images), images
        assert [image["alt"] for image in images][2:] == [
            f"a1_roles, test_roles: the cohort against {name}"
            for name in frameworks["compared_with"]
        ]
        assert seen["overflows"] == [], (width, seen["overflows"])
        assert "Manually graded items" in seen["headings"]
        cards = seen["cards"]
        assert len(cards) == min(MOST_MISSED, len(tasks))
        for card, row in zip(cards, tasks.head(MOST_MISSED).itertuples(), strict=True):
            assert row.explanation and f"Why: {row.explanation}" in card
            assert row.task.replace("_", " ") in card
