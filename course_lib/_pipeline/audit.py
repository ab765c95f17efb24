"""``pmcourse audit``: integrity checks of a graded cohort, run outside the trainees' kernels.

Some cheats cannot be stopped inside a kernel (an input transformer can turn every later cell,
the tests included, into ``pass``, and nbgrader then gives full marks). The hidden tests leave
an evidence line keyed with a secret the trainee never sees (see docs/grading.md); this module
checks, per submission:

- ``not_graded``: nbgrader could not grade the submission (its reason is kept), or its
  autograded notebook is missing (when the gradebook has scores for it, the answers are
  re-scored from the submitted notebook instead, and the finding says so; the evidence cannot
  be checked);
- ``grade_cell_changed``: a grade cell of the release is missing, duplicated, retyped or edited
  in the submitted notebook (nbgrader repaired it for grading; the instructor should know);
- ``evidence_missing`` / ``evidence_duplicated`` / ``evidence_invalid``: a graded test cell has
  no evidence line, more than one, or one whose digest does not verify;
- ``rescore_differs``: a sorting answer, read as data (``ast.literal_eval``) from the
  autograded notebook (what nbgrader graded, after its repairs; the submitted notebook when
  there is no autograded one) and re-scored with the key, earns a different score than
  nbgrader's;
- ``gradebook_differs``: the gradebook's score differs from the evidence line's;
- ``rerun_differs``: a computed (code) answer, re-run in a fresh kernel with the original
  notebook's cells and tests and only the trainee's answer cells (read from the same notebook
  as the sorting answers), scores differently;
- ``rerun_failed``: that re-run could not be done (its kernel did not start, twice).
"""

from __future__ import annotations

import csv
import multiprocessing
import shutil
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import nbformat as _nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from course_lib import _notebook as nbmeta
from course_lib._pipeline.errors import PipelineError
from course_lib._pipeline.export import item_scores
from course_lib._pipeline.kernels import (
    KernelTemplate,
    TemplateKernelManager,
    template_supported,
    use_template,
)
from course_lib._pipeline.log import GradeOutcome, read_grading_log
from course_lib._pipeline.settings import CourseSettings, read_solution_keys
from course_lib._pipeline.workers import default_workers, progress_bar, redirect_output
from course_lib.grading.answers import read_literal_answers
from course_lib.grading.evidence import evidence_digest, read_evidence
from course_lib.grading.items import load_assignment_specs
from course_lib.grading.scoring import score_sort

# nbformat ships no type hints; go through one Any-typed name.
nbformat: Any = _nbformat

AUDIT_CSV = "audit.csv"
SCORE_TOLERANCE = 1e-3
CHECKS = (
    "not_graded",
    "grade_cell_changed",
    "evidence_missing",
    "evidence_duplicated",
    "evidence_invalid",
    "rescore_differs",
    "gradebook_differs",
    "rerun_differs",
    "rerun_failed",
)


@dataclass(frozen=True)
class Finding:
    """One problem the audit found in one submission."""

    assignment: str
    student: str
    check: str
    item: str
    detail: str


@dataclass
class AuditResult:
    """All findings of one audit run, the submissions checked and where the CSV is."""

    findings: list[Finding]
    checked: int
    path: Path
    assignments: list[str] = field(default_factory=list)

    @property
    def flagged_students(self) -> list[str]:
        """Students with at least one finding, sorted."""
        return sorted({finding.student for finding in self.findings})

    def summary(self) -> str:
        """A few lines for the instructor: counts per check, then each flagged student."""
        flagged = self.flagged_students
        lines = [
            f"audit of {', '.join(self.assignments)}: {self.checked} submissions checked, "
            f"{len(flagged)} student(s) flagged"
        ]
        counts = Counter(finding.check for finding in self.findings)
        lines += [f"  {check}: {counts[check]}" for check in CHECKS if counts[check]]
        by_student: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings:
            by_student.setdefault((finding.student, finding.assignment), []).append(finding)
        for (student, assignment), found in sorted(by_student.items()):
            first = found[0]
            more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
            lines.append(
                f"  {student}/{assignment}: {first.check} {first.item}: {first.detail}{more}"
            )
        if not flagged:
            lines.append("  nothing flagged: every score is backed by valid evidence")
        return "\n".join(lines)


