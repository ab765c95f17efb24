"""The feedback page's HTML exporter: nbconvert's page, at half its CPU.

``GenerateFeedback.exporter_class`` in ``nbgrader_config.py``, so that plain ``nbgrader
generate_feedback`` and ``pmcourse grade`` write the same pages. Two costs of nbconvert's
``HTMLExporter`` go:

- nbgrader builds a new exporter for every notebook, and each builds a new Jinja environment
  that compiles the page's templates again (about nine); here every exporter of a process with
  the same template settings shares one environment, so the templates compile once;
- after rendering, ``HTMLExporter`` parses the whole page (about 140 kB, most of it CSS) with
  BeautifulSoup to give images without alternative text one, and JupyterLab cell wrappers a
  ``tabindex``, then writes the tree back out: half of a feedback page's CPU. Here the page
  is parsed only when it has an image or such a wrapper; a page without any is the rendered
  page itself. Both are the same document: BeautifulSoup turns ours into nbconvert's, byte
  for byte (``tests/test_feedback_page.py``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from bs4 import BeautifulSoup
from jinja2 import Environment
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode

__all__ = ["FeedbackHTMLExporter"]

#: What HTMLExporter's accessibility edits can touch; a page without any is left as rendered.
_EDITABLE = re.compile(r"<img\b|jp-Cell-inputWrapper|jp-OutputArea-output", re.IGNORECASE)


class FeedbackHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter with shared compiled templates and no needless re-parse.

    Only renders in one thread at a time may share an environment: ``from_notebook_node``
    registers the notebook's own filters in it before it renders.
    """

    _environments: ClassVar[dict[tuple[Any, ...], Environment]] = {}

    def _environment_key(self) -> tuple[Any, ...]:
        return (
            tuple(self.template_paths),
            self.template_extension,
            self.raw_template,
            self.enable_async,
            tuple(sorted(self.filters)),
            tuple(id(loader) for loader in self.extra_loaders),
        )

    def _create_environment(self) -> Environment:
        key = self._environment_key()
        environment = self._environments.get(key)
        if environment is None:
            environment = super()._create_environment()  # type: ignore[no-untyped-call]
            self._environments[key] = environment
        return environment

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Render ``nb`` as ``HTMLExporter`` does (nbconvert 7), parsing the page again only
        when its accessibility edits have something to change."""
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        highlight = self.filters.get(
            "highlight_code",
            Highlight2HTML(pygments_lexer=lexer, parent=self),  # type: ignore[no-untyped-call]
        )
        resources = self._init_resources(resources)  # type: ignore[no-untyped-call]
        data_types = WidgetsDataTypeFilter(  # type: ignore[no-untyped-call]
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight)  # type: ignore[no-untyped-call]
        self.register_filter("filter_data_type", data_types)  # type: ignore[no-untyped-call]
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if _EDITABLE.search(html) is None:
            return html, resources
        return self._accessible(html), resources

    def _accessible(self, html: str) -> str:
        """HTMLExporter's accessibility edits: alternative text for images without one, and
        a ``tabindex`` on JupyterLab cell inputs and outputs."""
        soup = BeautifulSoup(html, features="html.parser")
        missing_alt = 0
        for element in soup.select("img:not([alt])"):
            element.attrs["alt"] = "No description has been provided for this image"
            missing_alt += 1
        if missing_alt:
            self.log.warning("Alternative text is missing on %s image(s).", missing_alt)
        for selector in (
            ".jp-Notebook div.jp-Cell-inputWrapper",
            ".jp-Notebook div.jp-OutputArea-output",
        ):
            for element in soup.select(selector):
                element.attrs["tabindex"] = "0"
        return str(soup)
