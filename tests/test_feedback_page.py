"""The feedback page's exporter writes nbconvert's page: the same document, byte for byte once
BeautifulSoup has written it out, and byte for byte whenever nbconvert's edits apply."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_lib.nbgrader_plugins.feedback_page import FeedbackHTMLExporter

ROOT = Path(__file__).resolve().parents[1]
# The smallest valid PNG: one transparent pixel.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360000002000100e5279ade0000000049454e44ae426082"
    )
).decode()


def _course_notebook() -> nbformat.NotebookNode:
    path = sorted((ROOT / "solutions").glob("*/*.ipynb"))[0]
    return nbformat.read(path, as_version=4)


def _with_image() -> nbformat.NotebookNode:
    output = new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"})
    return new_notebook(
        cells=[new_markdown_cell("# A chart"), new_code_cell("plot()", outputs=[output])],
        metadata={"language_info": {"name": "python"}},
    )


def _pages(notebook: nbformat.NotebookNode, template: str) -> tuple[str, str]:
    ours, _ = FeedbackHTMLExporter(template_name=template).from_notebook_node(notebook)
    stock, _ = HTMLExporter(template_name=template).from_notebook_node(notebook)
    return ours, stock


def test_a_page_without_images_is_nbconverts_page_unparsed() -> None:
    ours, stock = _pages(_course_notebook(), "classic")
    assert "<img" not in stock.lower()
    assert ours != stock  # not written out again by BeautifulSoup ...
    assert str(BeautifulSoup(ours, features="html.parser")) == stock  # ... the same document


@pytest.mark.parametrize(
    ("notebook", "template"),
    [(_with_image(), "classic"), (_course_notebook(), "lab")],
    ids=["an image without alternative text", "JupyterLab cell wrappers"],
)
def test_a_page_nbconvert_edits_is_nbconverts_page(
    notebook: nbformat.NotebookNode, template: str
) -> None:
    ours, stock = _pages(notebook, template)
    assert ours == stock
    soup = BeautifulSoup(ours, features="html.parser")
    edited = soup.select("img[alt]") or soup.select(".jp-Notebook div[tabindex='0']")
    assert edited  # nbconvert's accessibility edits are in


def test_exporters_of_a_process_share_compiled_templates() -> None:
    first, second = FeedbackHTMLExporter(), FeedbackHTMLExporter()
    assert first.environment is second.environment
    assert FeedbackHTMLExporter(template_name="classic").environment is not first.environment
