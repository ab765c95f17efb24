"""``pmcourse grade --scheduler``: grading on a real Dask cluster (a scheduler and two worker
processes on 127.0.0.1, :mod:`dask_support`), against grading on this machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cohort_support import log_rows, released_course
from dask_support import DaskCluster
from distributed import Client
from nbgrader.api import Gradebook
from nbgrader_support import nbgrader_env

from course_lib._pipeline.demo import cohort
from course_lib._pipeline.export import item_scores
from course_lib._pipeline.grade import GradingRun, grade_cohort
from course_lib._pipeline.settings import load_settings
from course_lib.cli import main

pytestmark = [pytest.mark.nbgrader, pytest.mark.dask, pytest.mark.slow]

ASSIGNMENT = "a1_roles"
KINDS = {"ann": "correct", "bob": "partial", "cy": "blank"}
WAIT = 120.0

LOCAL_GRADE = """
import json, sys
from course_lib.cli import main
code = main(["grade", "--course-dir", sys.argv[1], "--no-progress"])
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("dask", "distributed"))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def _scores(course: Path) -> dict[tuple[str, str], tuple[float, float]]:
    table = item_scores(load_settings(course, jupyter_path=False), [ASSIGNMENT])
    return {
        (row.student, row.item): (float(row.score), float(row.max_score))
        for row in table.itertuples()
    }


def test_cluster_grades_as_this_machine_does(
    dask_cluster: DaskCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = released_course(tmp_path / "local", {ASSIGNMENT: KINDS})
    remote = Path(shutil.copytree(local, tmp_path / "remote", symlinks=True))

    # On this machine, in a fresh process: Dask is never imported.
    finished = subprocess.run(
        [sys.executable, "-c", LOCAL_GRADE, str(local)],
        env=nbgrader_env(), capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    ran = json.loads(finished.stdout.strip().splitlines()[-1])
    assert ran == {"code": 0, "loaded": []}

    capsys.readouterr()
    command = ["grade", "--course-dir", str(remote), "--no-progress"]
    assert main([*command, "--scheduler", dask_cluster.address]) == 0
    assert f"on the Dask cluster at {dask_cluster.address}" in capsys.readouterr().out

    scores = _scores(remote)
    assert scores == _scores(local)
    assert {student for student, _ in scores} == set(KINDS)
    totals = {student: 0.0 for student in KINDS}
    for (student, _), (score, _) in scores.items():
        totals[student] += score
    assert totals == pytest.approx(
        {student: cohort.expected_score(ASSIGNMENT, kind) for student, kind in KINDS.items()}
    )
    # grade wrote reports/grades.csv; nbgrader's own export format must match as well.
    for course in (local, remote):
        to = course / "reports" / "nbgrader_grades.csv"
        assert main(["export", "--course-dir", str(course), "--format", "nbgrader",
                     "--to", str(to)]) == 0  # fmt: skip
    for name in ("grades.csv", "nbgrader_grades.csv"):
        exported = (remote / "reports" / name).read_bytes()
        assert exported == (local / "reports" / name).read_bytes()
    for student in KINDS:
        feedback = f"feedback/{student}/{ASSIGNMENT}/{ASSIGNMENT}.html"
        assert (remote / feedback).is_file() and (local / feedback).is_file()


def _executing_on(client: Client, student: str) -> str | None:
    """Address of the worker now running ``student``'s grading task, if one is."""
    for worker, stacks in client.call_stack().items():
        if any(str(key).endswith(f"-{ASSIGNMENT}-{student}") for key in stacks):
            return str(worker)
    return None


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie not yet reaped by its parent counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def test_a_worker_killed_mid_task_loses_nothing(dask_cluster: DaskCluster, tmp_path: Path) -> None:
    # "lou" loops until the 10 s cell timeout: long enough to kill its worker mid-task.
    kinds = {"ann": "correct", "bob": "partial", "lou": "infinite_loop"}
    # The cluster comes from the course's config this time, not from an argument.
    scheduler = f"c.PmCourse.scheduler = {dask_cluster.address!r}"
    course = released_course(tmp_path / "course", {ASSIGNMENT: kinds}, [scheduler])
    settings = load_settings(course, jupyter_path=False)
    assert settings.options.scheduler == dask_cluster.address
    runs: list[GradingRun] = []
    grading = threading.Thread(
        target=lambda: runs.append(grade_cohort(settings, [ASSIGNMENT], progress=False))
    )
    grading.start()
    killed = ""
    try:
        with Client(dask_cluster.address, timeout=WAIT) as client:
            deadline = time.monotonic() + WAIT
            while not killed and grading.is_alive() and time.monotonic() < deadline:
                address = _executing_on(client, "lou")
                if address is None:
                    time.sleep(0.2)
                    continue
                time.sleep(1.0)  # well inside the loop, before the timeout stops it
                killed = str(client.scheduler_info()["workers"][address]["name"])
                os.kill(dask_cluster.worker_pids[killed], signal.SIGKILL)
    finally:
        grading.join(timeout=600)
    assert killed, f"lou's task was never seen running:\n{dask_cluster.logs()}"
    assert not grading.is_alive() and len(runs) == 1
    assert _gone(dask_cluster.worker_pids[killed])

    run = runs[0]
    assert sorted(outcome.student for outcome in run.graded) == sorted(kinds)
    assert all(outcome.ok for outcome in run.graded), run.graded
    assert sorted(row["student"] for row in log_rows(course)) == sorted(kinds)
    with Gradebook(settings.db_url, settings.course_id) as gradebook:
        submitted = [s.student_id for s in gradebook.find_assignment(ASSIGNMENT).submissions]
        assert sorted(submitted) == sorted(kinds)
        totals = {s: gradebook.find_submission(ASSIGNMENT, s).score for s in kinds}
    assert totals == pytest.approx(
        {student: cohort.expected_score(ASSIGNMENT, kind) for student, kind in kinds.items()}
    )
