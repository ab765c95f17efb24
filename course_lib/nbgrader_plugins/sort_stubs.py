"""Release sorting answers as the same dict with ``None`` labels (valid Python, zero points).

RACI answers (a one-line dict of letters per task) are released the same way, each letter
``None``.

:class:`SortStubClearSolutions` replaces nbgrader's ``ClearSolutions`` in the release
pipeline: instead of the generic ``...  # YOUR ANSWER HERE`` stub, a sorting dict keeps its
ids (and their comments) with every label set to ``None``.
"""

from __future__ import annotations

import re

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearSolutions

__all__ = ["SortStubClearSolutions", "sort_stub"]

_DICT_OPEN = re.compile(r"^(?P<indent>\s*)(?P<name>[A-Za-z_]\w*)\s*=\s*\{\s*$")
_LABEL = r'"[^"\\]*"|None'
#: A one-line dict of labels, as a RACI row: ``{"PM": "A", "PMM": "R", "sales": None}``.
_ROW = rf'\{{(?:\s*"[^"\\]+"\s*:\s*(?:{_LABEL})\s*,?)*\s*\}}'
_DICT_ENTRY = re.compile(
    rf'^(?P<head>\s*"[^"\\]+"\s*:\s*)(?P<value>{_LABEL}|{_ROW})(?P<tail>\s*,?\s*(#.*)?)$'
)
_ROW_LABEL = re.compile(rf'(?P<key>"[^"\\]+"\s*:\s*)(?:{_LABEL})')
_DICT_CLOSE = re.compile(r"^\s*\}\s*$")
_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$")


def sort_stub(lines: list[str]) -> list[str] | None:
    """Return the lines of a sorting dict with every label replaced by ``None``.

    ``lines`` is the inside of a solution region. It qualifies when it is one assignment
    ``name = {`` ... ``}`` with one ``"id": "label",`` entry per line, or one ``"id": {...},``
    entry per line whose one-line dict holds labels (a RACI row); comments and blank lines are
    allowed. Otherwise ``None`` is returned and nbgrader's usual stub applies.

    >>> sort_stub(['answer = {', '    "a": "product_management",  # A', '}'])
    ['answer = {', '    "a": None,  # A', '}']
    >>> sort_stub(['raci = {', '    "a": {"PM": "A", "PMM": "R", "sales": None},', '}'])
    ['raci = {', '    "a": {"PM": None, "PMM": None, "sales": None},', '}']
    """
    code = [line for line in lines if not _COMMENT_OR_BLANK.match(line)]
    if len(code) < 2 or not _DICT_OPEN.match(code[0]) or not _DICT_CLOSE.match(code[-1]):
        return None
    stub: list[str] = []
    opened = closed = False
    for line in lines:
        entry = _DICT_ENTRY.match(line)
        if not opened:
            opened = bool(_DICT_OPEN.match(line))
            stub.append(line)
        elif closed or _COMMENT_OR_BLANK.match(line):
            stub.append(line)
        elif _DICT_CLOSE.match(line):
            closed = True
            stub.append(line)
        elif entry:
            value = entry["value"]
            blank = _ROW_LABEL.sub(r"\g<key>None", value) if value.startswith("{") else "None"
            stub.append(f"{entry['head']}{blank}{entry['tail']}")
        else:
            return None
    return stub


class SortStubClearSolutions(ClearSolutions):  # type: ignore[misc]
    """ClearSolutions that releases sorting dicts with ``None`` labels (see :func:`sort_stub`)."""

    def _replace_solution_region(self, cell: NotebookNode, language: str) -> bool:
        lines = cell.source.split("\n")
        begin = [i for i, line in enumerate(lines) if self.begin_solution_delimeter in line]
        end = [i for i, line in enumerate(lines) if self.end_solution_delimeter in line]
        if cell.cell_type == "code" and len(begin) == 1 and len(end) == 1 and begin[0] < end[0]:
            stub = sort_stub(lines[begin[0] + 1 : end[0]])
            if stub is not None:
                cell.source = "\n".join(lines[: begin[0]] + stub + lines[end[0] + 1 :])
                return True
        replaced: bool = super()._replace_solution_region(cell, language)
        return replaced