def _read_notebook(path: Path) -> Any:
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:
        raise PipelineError(
            f"cannot read notebook {path} ({type(error).__name__}: {error}). "
            "Regenerate it (pmcourse release) or restore it from version control."
        ) from error


def grade_cell_changes(released: Any, submitted: Any) -> list[str]:
    """What a trainee changed in the release's grade and locked cells, one line per cell."""
    cells: dict[str, list[Any]] = {}
    for cell in submitted.cells:
        grade_id = nbmeta.grade_id(cell)
        if grade_id:
            cells.setdefault(grade_id, []).append(cell)
    changes = []
    for original in released.cells:
        grade_id = nbmeta.grade_id(original)
        if not grade_id or not nbmeta.is_protected(original):
            continue
        copies = cells.get(grade_id, [])
        if not copies:
            changes.append(f"{grade_id} deleted")
        elif len(copies) > 1:
            changes.append(f"{grade_id} duplicated ({len(copies)} copies)")
        elif copies[0].cell_type != original.cell_type:
            changes.append(f"{grade_id} retyped ({original.cell_type} -> {copies[0].cell_type})")
        elif copies[0].source.strip() != original.source.strip():
            changes.append(f"{grade_id} edited")
    return changes


def _literal_value(answer: Any) -> Any:
    """The literal a trainee wrote (None when the cell holds no readable literal)."""
    for name in ("value", "answer", "literal"):
        if hasattr(answer, name):
            return getattr(answer, name)
    return None


@dataclass(frozen=True)
class _Submission:
    assignment: str
    student: str
    outcome: GradeOutcome | None


def _rerun_notebook(solution: Any, answered: Any, code_answer_ids: set[str]) -> Any:
    """The solution notebook with the trainee's code answer cells put in place of its own."""
    answers: dict[str, str] = {}
    for cell in answered.cells:
        grade_id = nbmeta.grade_id(cell)
        if grade_id in code_answer_ids and grade_id not in answers and cell.cell_type == "code":
            answers[grade_id] = cell.source
    rerun = nbformat.from_dict(solution)
    for cell in rerun.cells:
        grade_id = nbmeta.grade_id(cell)
        if grade_id in code_answer_ids:
            cell.source = answers.get(grade_id, "")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return rerun


def _rerun_scores(
    solution_path: Path,
    answers_path: Path,
    code_answer_ids: set[str],
    timeout: int,
) -> dict[str, float]:
    """Run the trainee's code answers with the original notebook in a fresh kernel.

    Returns the score of each evidence line the hidden tests printed (test grade_id -> points).
    The kernel starts in a scratch copy of the assignment's source folder (its data files).
    """
    solution = nbformat.read(solution_path, as_version=4)
    answered = nbformat.read(answers_path, as_version=4)
    rerun = _rerun_notebook(solution, answered, code_answer_ids)
    with tempfile.TemporaryDirectory(prefix="pmcourse-rerun-") as scratch:
        workdir = Path(scratch) / "work"
        shutil.copytree(
            solution_path.parent, workdir, ignore=shutil.ignore_patterns("*.ipynb", ".*")
        )
        client = NotebookClient(
            rerun,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=True,
            shutdown_kernel="immediate",
            kernel_manager_class=TemplateKernelManager,
            resources={"metadata": {"path": str(workdir)}},
        )
        try:
            client.execute()
        except CellTimeoutError:
            pass  # interrupted, like nbgrader; the evidence printed so far counts
        except DeadKernelError:
            pass  # a trainee's code killed the kernel: score what it printed before
        executed = Path(scratch) / "rerun.ipynb"
        nbformat.write(rerun, executed)
        return {line.grade_id: float(line.score) for line in read_evidence(executed)}


def _rerun_with_retry(context: dict[str, Any], answers_path: Path) -> dict[str, float] | str:
    """Re-run scores, trying twice when the kernel cannot start; the error text otherwise."""
    error: Exception | None = None
    for _ in range(2):
        try:
            return _rerun_scores(
                context["solution_path"],
                answers_path,
                context["code_answer_ids"],
                context["timeout"],
            )
        except Exception as failure:  # kernel start-up or I/O trouble, not the trainee's code
            error = failure
    return f"re-run could not run: {type(error).__name__}: {error}"


