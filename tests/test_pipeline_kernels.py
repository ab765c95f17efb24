"""Kernels forked from a pre-imported template: fresh per notebook, nothing leaks between them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from queue import Empty

import pytest
import zmq
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from course_lib._pipeline.kernels import (
    KernelTemplate,
    TemplateKernelManager,
    _kernel_arguments,
    template_supported,
    use_template,
)
from course_lib._pipeline.prompt_kernels import PromptKernelClient
from course_lib._sandbox import Policy, check_support

pytestmark = pytest.mark.skipif(not template_supported(), reason="needs Linux pidfd support")

SPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelTemplate]:
    # A descriptor the grading process holds (like its pool's pipes): kernels must not get it.
    marker = tmp_path_factory.mktemp("fds") / "worker-only.txt"
    held = os.open(marker, os.O_CREAT | os.O_WRONLY)
    os.set_inheritable(held, True)
    started = KernelTemplate.start()
    use_template(started)
    yield started
    use_template(None)
    started.close()
    os.close(held)


def test_kernels_hold_no_descriptor_or_warning_filter_of_the_grader(
    template: KernelTemplate, tmp_path: Path
) -> None:
    probe = (
        "import json, os, warnings\n"
        "paths = []\n"
        "for fd in os.listdir('/proc/self/fd'):\n"
        "    try:\n"
        "        paths.append(os.readlink(f'/proc/self/fd/{fd}'))\n"
        "    except OSError:\n"
        "        pass  # the descriptor listdir itself used\n"
        "print(json.dumps({'worker_file': any('worker-only' in p for p in paths),\n"
        "  'error_filters': [str(f) for f in warnings.filters\n"
        "                    if f[0] == 'error' and f[2] is Warning]}))"
    )
    (seen,) = _run([probe], tmp_path)
    state = json.loads(seen)
    assert state == {"worker_file": False, "error_filters": []}  # pytest's are not inherited


def _run(cells: list[str], cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    notebook = new_notebook(cells=[new_code_cell(c) for c in cells], metadata={"kernelspec": SPEC})
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=30,
        shutdown_kernel="immediate",
        kernel_manager_class=TemplateKernelManager,
        resources={"metadata": {"path": str(cwd)}},
    )
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return ["".join(output.get("text", "") for output in cell.outputs) for cell in notebook.cells]


def test_a_trainees_changes_do_not_reach_the_next_kernel(
    template: KernelTemplate, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    tamper = (
        "import builtins, os, pandas, course_lib\n"
        "builtins.LEAKED = True\n"
        "pandas.LEAKED = course_lib.LEAKED = True\n"
        "os.environ['LEAKED'] = '1'\n"
        "secret_answer = 42\n"
        "print(os.getpid())"
    )
    (pid_text,) = _run([tamper], first)
    probe = (
        "import json, os, sys, pandas, course_lib\n"
        "import builtins\n"
        "print(json.dumps({'builtins': hasattr(builtins, 'LEAKED'),\n"
        "  'pandas': hasattr(pandas, 'LEAKED'),\n"
        "  'course_lib': hasattr(course_lib, 'LEAKED'), 'env': os.environ.get('LEAKED'),\n"
        "  'answer': 'secret_answer' in globals(), 'pid': os.getpid(), 'cwd': os.getcwd(),\n"
        "  'grading': os.environ.get('NBGRADER_EXECUTION')}))"
    )
    (seen,) = _run([probe], second, env={"NBGRADER_EXECUTION": "autograde"})
    state = json.loads(seen)
    assert not state["builtins"]
    assert not state["pandas"] and not state["course_lib"] and not state["answer"]
    assert state["env"] is None
    assert state["pid"] != int(pid_text)
    assert state["cwd"] == str(second)
    assert state["grading"] == "autograde"  # the environment nbgrader starts kernels with


def test_forked_kernels_are_interrupted_on_timeout(
    template: KernelTemplate, tmp_path: Path
) -> None:
    notebook = new_notebook(
        cells=[new_code_cell("while True:\n    pass"), new_code_cell("print('after')")],
        metadata={"kernelspec": SPEC},
    )
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=2,
        interrupt_on_timeout=True,
        allow_errors=True,
        shutdown_kernel="immediate",
        kernel_manager_class=TemplateKernelManager,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    assert notebook.cells[0].outputs[-1]["ename"] == "KeyboardInterrupt"
    assert "after" in notebook.cells[1].outputs[0]["text"]


def test_only_python_ipykernel_commands_are_forked() -> None:
    python = os.path.realpath(os.sys.executable)
    assert _kernel_arguments([python, "-m", "ipykernel_launcher", "-f", "c.json"]) == [
        "-f",
        "c.json",
    ]
    assert _kernel_arguments(["/usr/bin/R", "--slave", "-e", "IRkernel::main()"]) is None
    assert _kernel_arguments(["/opt/other/python", "-m", "ipykernel_launcher"]) is None


def test_the_template_keeps_no_descriptor_per_confined_kernel(
    template: KernelTemplate, tmp_path: Path
) -> None:
    # A template serves every kernel of a worker's life: a thousand-submission run once
    # failed when its descriptors went past select()'s 1024.
    check_support()

    def descriptors() -> int:
        return len(os.listdir(f"/proc/{template.pid}/fd"))

    template.spawn_confined(["--version"], {}, Policy(scratch=tmp_path)).wait(30)
    before = descriptors()
    for _ in range(6):
        kernel = template.spawn_confined(["--version"], {}, Policy(scratch=tmp_path))
        assert kernel.wait(30) == 0
    assert descriptors() == before


async def _started(tmp_path: Path) -> tuple[TemplateKernelManager, PromptKernelClient]:
    manager = TemplateKernelManager(kernel_name="python3")
    await manager.start_kernel(cwd=str(tmp_path))
    client = manager.client()
    assert isinstance(client, PromptKernelClient)
    client.start_channels()
    return manager, client


def test_a_prompt_client_is_ready_with_the_kernels_start_up_drained(
    template: KernelTemplate, tmp_path: Path
) -> None:
    async def scenario() -> tuple[list[str], dict[str, object], bool]:
        manager, client = await _started(tmp_path)
        try:
            assert client.shell_channel.socket.getsockopt(zmq.RECONNECT_IVL) == 5  # not 100
            await client.wait_for_ready(timeout=60)
            left = []
            with contextlib.suppress(Empty):
                while True:
                    left.append((await client.iopub_channel.get_msg(timeout=0))["msg_type"])
            request = client.execute("print(6 * 7)")
            reply = await client._async_recv_reply(request, timeout=60)
            outputs = []
            while True:  # everything IOPub brings from here on belongs to the cell
                message = await client.iopub_channel.get_msg(timeout=60)
                assert message["parent_header"]["msg_id"] == request, message["msg_type"]
                outputs.append(message["content"])
                if message["content"].get("execution_state") == "idle":
                    break
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
        stream = [output["text"] for output in outputs if "text" in output]
        return left, {"status": reply["content"]["status"], "text": stream}, manager.has_kernel

    left, answer, still_running = asyncio.run(scenario())
    assert left == []  # start-up statuses and the welcome were read by wait_for_ready
    assert answer == {"status": "ok", "text": ["42\n"]}
    assert not still_running  # shutdown returned with the kernel gone


def test_a_prompt_client_reports_a_kernel_that_died_before_replying(
    template: KernelTemplate, tmp_path: Path
) -> None:
    async def scenario() -> str:
        manager, client = await _started(tmp_path)
        os.kill(manager.provisioner.pid, signal.SIGKILL)  # type: ignore[union-attr]
        try:
            with pytest.raises(RuntimeError) as raised:
                await client.wait_for_ready(timeout=60)
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
        return str(raised.value)

    # The text the grader retries on (course_lib._pipeline.autograder), as jupyter_client's.
    assert asyncio.run(scenario()) == "Kernel died before replying to kernel_info"


def test_a_template_starts_without_a_word_on_stderr() -> None:
    # It imports what a kernel imports at start-up, debugpy included, which warns about
    # frozen modules unless told not to: a warning per worker in every grading log.
    code = (
        "from course_lib._pipeline.kernels import KernelTemplate\n"
        "KernelTemplate.start().close()\n"
        "print('done')"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert (run.stdout, run.stderr) == ("done\n", "")
