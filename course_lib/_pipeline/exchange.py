"""nbgrader's exchange as the instructor uses it: release to trainees, collect, release feedback.

Each step is nbgrader's own (``release_assignment``, ``collect``, ``release_feedback``) run
through ``NbGraderAPI`` with the course's ``nbgrader_config.py``, so the exchange folder
(``c.Exchange.root``) and course id (``c.CourseDirectory.course_id``) come from there. A step
that fails raises :class:`PipelineError` with nbgrader's reason and the usual fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbgrader.apps import NbGraderAPI
from nbgrader.exchange.default import Exchange

from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.results import failure_reason
from course_lib._pipeline.settings import CourseSettings

__all__ = ["exchange_api", "exchange_root", "release_to_exchange", "run_step"]


def exchange_root(settings: CourseSettings) -> Path:
    """The exchange folder the course uses (``c.Exchange.root``, else nbgrader's default)."""
    return Path(Exchange(config=settings.config).root)


def exchange_api(settings: CourseSettings) -> NbGraderAPI:
    """An ``NbGraderAPI`` on the course's configuration (exchange included)."""
    return NbGraderAPI(config=settings.config)


def run_step(settings: CourseSettings, step: str, assignment: str, result: Any) -> dict[str, Any]:
    """``result`` of the nbgrader exchange step ``step``; PipelineError naming the exchange,
    the reason and the fix when it failed."""
    if result is None or not result.get("success"):
        found = failure_reason(result or {})
        reason = found if not found.startswith("nbgrader autograde") else "see nbgrader's log"
        raise PipelineError(
            f"nbgrader {step} failed for {assignment}: {reason}. The exchange is "
            f"{exchange_root(settings)} (c.Exchange.root) and the course id is "
            f"{settings.course_id!r} (c.CourseDirectory.course_id): the exchange must exist "
            "and be writable by everyone (mkdir -p it, then chmod 777 as root), or set "
            "c.Exchange.root in nbgrader_config.py to one that is."
        )
    return dict(result)


def release_to_exchange(settings: CourseSettings, assignment: str) -> Path:
    """``nbgrader release_assignment``: put the generated release of ``assignment`` in the
    exchange for trainees to fetch (replacing an earlier release); returns its folder."""
    settings.check_assignment(assignment)
    if not (settings.release_dir / assignment).is_dir():
        raise PipelineError(
            f"{assignment} is not generated yet (no {settings.release_dir / assignment}). "
            f"Run `pmcourse release {assignment}` without --exchange first."
        )
    api = exchange_api(settings)
    if (exchange_root(settings) / settings.course_id / "outbound" / assignment).is_dir():
        run_step(settings, "unrelease", assignment, api.unrelease(assignment))
    run_step(settings, "release_assignment", assignment, api.release_assignment(assignment))
    return exchange_root(settings) / settings.course_id / "outbound" / assignment
