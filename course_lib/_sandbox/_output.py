"""Cap what an executed notebook keeps of a kernel's output, while the cell runs.

Mix :class:`OutputCapMixin` into nbclient's ``NotebookClient`` (or nbgrader's ``Execute``,
which subclasses it). Each output message is measured as it arrives; once a cell, or the
whole notebook, has used its budget, further output is dropped (a stream is cut at the
budget) and one note says so, e.g. ``[output cut: this cell printed more than 100 kB]``.
Nothing beyond the budget is kept, so memory and the saved notebook stay small whatever the
kernel prints.

What nbgrader reads to grade a cell is never dropped, only shortened: the first error, the
first result and the first ``stderr`` text of each cell (an error or ``stderr`` output scores
0, a result may give partial credit), so printing a lot cannot hide a failing test.
"""

from __future__ import annotations

from typing import Any

from traitlets import Int
from traitlets.config import LoggingConfigurable

#: Messages whose content ends up in the notebook (or its widget state).
_PAYLOAD = {
    "stream",
    "display_data",
    "execute_result",
    "error",
    "update_display_data",
    "comm_open",
    "comm_msg",
}
#: Text kept of each field of an output nbgrader grades with, once the budget is used.
_EVIDENCE_CHARS = 500
_TRACEBACK_LINES = 5


def payload_size(value: Any) -> int:
    """Characters (or bytes) of text in a decoded message, counted without recursion."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes | bytearray | memoryview):
            total += len(item)
        elif isinstance(item, dict):
            total += sum(len(str(key)) for key in item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            total += 8
    return total


def _evidence_kind(msg: dict[str, Any]) -> str | None:
    """The kind of output nbgrader grades with ('error', 'execute_result', 'stderr'), or None."""
    kind = str(msg["msg_type"])
    if kind in ("error", "execute_result"):
        return kind
    if kind == "stream" and msg["content"].get("name") == "stderr":
        return "stderr"
    return None


def _shorten(msg: dict[str, Any]) -> None:
    """Cut an output nbgrader grades with down to a few hundred characters per field."""
    content = msg["content"]
    if "text" in content:
        content["text"] = str(content["text"])[:_EVIDENCE_CHARS]
    if "evalue" in content:
        content["evalue"] = str(content["evalue"])[:_EVIDENCE_CHARS]
    if "traceback" in content:
        lines = content["traceback"][-_TRACEBACK_LINES:]
        content["traceback"] = [str(line)[:_EVIDENCE_CHARS] for line in lines]
    if "data" in content:
        content["data"] = {
            mime: str(value)[:_EVIDENCE_CHARS]
            for mime, value in list(content["data"].items())[:2]
            if isinstance(value, str)
        }
        content["metadata"] = {}


def _kb(limit: int) -> str:
    return f"{limit / 1000:g} kB"


class OutputCapMixin(LoggingConfigurable):
    """Caps the output a ``NotebookClient`` keeps per cell and per notebook (see the module).

    Put it first among the bases: ``class Capped(OutputCapMixin, NotebookClient)``. Its two
    limits are configurable (``OutputCapMixin.output_cell_limit`` or the subclass's name).
    """

    output_cell_limit = Int(
        100_000, help="Characters of output kept per cell; the rest is cut with a note."
    ).tag(config=True)
    output_notebook_limit = Int(
        400_000, help="Characters of output kept per notebook; the rest is cut with a note."
    ).tag(config=True)

    def reset_execution_trackers(self) -> None:
        """Start a new notebook's output budget."""
        super().reset_execution_trackers()  # type: ignore[misc]
        self._output_used: dict[int, int] = {}
        self._output_total = 0
        self._output_cut: set[int] = set()
        self._evidence_kept: set[tuple[int, str]] = set()

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        """Let ``msg`` through if it fits the budgets; cut, shorten or drop it otherwise."""
        if msg["msg_type"] not in _PAYLOAD:
            return super().process_message(msg, cell, cell_index)  # type: ignore[misc]
        cell_room = self.output_cell_limit - self._output_used.get(cell_index, 0)
        notebook_room = self.output_notebook_limit - self._output_total
        room = min(cell_room, notebook_room)
        size = payload_size(msg["content"]) + payload_size(msg.get("buffers") or [])
        if size <= room:
            self._count(cell_index, size)
            return super().process_message(msg, cell, cell_index)  # type: ignore[misc]
        result = None
        evidence = _evidence_kind(msg)
        if msg["msg_type"] == "stream" and room > 0:
            msg["content"]["text"] = str(msg["content"]["text"])[:room]
            self._count(cell_index, room)
            if evidence:
                self._evidence_kept.add((cell_index, evidence))
            result = super().process_message(msg, cell, cell_index)  # type: ignore[misc]
        elif evidence and (cell_index, evidence) not in self._evidence_kept:
            self._evidence_kept.add((cell_index, evidence))
            _shorten(msg)
            result = super().process_message(msg, cell, cell_index)  # type: ignore[misc]
        self._note_cut(cell, cell_index, cell_room <= notebook_room)
        return result

    def _count(self, cell_index: int, size: int) -> None:
        self._output_used[cell_index] = self._output_used.get(cell_index, 0) + size
        self._output_total += size

    def _note_cut(self, cell: Any, cell_index: int, by_cell: bool) -> None:
        if cell_index in self._output_cut:
            return
        self._output_cut.add(cell_index)
        if by_cell:
            what = f"this cell printed more than {_kb(self.output_cell_limit)}"
        else:
            what = f"this notebook printed more than {_kb(self.output_notebook_limit)}"
        note = {"output_type": "stream", "name": "stdout", "text": f"\n[output cut: {what}]\n"}
        # nbformat is imported here, not at module level: kernel templates import this
        # package and must not pay for nbformat's JSON-schema validators.
        from nbformat import NotebookNode

        cell.outputs.append(NotebookNode(note))  # type: ignore[no-untyped-call]  # nbformat