def _audit_submission(
    settings: CourseSettings, job: _Submission, context: dict[str, Any]
) -> list[Finding]:
    assignment, student = job.assignment, job.student
    found: list[Finding] = []

    def flag(check: str, item: str, detail: str) -> None:
        found.append(Finding(assignment, student, check, item, detail))

    if job.outcome is not None and not job.outcome.ok:
        flag("not_graded", "", job.outcome.reason)
        return found
    submitted_path = settings.submitted_notebook(student, assignment)
    autograded_path = settings.autograded_notebook(student, assignment)
    try:
        submitted = nbformat.read(submitted_path, as_version=4)
    except Exception as error:
        flag("not_graded", "", f"submitted notebook unreadable: {type(error).__name__}: {error}")
        return found
    # Grade cells: what the trainee handed in, against the release.
    for change in grade_cell_changes(context["released"], submitted):
        flag("grade_cell_changed", change.split(" ")[0], change)
    # Answers: what nbgrader graded (after its repairs), so a deleted answer cell is read as
    # the stub nbgrader put back, as the hidden test saw it.
    graded = autograded_path.is_file()
    answers_path = autograded_path if graded else submitted_path
    gradebook: dict[str, float] = context["gradebook"].get(student, {})
    if not graded and not gradebook:
        flag("not_graded", "", f"no autograded notebook at {autograded_path} and no scores")
        return found
    if not graded:
        flag(
            "not_graded",
            "",
            f"no autograded notebook at {autograded_path}: the evidence cannot be checked; "
            f"answers re-scored from the submitted notebook {submitted_path}",
        )
    try:
        literals = read_literal_answers(answers_path)
    except Exception as error:  # unreadable answers score zero; the evidence check still runs
        literals = {}
        flag("rescore_differs", "", f"answer cells unreadable: {type(error).__name__}: {error}")
    evidence = read_evidence(autograded_path) if graded else []
    keys = context["keys"]
    reruns: dict[str, float] | str | None = None
    for item in context["items"]:
        grade_id = item.grade_id
        key = keys.get(grade_id)
        if key is None:
            continue
        lines = [line for line in evidence if line.grade_id == grade_id]
        nbgrader_score = gradebook.get(grade_id)
        answer = None
        rescored = None
        if item.kind == "sort":
            answer = _literal_value(literals.get(item.answer_grade_id))
            fraction = score_sort(answer, key.key, item.label_kind).fraction
            rescored = float(fraction) * float(item.points)
            if nbgrader_score is not None and abs(rescored - nbgrader_score) > SCORE_TOLERANCE:
                flag(
                    "rescore_differs",
                    grade_id,
                    f"the literal answer re-scored with the key earns {rescored:.2f} of "
                    f"{item.points}; nbgrader gave {nbgrader_score:.2f}",
                )
        if not graded:
            pass  # no autograded notebook, no evidence: already flagged as not_graded
        elif not lines:
            flag("evidence_missing", grade_id, "the hidden test left no evidence line")
        elif len(lines) > 1 or lines[0].cell_grade_id != grade_id:
            cells = ", ".join(sorted({str(line.cell_grade_id) for line in lines}))
            flag("evidence_duplicated", grade_id, f"{len(lines)} evidence lines, in cells {cells}")
        else:
            line = lines[0]
            score = float(line.score)
            expected = evidence_digest(key.secret, grade_id, score, answer)
            if line.digest != expected:
                flag("evidence_invalid", grade_id, "the evidence digest does not verify")
            if nbgrader_score is not None and abs(score - nbgrader_score) > SCORE_TOLERANCE:
                flag(
                    "gradebook_differs",
                    grade_id,
                    f"evidence says {score:.2f}, the gradebook {nbgrader_score:.2f}",
                )
        if item.kind not in {"sort", "manual"}:
            if reruns is None:
                reruns = _rerun_with_retry(context, answers_path)
                if isinstance(reruns, str):
                    flag("rerun_failed", "", reruns)
            if isinstance(reruns, str):
                continue
            rerun = reruns.get(grade_id)
            if rerun is None:
                flag(
                    "rerun_differs",
                    grade_id,
                    "re-run in a fresh kernel with the original tests left no evidence",
                )
            elif nbgrader_score is not None and abs(rerun - nbgrader_score) > SCORE_TOLERANCE:
                flag(
                    "rerun_differs",
                    grade_id,
                    f"re-run in a fresh kernel with the original tests scores {rerun:.2f}; "
                    f"nbgrader gave {nbgrader_score:.2f}",
                )
    return found


