"""Keyed evidence lines the hidden tests print after scoring, and reading them back.

Instructor side, for ``pmcourse audit``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from course_lib import _notebook as nbmeta
from course_lib.grading.scoring import canonical_json

__all__ = ["EVIDENCE_PREFIX", "Evidence", "evidence_digest", "evidence_line", "read_evidence"]

#: First word of the line every hidden test writes after scoring.
EVIDENCE_PREFIX = "PMCOURSE-EVIDENCE"

_EVIDENCE_PATTERN = re.compile(
    rf"^{EVIDENCE_PREFIX} (?P<grade_id>\S+) (?P<score>-?\d+\.\d{{4}}) (?P<digest>[0-9a-f]{{64}})$"
)


def evidence_digest(secret: str, grade_id: str, score: float, answer: object) -> str:
    """Return the HMAC-SHA256 hex digest a hidden test prints for ``score`` and ``answer``.

    ``answer`` is the literal sort answer (``None`` for computed answers, whose canonical
    form is ``null``); the message is ``f"{grade_id}|{score:.4f}|{canonical_json(answer)}"``.
    """
    message = f"{grade_id}|{score:.4f}|{canonical_json(answer)}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def evidence_line(secret: str, grade_id: str, score: float, answer: object) -> str:
    """Return the whole evidence line for ``score`` and ``answer`` (without newline)."""
    digest = evidence_digest(secret, grade_id, score, answer)
    return f"{EVIDENCE_PREFIX} {grade_id} {score:.4f} {digest}"


@dataclass(frozen=True)
class Evidence:
    """One evidence line found in the outputs of a grade cell."""

    cell_grade_id: str
    grade_id: str
    score: float
    digest: str


def read_evidence(notebook_path: str | Path) -> list[Evidence]:
    """Return the evidence lines in the stdout of the grade cells of an autograded notebook."""
    found: list[Evidence] = []
    for cell in nbmeta.read_notebook_json(notebook_path).get("cells", []):
        cell_grade_id = nbmeta.grade_id(cell)
        if cell.get("cell_type") != "code" or cell_grade_id is None:
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream" or output.get("name") != "stdout":
                continue
            for line in nbmeta.cell_source({"source": output.get("text", "")}).splitlines():
                match = _EVIDENCE_PATTERN.match(line.strip())
                if match:
                    found.append(
                        Evidence(
                            cell_grade_id,
                            match["grade_id"],
                            float(match["score"]),
                            match["digest"],
                        )
                    )
    return found
