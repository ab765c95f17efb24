"""Synthetic cohorts: submissions of every kind real trainees hand in, with expected scores.

:func:`write_cohort` starts from the released exercise (as a trainee does), fills in answers
taken from the solution notebook and then breaks or games the notebook the way ``kind`` says.
It lays the files out as ``nbgrader collect`` does:
``submitted/<student>/<assignment>/<assignment>.ipynb`` plus the data files and a
``timestamp.txt``. :func:`expected_score` is the total autograde score nbgrader must report
and :func:`expected_flagged` what ``pmcourse audit`` must flag in the submission, and why.

Run ``nbgrader generate_assignment`` first: the release in ``exercises/`` is the starting
point and the solution in ``solutions/`` provides the answers and keys.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from course_lib import _notebook as nbmeta
from course_lib._labels import label_choices
from course_lib.grading.items import AssignmentSpec, ItemSpec, load_assignment_specs
from course_lib.grading.keys import read_keys
from course_lib.grading.scoring import RACI_RULES_SHARE

__all__ = [
    "SUBMISSION_KINDS",
    "AuditExpectation",
    "expected_flagged",
    "expected_score",
    "write_cohort",
]

#: Kind of submission -> what it is. Every kind is autograded in one nbgrader run by the tests.
SUBMISSION_KINDS: dict[str, str] = {
    "correct": "the solution's answers",
    "partial": "a third of each sort's labels wrong, a third of each RACI matrix's rows without "
    "their A (made R); every second computed answer left blank",
    "blank": "the release as shipped",
    "raising": "correct, but the last answer cell raises before it assigns its answer",
    "infinite_loop": "correct, but the first answer cell loops forever (stopped by the timeout)",
    "malformed_json": "the notebook file is cut off: not valid JSON",
    "grade_cell_deleted": "correct, with the first test cell deleted",
    "answer_cell_deleted": "correct, with the first answer cell deleted",
    "grade_cell_duplicated": "correct, with the first test cell duplicated",
    "grade_cell_split": "correct, with the first test cell split in two",
    "grade_cell_retyped": "correct, with the first test cell turned into markdown",
    "grade_cell_edited": "blank answers, every test cell replaced by code claiming full marks",
    "cheat_dict_subclass": "partial answers wrapped in a dict subclass whose lookups always match",
    "cheat_monkeypatch": "partial answers; course_lib's checking and scoring functions patched",
    "cheat_builtins": "partial answers; len, sum, isinstance, dict, ... shadowed to lie",
    "cheat_assertionerror": "partial answers; AssertionError redefined, exceptions swallowed",
    "cheat_input_transformer": "blank answers; an input transformer turns later cells into pass",
}

_TIMESTAMP = "2026-11-20 12:00:00.000000 UTC"
#: The code each tampering kind adds, one cell per kind (``metadata.pmcourse_demo.kind``).
_TAMPERING_CELLS = "tampering_cells.ipynb"


@cache
def tampering_cells() -> dict[str, str]:
    """Kind -> the code that kind of submission adds (from the bundled notebook of cells)."""
    text = (
        resources.files("course_lib").joinpath("data", "demo", _TAMPERING_CELLS).read_text("utf-8")
    )
    cells = json.loads(text)["cells"]
    return {
        str(cell["metadata"]["pmcourse_demo"]["kind"]): nbmeta.cell_source(cell)
        for cell in cells
        if cell.get("cell_type") == "code"
    }


def _solution_body(source: str) -> str:
    """Return a solution cell's source with the BEGIN/END SOLUTION marker lines removed."""
    lines = [line for line in source.split("\n") if "### BEGIN SOLUTION" not in line]
    return "\n".join(line for line in lines if "### END SOLUTION" not in line)


def _dict_source(variable: str, answer: Mapping[str, str]) -> str:
    entries = "".join(
        f"    {json.dumps(key)}: {json.dumps(value)},\n" for key, value in answer.items()
    )
    return f"{variable} = {{\n{entries}}}"


