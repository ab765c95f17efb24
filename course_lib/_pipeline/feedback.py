"""Trainee feedback through nbgrader's ``GenerateFeedback``, one app re-used per worker.

The pipeline of steps is the one in ``nbgrader_config.py`` (``GenerateFeedback.preprocessors``,
``HideHiddenTests`` first, and ``GenerateFeedback.exporter_class``, the course's
:class:`~course_lib.nbgrader_plugins.feedback_page.FeedbackHTMLExporter`), so ``pmcourse
grade`` and plain ``nbgrader generate_feedback`` give the same feedback. A config that names
no exporter gets that one too (nbgrader's default, nbconvert's ``HTMLExporter``, writes the
same pages at twice the CPU).
"""

from __future__ import annotations

from typing import Any

from nbconvert.exporters import HTMLExporter
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import GenerateFeedback
from nbgrader.utils import capture_log, temp_attrs
from traitlets.config import Config

from course_lib.nbgrader_plugins.feedback_page import FeedbackHTMLExporter

__all__ = ["feedback_app", "write_feedback"]


def feedback_app(api: NbGraderAPI) -> Any:
    """One nbgrader ``GenerateFeedback`` app, set up as ``NbGraderAPI`` sets it up (re-used
    for every submission: building it costs more than rendering one notebook)."""
    template = Config()
    template.HTMLExporter.template_name = "feedback"
    app = GenerateFeedback(coursedir=api.coursedir, parent=api)
    app.update_config(template)
    app.force = True
    if app.exporter_class is HTMLExporter:  # not when the config names another exporter
        app.exporter_class = FeedbackHTMLExporter
    return app


def write_feedback(app: Any, assignment: str, student: str) -> dict[str, Any]:
    """Run the feedback app for one submission; nbgrader's result dict."""
    with temp_attrs(app.coursedir, assignment_id=assignment, student_id=student):
        result: dict[str, Any] = capture_log(app)
    return result
