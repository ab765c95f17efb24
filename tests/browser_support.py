"""Helpers for the real-browser test: a throwaway JupyterLab server and headless Chromium.

The server runs on 127.0.0.1 on a free port with its own config, data, runtime, settings and
workspace folders, so nothing from the developer's own Jupyter setup leaks in and nothing is
left behind. Both the server (with its kernels) and the browser are stopped in all cases.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    "install it with `apt-get install chromium chromium-driver` (as root; `make browser-deps` "
    "does it), then run the test again"
)
ROOT = Path(__file__).resolve().parents[1]
#: What a reviewer can look at after the browser tests: screenshots, accessibility reports.
ARTIFACTS = Path(os.environ.get("PMC_ARTIFACT_DIR", ROOT / "test-artifacts"))
# JupyterLab settings for the test: start the notebook's kernel without asking, render every
# cell (no windowing, so a screenshot shows the whole lesson), and no news or update toasts.
QUIET_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
        "doNotDisturbMode": True,
    },
}


def require_browser() -> None:
    """Skip (or, when the CI variable is set, fail) unless Chromium and Playwright are here."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"Chromium is missing at {CHROMIUM}; {INSTALL_HINT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is missing; run `make test` (installs [dev])")
    if not problems:
        return
    message = "browser test cannot run: " + "; ".join(problems)
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, process, log file and runtime folder."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    runtime_dir: Path

    def kernel_state(self, notebook: str) -> str | None:
        """Execution state of the kernel of ``notebook``'s session, None without a session."""
        for session in _get(f"{self.url}/api/sessions"):
            if session.get("path") == notebook and session.get("kernel"):
                return str(session["kernel"].get("execution_state"))
        return None

    def get(self, path: str) -> Any:
        """The JSON the server answers for ``path`` (e.g. ``/api/contents/exercises``)."""
        return _get(f"{self.url}{path}", timeout=10.0)

    def end_sessions(self) -> None:
        """Shut down every notebook session and its kernel."""
        for session in _get(f"{self.url}/api/sessions"):
            request = urllib.request.Request(
                f"{self.url}/api/sessions/{session['id']}", method="DELETE"
            )
            with urllib.request.urlopen(request, timeout=30):
                pass

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's log, for failure messages."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _get(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def _post(url: str, timeout: float = 5.0) -> None:
    request = urllib.request.Request(url, method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=timeout):
        pass


def _isolated_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    for name, folder in {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
    }.items():
        path = home / folder
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def _kernel_pids(runtime_dir: Path) -> list[int]:
    """PIDs of kernels started by this server (their command line names its runtime dir)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(runtime_dir) in command and "ipykernel" in command:
            pids.append(int(entry.name))
    return pids


def _write_settings(folder: Path, settings: dict[str, dict[str, object]]) -> None:
    for name, values in settings.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")


def _server_options(port: int) -> list[str]:
    return [
        "--no-browser",
        "--ServerApp.token=",
        "--ServerApp.password=",
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        # local, throwaway server without a token: lets the test POST /api/shutdown
        "--ServerApp.disable_check_xsrf=True",
    ]


@contextmanager
def jupyter_lab(root_dir: Path, home: Path, timeout: float = 90.0) -> Iterator[LabServer]:
    """Start JupyterLab serving ``root_dir``; yield once ``/api/status`` answers; stop it after."""
    env = _isolated_env(home)
    settings = home / "settings"
    _write_settings(settings, QUIET_SETTINGS)
    workspaces = home / "workspaces"
    workspaces.mkdir(exist_ok=True)
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--allow-root",
        *_server_options(port),
        f"--ServerApp.root_dir={root_dir}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        "--LabApp.news_url=",
    ]
    with _serve(command, root_dir, env, home, port, timeout) as server:
        yield server


@contextmanager
def make_lab(repository: Path, home: Path, view: str, timeout: float = 90.0) -> Iterator[LabServer]:
    """Start JupyterLab the way ``make lab`` does (``scripts/lab.sh``) on a copy of the
    repository, with the trainee's or instructor's settings; only the port, token and
    browser options are added. The user settings (in ``home``) start with QUIET_SETTINGS'
    kernel and windowing choices, not its news settings: those must come from lab-config/."""
    env = _isolated_env(home)
    user_settings = Path(env["JUPYTER_CONFIG_DIR"]) / "lab" / "user-settings"
    _write_settings(
        user_settings,
        {name: values for name, values in QUIET_SETTINGS.items() if "notebook" in name},
    )
    port = free_port()
    command = ["bash", str(repository / "scripts" / "lab.sh"), view, *_server_options(port)]
    with _serve(command, repository, env, home, port, timeout) as server:
        yield server


@contextmanager
def _serve(
    command: list[str], cwd: Path, env: dict[str, str], home: Path, port: int, timeout: float
) -> Iterator[LabServer]:
    log = home / "jupyter-lab.log"
    runtime_dir = Path(env["JUPYTER_RUNTIME_DIR"])
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    server = LabServer(f"http://127.0.0.1:{port}", process, log, runtime_dir)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {process.returncode} before it answered:\n"
                    + server.log_tail()
                )
            try:
                _get(f"{server.url}/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"JupyterLab did not answer on {server.url} within {timeout:.0f} s:\n"
                        + server.log_tail()
                    ) from None
                time.sleep(0.25)
        yield server
    finally:
        _stop(server)


def _stop(server: LabServer) -> None:
    """Shut the server down politely, then by signal; end any kernel it left behind."""
    process = server.process
    if process.poll() is None:
        with suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            _post(f"{server.url}/api/shutdown")
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    for pid in _kernel_pids(server.runtime_dir):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def copy_course(source: Path, target: Path) -> Path:
    """Copy the lessons folder (notebooks only, no checkpoints) to ``target``."""
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    return target


def copy_repository(target: Path) -> Path:
    """Copy what ``make lab`` serves (lessons, exercises, settings, scripts) to ``target``, so
    that a browser run never writes into the checkout."""
    target.mkdir(parents=True)
    for folder in ("course", "exercises", "lab-config", "scripts"):
        copy_course(ROOT / folder, target / folder)
    shutil.copy2(ROOT / "nbgrader_config.py", target / "nbgrader_config.py")
    return target


TIMEOUT_MS = 120_000  # generous: two shared cores, a cold JupyterLab and a fresh kernel
ALL_CELLS_DONE = """() => {
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'));
  return indicator !== null && indicator.getAttribute('data-status') === 'idle'
    && prompts.length > 0 && prompts.every(p => !p.textContent.includes('*'));
}"""


def wait_for_idle_kernel(page: Any, server: LabServer, notebook: str) -> None:
    """Wait until ``notebook``'s kernel runs and is idle, accepting a kernel dialog if shown."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
        if dialog.count() and dialog.first.is_visible():
            dialog.first.locator(".jp-mod-accept").click()  # the preselected Python 3 kernel
        if server.kernel_state(notebook) == "idle":
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"the kernel of {notebook} never became idle:\n{server.log_tail()}")


def run_all_cells(page: Any, server: LabServer, notebook: str) -> None:
    """Open ``notebook`` (a path under the server's root) as the only tab, run all cells from
    the Run menu as a trainee would, and wait until every cell has finished."""
    page.goto(f"{server.url}/lab/tree/{notebook}?reset")  # a fresh workspace: this tab alone
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook")
    wait_for_idle_kernel(page, server, notebook)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_function(ALL_CELLS_DONE, timeout=TIMEOUT_MS)


def error_outputs(page: Any) -> list[str]:
    """Texts of the error and stderr outputs on the page."""
    texts: list[str] = page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    ).all_inner_texts()
    return texts
