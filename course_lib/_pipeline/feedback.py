"""Trainee feedback through nbgrader's ``GenerateFeedback``, one app re-used per worker.

The pipeline of steps is the one in ``nbgrader_config.py`` (``GenerateFeedback.preprocessors``,
``HideHiddenTests`` first), so ``pmcourse grade`` and plain ``nbgrader generate_feedback`` give
the same feedback.

nbgrader builds a new HTML exporter for every notebook, and each new exporter builds a new
Jinja environment that compiles the feedback templates again (about nine templates, most of
the CPU a feedback page costs). :class:`SharedTemplatesHTMLExporter` gives every exporter of
a process with the same template settings one environment, so the templates compile once per
worker; the pages are the same.
"""

from __future__ import annotations

from typing import Any, ClassVar

from jinja2 import Environment
from nbconvert.exporters import HTMLExporter
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import GenerateFeedback
from nbgrader.utils import capture_log, temp_attrs
from traitlets.config import Config

__all__ = ["SharedTemplatesHTMLExporter", "feedback_app", "write_feedback"]


class SharedTemplatesHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter, sharing its Jinja environment (and so its compiled
    templates) with every exporter of the process that has the same template settings.

    Only renders in one thread at a time may share it: ``from_notebook_node`` registers the
    notebook's own filters in the environment before it renders.
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


def feedback_app(api: NbGraderAPI) -> Any:
    """One nbgrader ``GenerateFeedback`` app, set up as ``NbGraderAPI`` sets it up (re-used
    for every submission: building it costs more than rendering one notebook)."""
    template = Config()
    template.HTMLExporter.template_name = "feedback"
    app = GenerateFeedback(coursedir=api.coursedir, parent=api)
    app.update_config(template)
    app.force = True
    if app.exporter_class is HTMLExporter:  # not when the config names another exporter
        app.exporter_class = SharedTemplatesHTMLExporter
    return app


def write_feedback(app: Any, assignment: str, student: str) -> dict[str, Any]:
    """Run the feedback app for one submission; nbgrader's result dict."""
    with temp_attrs(app.coursedir, assignment_id=assignment, student_id=student):
        result: dict[str, Any] = capture_log(app)
    return result