# Set in the parent before forking the audit workers.
_SHARED: dict[str, Any] = {}


def _init_audit_worker(worker_log: str) -> None:
    """Send this worker's (and its kernels') console noise to ``worker_log``; give it a
    kernel template, so that each re-run gets a fresh kernel forked from it."""
    warnings.simplefilter("ignore")
    redirect_output(worker_log)
    if template_supported():
        use_template(KernelTemplate.start())


def _audit_job(job: _Submission) -> list[Finding]:
    settings: CourseSettings = _SHARED["settings"]
    try:
        return _audit_submission(settings, job, _SHARED["contexts"][job.assignment])
    except Exception as error:  # one broken submission must not stop the audit
        return [Finding(job.assignment, job.student, "not_graded", "", f"audit failed: {error!r}")]


def _context(settings: CourseSettings, assignment: str, scores: Any) -> dict[str, Any]:
    specs = load_assignment_specs()
    if assignment not in specs:
        raise PipelineError(
            f"assignment {assignment!r} is not in the course's item registry "
            f"(course_lib/data/assignment_items.csv); known: {', '.join(sorted(specs))}."
        )
    solution_path = settings.source_notebook(assignment)
    released_path = settings.release_dir / assignment / solution_path.name
    if not released_path.is_file():
        raise PipelineError(
            f"no released notebook at {released_path}: the audit compares grade cells with "
            f"the release. Run `pmcourse release {assignment}` first."
        )
    items = [item for item in specs[assignment].items if item.kind != "manual"]
    part = scores[scores["assignment"] == assignment]
    gradebook: dict[str, dict[str, float]] = {}
    for row in part.itertuples(index=False):
        gradebook.setdefault(str(row.student), {})[str(row.item)] = float(row.score)
    timeout = settings.config.get("Execute", {}).get("timeout", 30)
    return {
        "items": items,
        "keys": read_solution_keys(solution_path),
        "released": _read_notebook(released_path),
        "solution_path": solution_path,
        "gradebook": gradebook,
        "code_answer_ids": {item.answer_grade_id for item in items if item.kind != "sort"},
        "timeout": int(timeout or 30),
    }


def write_audit_csv(path: Path, findings: Sequence[Finding]) -> Path:
    """Write the findings as CSV (a header only when there are none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(Finding)])
        writer.writeheader()
        writer.writerows(asdict(finding) for finding in findings)
    return path


def _jobs(settings: CourseSettings, assignments: Sequence[str]) -> Iterator[_Submission]:
    outcomes = {(o.assignment, o.student): o for o in read_grading_log(settings)}
    for assignment in assignments:
        students = set(settings.students(assignment))
        students |= {student for (name, student) in outcomes if name == assignment}
        for student in sorted(students):
            yield _Submission(assignment, student, outcomes.get((assignment, student)))


def run_audit(
    settings: CourseSettings,
    assignments: Sequence[str],
    *,
    workers: int | None = None,
    progress: bool = True,
) -> AuditResult:
    """Audit every submission of ``assignments``; writes ``reports/audit.csv``."""
    scores = item_scores(settings, assignments)
    contexts = {name: _context(settings, name, scores) for name in assignments}
    jobs = list(_jobs(settings, assignments))
    _SHARED.update(settings=settings, contexts=contexts)
    findings: list[Finding] = []
    count = max(1, min(workers or default_workers(), len(jobs)))
    bar = progress_bar(len(jobs), progress, "auditing")
    worker_log = settings.reports_dir / "audit_workers.log"
    worker_log.parent.mkdir(parents=True, exist_ok=True)
    worker_log.write_text("")
    context = multiprocessing.get_context("fork")
    with context.Pool(count, _init_audit_worker, (str(worker_log),)) as pool, bar:
        for found in pool.imap_unordered(_audit_job, jobs):
            findings.extend(found)
            bar.update(1)
    _SHARED.clear()
    findings.sort(key=lambda f: (f.assignment, f.student, CHECKS.index(f.check), f.item))
    path = write_audit_csv(settings.reports_dir / AUDIT_CSV, findings)
    return AuditResult(findings, len(jobs), path, list(assignments))