def _n_wrong(spec: ItemSpec) -> int:
    return max(1, len(spec.ids) // 3)


def _wrong_labels(spec: ItemSpec, key: Mapping[str, str], rng: random.Random) -> dict[str, str]:
    """The key with ``_n_wrong(spec)`` labels (chosen with ``rng``) replaced by wrong ones."""
    wrong = set(rng.sample(sorted(key), _n_wrong(spec)))
    choices = label_choices(spec.label_kind)
    return {
        task: next(c for c in choices if c != label) if task in wrong else label
        for task, label in key.items()
    }


def _raci_source(variable: str, matrix: Mapping[str, Mapping[str, str]]) -> str:
    rows = "".join(
        f"    {json.dumps(task)}: {{"
        + ", ".join(
            f"{json.dumps(role)}: {json.dumps(letter) if letter else None}"
            for role, letter in row.items()
        )
        + "},\n"
        for task, row in matrix.items()
    )
    return f"{variable} = {{\n{rows}}}"


def _wrong_raci(
    spec: ItemSpec, key: Mapping[str, Mapping[str, str]], rng: random.Random
) -> dict[str, dict[str, str]]:
    """The key with the A of ``_n_wrong(spec)`` rows made an R: each such row breaks the rules
    (no A) and has exactly one cell wrong."""
    wrong = set(rng.sample(sorted(key), _n_wrong(spec)))
    return {
        task: {
            role: "R" if task in wrong and letter == "A" else letter for role, letter in row.items()
        }
        for task, row in key.items()
    }


def _partial_fraction(item: ItemSpec) -> float:
    """The share of ``item``'s points a ``partial`` submission earns (sorts and RACI items)."""
    tasks, wrong = len(item.ids), _n_wrong(item)
    if item.kind == "raci":
        cells = tasks * len(item.columns)
        return (
            RACI_RULES_SHARE * (tasks - wrong) / tasks
            + (1 - RACI_RULES_SHARE) * (cells - wrong) / cells
        )
    return (tasks - wrong) / tasks


def _autograded(spec: AssignmentSpec) -> list[ItemSpec]:
    return [item for item in spec.items if item.autograded]


def _code_item_kept(spec: AssignmentSpec, item: ItemSpec) -> bool:
    """In ``partial`` submissions, computed answers alternate: kept, blank, kept, ..."""
    code_items = [i for i in _autograded(spec) if i.kind not in ("sort", "raci")]
    return code_items.index(item) % 2 == 0


def _cell_index(cells: list[dict[str, Any]], grade_id: str) -> int:
    for index, cell in enumerate(cells):
        if nbmeta.grade_id(cell) == grade_id:
            return index
    raise ValueError(f"no cell with grade_id {grade_id!r} in the notebook")


def _answers(
    kind: str,
    spec: AssignmentSpec,
    solution: dict[str, Any],
    keys: Mapping[str, Any],
    rng: random.Random,
) -> dict[str, str | None]:
    """Answer grade_id -> new source (``None`` keeps the released stub)."""
    solution_cells = {
        nbmeta.grade_id(cell): cell for cell in solution["cells"] if nbmeta.grade_id(cell)
    }
    base = "correct"
    if kind in ("blank", "grade_cell_edited", "cheat_input_transformer"):
        base = "blank"
    elif kind == "partial" or (kind.startswith("cheat_")):
        base = "partial"
    answers: dict[str, str | None] = {}
    for item in spec.items:
        if item.kind == "manual" or base == "blank":
            answers[item.answer_grade_id] = None
            continue
        correct = _solution_body(nbmeta.cell_source(solution_cells[item.answer_grade_id]))
        if base == "correct":
            answers[item.answer_grade_id] = correct
        elif item.kind == "sort":
            labels = _wrong_labels(item, keys[item.grade_id].key, rng)
            answers[item.answer_grade_id] = _dict_source(item.answer_variable, labels)
        elif item.kind == "raci":
            matrix = _wrong_raci(item, keys[item.grade_id].key, rng)
            answers[item.answer_grade_id] = _raci_source(item.answer_variable, matrix)
        else:
            answers[item.answer_grade_id] = correct if _code_item_kept(spec, item) else None
    if kind == "cheat_dict_subclass":
        for item in _autograded(spec):
            source = answers[item.answer_grade_id] or ""
            mapped = item.kind in ("sort", "labels", "table", "raci")
            wrapped = item.answer_variable if mapped else ""
            if mapped and not source:
                wrapped = "{}"
            prefix = tampering_cells()["dict_subclass_prefix"]
            answers[item.answer_grade_id] = (
                f"{prefix}{source}\n{item.answer_variable} = _Always({wrapped})"
            )
    items = _autograded(spec)
    if kind == "raising":
        last = items[-1].answer_grade_id
        answers[last] = f'raise RuntimeError("not finished")\n{answers[last]}'
    if kind == "infinite_loop":
        first = items[0].answer_grade_id
        answers[first] = f"while True:\n    pass\n{answers[first]}"
    return answers


def _submission(
    kind: str,
    spec: AssignmentSpec,
    release: dict[str, Any],
    solution: dict[str, Any],
    keys: Mapping[str, Any],
    seed: int,
) -> dict[str, Any]:
    rng = random.Random(f"{seed}-{spec.id}-{kind}")
    notebook = copy.deepcopy(release)
    cells: list[dict[str, Any]] = notebook["cells"]
    for grade_id, source in _answers(kind, spec, solution, keys, rng).items():
        if source is not None:
            cells[_cell_index(cells, grade_id)]["source"] = source
    first_test = _autograded(spec)[0].grade_id
    index = _cell_index(cells, first_test)
    if kind == "grade_cell_deleted":
        del cells[index]
    elif kind == "answer_cell_deleted":
        del cells[_cell_index(cells, _autograded(spec)[0].answer_grade_id)]
    elif kind == "grade_cell_duplicated":
        cells.insert(index + 1, copy.deepcopy(cells[index]))
    elif kind == "grade_cell_split":
        lines = nbmeta.cell_source(cells[index]).split("\n")
        second = copy.deepcopy(cells[index])
        cells[index]["source"] = "\n".join(lines[:1])
        second["source"] = "\n".join(lines[1:])
        second["id"] = f"{cells[index].get('id', 'cell')}-split"
        cells.insert(index + 1, second)
    elif kind == "grade_cell_retyped":
        cell = cells[index]
        cell["cell_type"] = "markdown"
        cell.pop("outputs", None)
        cell.pop("execution_count", None)
    elif kind == "grade_cell_edited":
        for item in _autograded(spec):
            cells[_cell_index(cells, item.grade_id)]["source"] = f"{item.points!r}"
    elif kind in SUBMISSION_KINDS and kind in tampering_cells():
        cheat: dict[str, Any] = {
            "cell_type": "code",
            "execution_count": None,
            "id": f"trainee-{kind.replace('_', '-')}",
            "metadata": {},
            "outputs": [],
            "source": tampering_cells()[kind],
        }
        position = 0 if kind == "cheat_input_transformer" else _cell_index(cells, first_test) - 1
        cells.insert(max(position, 0), cheat)
    return notebook


def write_cohort(course_root: Path, assignment: str, kinds: Mapping[str, str], seed: int) -> None:
    """Write one submission per ``student -> kind`` of ``kinds`` under ``course_root/submitted``.

    ``course_root`` holds ``solutions/<assignment>/`` and the generated
    ``exercises/<assignment>/``. Unknown kinds raise ``ValueError`` listing the known ones.
    """
    unknown = sorted(set(kinds.values()) - set(SUBMISSION_KINDS))
    if unknown:
        raise ValueError(
            f"unknown submission kind(s) {unknown}; expected one of: {', '.join(SUBMISSION_KINDS)}"
        )
    specs = load_assignment_specs()
    if assignment not in specs:
        raise ValueError(f"unknown assignment {assignment!r}; expected one of: {', '.join(specs)}")
    spec = specs[assignment]
    course_root = Path(course_root)
    release_dir = course_root / "exercises" / assignment
    solution_path = course_root / "solutions" / assignment / spec.notebook
    if not (release_dir / spec.notebook).is_file():
        raise FileNotFoundError(
            f"{release_dir / spec.notebook} is missing; run `nbgrader generate_assignment "
            f"{assignment}` in {course_root} first"
        )
    release = json.loads((release_dir / spec.notebook).read_text(encoding="utf-8"))
    solution = json.loads(solution_path.read_text(encoding="utf-8"))
    keys = read_keys(solution_path)
    for student, kind in kinds.items():
        folder = course_root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for data_file in release_dir.iterdir():
            if data_file.is_file() and data_file.suffix != ".ipynb":
                shutil.copy(data_file, folder / data_file.name)
        (folder / "timestamp.txt").write_text(_TIMESTAMP, encoding="utf-8")
        target = folder / spec.notebook
        if kind == "malformed_json":
            text = json.dumps(release, indent=1)
            target.write_text(text[: len(text) // 2], encoding="utf-8")
            continue
        notebook = _submission(kind, spec, release, solution, keys, seed)
        target.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")


def expected_score(assignment: str, kind: str) -> float:
    """Return the total autograde score nbgrader gives a submission of ``kind``.

    Manually graded items are not included (they await the instructor). Cheats get no more
    than the answers they hold: the grader scores what each test cell hands over, with keys
    the kernel never sees.
    """
    if kind not in SUBMISSION_KINDS:
        raise ValueError(
            f"unknown submission kind {kind!r}; expected one of: {', '.join(SUBMISSION_KINDS)}"
        )
    spec = load_assignment_specs()[assignment]
    items = _autograded(spec)
    total = spec.autograded_points
    if kind in ("correct", "grade_cell_deleted", "grade_cell_duplicated", "grade_cell_split"):
        return total
    if kind == "grade_cell_retyped":
        return total
    if kind == "raising":
        return total - items[-1].points
    if kind in ("infinite_loop", "answer_cell_deleted"):
        return total - items[0].points
    if kind in ("partial", "cheat_monkeypatch", "cheat_builtins", "cheat_assertionerror"):
        score = 0.0
        for item in items:
            if item.kind in ("sort", "raci"):
                score += item.points * _partial_fraction(item)
            elif _code_item_kept(spec, item):
                score += item.points
        return score
    return 0.0  # blank, malformed_json, grade_cell_edited, cheat_dict_subclass


@dataclass(frozen=True)
class AuditExpectation:
    """What ``pmcourse audit`` must report for one submission: its checks, and why.

    ``checks`` are names of ``course_lib._pipeline.audit.CHECKS``; the submission is flagged
    exactly when there is at least one. ``reason`` says why in a sentence.
    """

    kind: str
    checks: frozenset[str]
    reason: str

    @property
    def flagged(self) -> bool:
        """Whether the audit must flag the submission at all."""
        return bool(self.checks)


def expected_flagged(assignment: str, kind: str) -> AuditExpectation:
    """Return what the audit must flag for a submission of ``kind`` to ``assignment``.

    The audit flags a submission nbgrader could not grade (the unreadable notebook), grade
    cells the trainee changed (nbgrader repaired them and graded fairly), and test cells that
    handed nothing over (the input-transformer cheat). Every other kind, cheats that only
    reach their own answers and a deleted answer cell included, leaves nothing to flag.
    """
    if kind not in SUBMISSION_KINDS:
        raise ValueError(
            f"unknown submission kind {kind!r}; expected one of: {', '.join(SUBMISSION_KINDS)}"
        )
    specs = load_assignment_specs()
    if assignment not in specs:
        raise ValueError(f"unknown assignment {assignment!r}; expected one of: {', '.join(specs)}")
    if kind == "malformed_json":
        return AuditExpectation(
            kind,
            frozenset({"not_graded"}),
            "the notebook is not valid JSON: nbgrader cannot grade it",
        )
    if kind.startswith("grade_cell_"):
        return AuditExpectation(
            kind,
            frozenset({"grade_cell_changed"}),
            "a grade cell differs from the release: nbgrader restored it and graded fairly, "
            "but the instructor should know",
        )
    if kind == "cheat_input_transformer":
        return AuditExpectation(
            kind,
            frozenset({"handover_missing"}),
            "the transformer rewrote every test cell, so none handed its answer over: the "
            "grader gave 0, and the instructor should know why",
        )
    return AuditExpectation(
        kind, frozenset(), "every test cell handed its answer over and the grade cells are intact"
    )
