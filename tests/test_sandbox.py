"""The grading sandbox: real ipykernels under nbclient, run as a hostile trainee would.

Each kernel test runs twice: kernels started from the kernel command (``spawn_confined``,
the stock path) and kernels forked from a pre-imported template process
(``fork_confined``, the template path).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from course_lib._sandbox import (
    ConfinedProcess,
    Limits,
    OutputCapMixin,
    Policy,
    SandboxedKernelManager,
    SandboxedProvisioner,
    SandboxError,
    SandboxUnavailable,
    check_support,
    scrubbed_environment,
    spawn_confined,
)


def _support_problem() -> str:
    try:
        check_support()
    except SandboxUnavailable as error:
        return str(error)
    return ""


# Grading needs the sandbox: in CI a machine that cannot sandbox fails here instead of skipping.
pytestmark = pytest.mark.skipif(
    bool(_support_problem()) and not os.environ.get("CI"), reason=_support_problem()
)

SPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
KEY = "KEY-7f3a-answer-for-a1"

# The template path: a process that imported ipykernel once and forks a confined kernel per
# request, as course_lib's kernel template does.
TEMPLATE_CODE = """
import functools, signal, sys
from multiprocessing.connection import Connection
from ipykernel import kernelapp
from course_lib._sandbox import Policy, fork_confined

def kernel(arguments):
    sys.argv = ["ipykernel_launcher", *arguments]
    kernelapp.launch_new_instance(argv=arguments)

connection = Connection(int(sys.argv[1]))
held = open(sys.argv[2])  # a descriptor of the template's own: kernels must not get it
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
connection.send("ready")
while (request := connection.recv()) is not None:
    arguments, policy_json, env = request
    try:
        policy = Policy.from_json(policy_json)
        sandbox = fork_confined(functools.partial(kernel, arguments), policy, env)
        connection.send((sandbox.pid, sandbox.kernel_pid))
    except Exception as error:
        connection.send(error)
"""


class ForkedProvisioner(SandboxedProvisioner):
    """Asks the test's template process to fork each kernel (``fork_confined``)."""

    template: Connection | None = None

    def launch_confined(
        self, cmd: list[str], policy: Policy, env: Mapping[str, str], **streams: Any
    ) -> ConfinedProcess:
        assert self.template is not None and cmd[1:3] == ["-m", "ipykernel_launcher"]
        self.template.send((cmd[3:], policy.to_json(), dict(env)))
        reply = self.template.recv()
        if isinstance(reply, BaseException):
            raise reply
        return ConfinedProcess.attach(*reply)


class ForkedKernelManager(SandboxedKernelManager):
    def _provisioner_class_default(self) -> type[SandboxedProvisioner]:
        return ForkedProvisioner


class CappedClient(OutputCapMixin, NotebookClient):
    """A notebook client that caps the output it keeps."""


HELD = "held-by-the-starter"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    held = tmp_path_factory.mktemp("template") / HELD
    held.write_text("not for kernels")
    ours, theirs = socket.socketpair()
    process = subprocess.Popen(
        [sys.executable, "-c", TEMPLATE_CODE, str(theirs.fileno()), str(held)],
        pass_fds=(theirs.fileno(),),
    )
    theirs.close()
    connection = Connection(ours.detach())
    assert connection.recv() == "ready"
    ForkedProvisioner.template = connection
    yield connection
    connection.send(None)
    process.wait(timeout=30)
    connection.close()


@pytest.fixture(params=["exec", "fork"])
def manager(request: pytest.FixtureRequest) -> type[SandboxedKernelManager]:
    """The kernel manager class of one start path."""
    if request.param == "fork":
        request.getfixturevalue("template")
        return ForkedKernelManager
    return SandboxedKernelManager


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder: answer keys, a gradebook, another student's work, and the scratch."""
    root = tmp_path / "course"
    (root / "solutions" / "a1").mkdir(parents=True)
    (root / "solutions" / "a1" / "a1.ipynb").write_text(json.dumps({"key": KEY}))
    (root / "gradebook.db").write_bytes(b"SQLite format 3\x00" + KEY.encode())
    (root / "submitted" / "bob" / "a1").mkdir(parents=True)
    (root / "submitted" / "bob" / "a1" / "a1.ipynb").write_text(f"bob's answer {KEY}")
    (root / "autograded" / "alice" / "a1").mkdir(parents=True)
    return root


@pytest.fixture
def scratch(course: Path) -> Path:
    return course / "autograded" / "alice" / "a1"


def _client(
    cells: list[str], scratch: Path, manager: type[SandboxedKernelManager], **options: Any
) -> NotebookClient:
    # nbformat's helpers are untyped.
    code = [new_code_cell(source) for source in cells]  # type: ignore[no-untyped-call]
    notebook = new_notebook(cells=code)  # type: ignore[no-untyped-call]
    notebook.metadata["kernelspec"] = SPEC
    options.setdefault("timeout", 60)
    client_class: type[NotebookClient] = options.pop("client_class", NotebookClient)
    return client_class(
        notebook,
        kernel_manager_class=manager,
        resources={"metadata": {"path": str(scratch)}},
        allow_errors=True,
        **options,
    )


def _run(cells: list[str], scratch: Path, manager: type[SandboxedKernelManager]) -> list[str]:
    """Run ``cells`` in a sandboxed kernel; the text each cell printed (errors as Name: value)."""
    client = _client(cells, scratch, manager)
    client.execute()
    return [_text(cell) for cell in client.nb.cells]


def _sandbox_of(client: NotebookClient) -> ConfinedProcess:
    """The running sandbox of ``client``'s kernel."""
    assert client.km is not None and isinstance(client.km.provisioner, SandboxedProvisioner)
    process = client.km.provisioner.process
    assert isinstance(process, ConfinedProcess)
    return process


def _text(cell: Any) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


def _snapshot(root: Path, skip: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (but ``skip``) with a digest of its content."""
    state = {}
    for path in root.rglob("*"):
        if path == skip or skip in path.parents:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[str(path.relative_to(root))] = digest
    return state


def _processes_with(marker: str) -> list[int]:
    """Pids of live processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue  # exited while we looked
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


SURVIVOR = """
import os, sys, time
marker, ready = {marker!r}, 'survivor-started'
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        open(ready, 'w').close()
        os.execv(sys.executable, [sys.executable, '-c',
                 'import time\\nwhile True: time.sleep(0.2)', marker])
    os._exit(0)
for _ in range(100):
    if os.path.exists(ready):
        break
    time.sleep(0.1)
print('forked' if os.path.exists(ready) else 'no survivor')
"""


def test_reading_keys_gradebook_and_other_students_fails(
    course: Path, scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    targets = [
        course / "solutions" / "a1" / "a1.ipynb",
        course / "gradebook.db",
        course / "submitted" / "bob" / "a1" / "a1.ipynb",
    ]
    probe = textwrap.dedent(f"""
        import os
        for path in {[str(path) for path in targets]!r}:
            try:
                print(path, open(path, 'rb').read()[:40])
            except OSError as error:
                print(path, type(error).__name__)
        for folder in {[str(course), str(course / "solutions"), str(Path.home())]!r}:
            try:
                print(folder, os.listdir(folder))
            except OSError as error:
                print(folder, type(error).__name__)
    """)
    (seen,) = _run([probe], scratch, manager)
    lines = seen.splitlines()
    assert len(lines) == 6, seen
    assert all(line.endswith("PermissionError") for line in lines), seen
    assert KEY not in seen


def test_writing_outside_the_scratch_fails_and_changes_nothing(
    course: Path, scratch: Path, manager: type[SandboxedKernelManager], tmp_path: Path
) -> None:
    before = _snapshot(tmp_path, scratch)
    targets = [
        course / "gradebook.db",
        course / "solutions" / "a1" / "a1.ipynb",
        course / "planted.py",
        tmp_path / "next-to-the-course.txt",
        Path.home() / f"planted-{os.getpid()}.txt",
        Path("/tmp") / f"planted-{os.getpid()}.txt",
    ]
    probe = textwrap.dedent(f"""
        import os, sqlite3
        for path in {[str(path) for path in targets]!r}:
            try:
                with open(path, 'a') as file:
                    file.write('pwned')
                print('wrote', path)
            except OSError as error:
                print(type(error).__name__)
        try:
            sqlite3.connect({str(course / "gradebook.db")!r}).execute('create table pwned(x)')
            print('wrote the gradebook')
        except sqlite3.Error as error:
            print(type(error).__name__)
        for action in (lambda: os.mkdir({str(course / "made")!r}),
                       lambda: os.remove({str(course / "gradebook.db")!r}),
                       lambda: os.symlink('/etc', {str(course / "link")!r})):
            try:
                action()
                print('changed the course')
            except OSError as error:
                print(type(error).__name__)
    """)
    (seen,) = _run([probe], scratch, manager)
    assert seen.split() == ["PermissionError"] * 6 + ["OperationalError"] + ["PermissionError"] * 3
    assert _snapshot(tmp_path, scratch) == before
    assert not targets[4].exists() and not targets[5].exists()


def test_writing_inside_the_scratch_works(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    probe = textwrap.dedent("""
        import os, pathlib, tempfile
        pathlib.Path('work/deeper').mkdir(parents=True)
        pathlib.Path('work/deeper/answer.csv').write_text('role,label\\npm,build\\n')
        os.rename('work/deeper/answer.csv', 'answer.csv')
        with tempfile.NamedTemporaryFile('w', delete=False) as scratch_file:
            scratch_file.write('temporary')
        print(os.getcwd(), sorted(os.listdir('.')), open(scratch_file.name).read())
    """)
    (seen,) = _run([probe], scratch, manager)
    assert seen.split() == [str(scratch), "['answer.csv',", "'work']", "temporary"]
    assert (scratch / "answer.csv").read_text() == "role,label\npm,build\n"


def test_pandas_and_matplotlib_run(scratch: Path, manager: type[SandboxedKernelManager]) -> None:
    probe = textwrap.dedent("""
        import matplotlib
        matplotlib.use('agg')
        import matplotlib.pyplot as plt
        import pandas as pd
        import course_lib
        frame = pd.DataFrame({'role': ['pm', 'pmm', 'pm'], 'tasks': [3, 2, 5]})
        totals = frame.groupby('role')['tasks'].sum()
        axes = totals.plot.bar()
        axes.figure.savefig('totals.png')
        print(totals.to_dict(), len(course_lib.load_tasks()) > 0)
    """)
    (seen,) = _run([probe], scratch, manager)
    assert seen.strip() == "{'pm': 8, 'pmm': 2} True"
    assert (scratch / "totals.png").read_bytes().startswith(b"\x89PNG")


def test_no_network_to_a_server_on_localhost(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    with (
        socket.create_server(("127.0.0.1", 0)) as server,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
    ):
        udp.bind(("127.0.0.1", 0))
        port, udp_port = server.getsockname()[1], udp.getsockname()[1]
        probe = textwrap.dedent(f"""
            import socket
            try:
                socket.create_connection(('127.0.0.1', {port}), timeout=5)
                print('connected')
            except OSError as error:
                print(type(error).__name__)
            try:
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
                    b'leak', ('127.0.0.1', {udp_port}))
                print('sent')
            except OSError as error:
                print(type(error).__name__)
        """)
        (seen,) = _run([probe], scratch, manager)
        server.setblocking(False)
        udp.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()
        with pytest.raises(BlockingIOError):
            udp.recv(16)
    assert seen.split() == ["PermissionError", "OSError"]  # Landlock; no route in the netns


def test_service_sockets_in_run_are_hidden(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    if not os.access("/run", os.W_OK):
        pytest.skip("needs a writable /run to plant a service socket (run as root)")
    path = Path("/run") / f"pmcourse-test-service-{os.getpid()}.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as service:
        service.bind(str(path))
        service.listen()
        try:
            probe = textwrap.dedent(f"""
                import socket
                try:
                    socket.socket(socket.AF_UNIX).connect({str(path)!r})
                    print('connected')
                except OSError as error:
                    print(type(error).__name__)
            """)
            (seen,) = _run([probe], scratch, manager)
            service.setblocking(False)
            with pytest.raises(BlockingIOError):
                service.accept()
        finally:
            path.unlink()
    assert seen.strip() == "FileNotFoundError"


def test_environment_holds_none_of_the_graders_secrets(
    scratch: Path, manager: type[SandboxedKernelManager], monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "GRADER_API_TOKEN": "tok-4b1d",
        "DATABASE_URL": "postgres://grader:pw-9c2e@db/course",
        "JUPYTERHUB_API_TOKEN": "hub-77aa",
        "AWS_SECRET_ACCESS_KEY": "aws-5e5e",
        "PYTHONPATH": "/srv/course",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    (seen,) = _run(["import json, os; print(json.dumps(dict(os.environ)))"], scratch, manager)
    environment = json.loads(seen)
    assert not set(secrets) & set(environment)
    assert not any(value in seen for value in secrets.values())
    assert environment["HOME"] != os.environ["HOME"]
    assert not Path(environment["HOME"]).exists()  # the private runtime folder is gone


def test_kernels_hold_no_descriptor_of_the_process_that_started_them(
    scratch: Path, manager: type[SandboxedKernelManager], tmp_path: Path
) -> None:
    held = tmp_path / HELD
    held.write_text("not for kernels")
    fd = os.open(held, os.O_RDONLY)
    os.set_inheritable(fd, True)
    probe = textwrap.dedent("""
        import json, os
        targets = []
        for fd in os.listdir('/proc/self/fd'):
            try:
                targets.append(os.readlink('/proc/self/fd/' + fd))
            except OSError:
                pass  # the descriptor listdir used
        print(sum(1 for target in targets if target.startswith('socket:')) > 0)
        print(json.dumps([target for target in targets if '/' in target]))
    """)
    try:
        (seen,) = _run([probe], scratch, manager)
    finally:
        os.close(fd)
    has_sockets, paths = seen.splitlines()
    assert has_sockets == "True"  # its own ZMQ sockets: the probe sees descriptors
    assert HELD not in paths
    places = ("/dev/", tempfile.gettempdir())  # /dev/null; its scratch and runtime folders
    assert all(path.startswith(places) for path in json.loads(paths)), paths


def test_a_forked_survivor_is_gone_after_shutdown(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    marker = f"survivor-marker-{os.getpid()}-{time.monotonic_ns()}"
    client = _client([SURVIVOR.format(marker=marker)], scratch, manager)
    with client.setup_kernel():
        client.execute_cell(client.nb.cells[0], 0)
        process = _sandbox_of(client)
        assert _text(client.nb.cells[0]).strip() == "forked"
        assert len(_processes_with(marker)) == 1  # it runs, in the sandbox
    assert _processes_with(marker) == []
    assert not _alive(process.pid) and not _alive(process.kernel_pid)


def test_os_exit_in_a_cell_does_not_hang_the_client(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    marker = f"exit-marker-{os.getpid()}-{time.monotonic_ns()}"
    cells = [SURVIVOR.format(marker=marker), "import os; os._exit(3)", "print('never')"]
    client = _client(cells, scratch, manager)
    with pytest.raises(DeadKernelError):
        client.execute()
    assert _processes_with(marker) == []


def test_an_interrupt_stops_a_running_cell_and_the_kernel_goes_on(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    cells = ["import time; time.sleep(120)", "print('still here')"]
    client = _client(cells, scratch, manager, timeout=3, interrupt_on_timeout=True)
    client.execute()
    assert "KeyboardInterrupt" in _text(client.nb.cells[0])
    assert _text(client.nb.cells[1]).strip() == "still here"


def test_ignoring_sigint_then_looping_is_killed_with_its_tree(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    marker = f"loop-marker-{os.getpid()}-{time.monotonic_ns()}"
    cells = [
        SURVIVOR.format(marker=marker),
        "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass",
    ]
    timeout_error = {"ename": "CellTimeoutError", "evalue": "", "traceback": []}
    client = _client(
        cells,
        scratch,
        manager,
        timeout=3,
        interrupt_on_timeout=True,
        error_on_timeout=timeout_error,
    )  # as nbgrader's Execute does
    with client.setup_kernel():
        client.execute_cell(client.nb.cells[0], 0)
        process = _sandbox_of(client)
        assert len(_processes_with(marker)) == 1
        client.execute_cell(client.nb.cells[1], 1)  # times out; the interrupt is ignored
        assert process.poll() is None  # still looping
    assert _processes_with(marker) == []
    assert not _alive(process.pid) and not _alive(process.kernel_pid)


def test_allocating_past_the_memory_limit_fails_inside_the_kernel(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    cells = [
        "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20)",
        "import numpy\ntry:\n    numpy.ones(2**37)\nexcept MemoryError:\n    print('MemoryError')",
        "try:\n    b = bytearray(2**36)\nexcept MemoryError:\n    print('MemoryError')",
        "print('still here')",
    ]
    seen = _run(cells, scratch, manager)
    assert seen == [f"{Limits().memory_mb}\n", "MemoryError\n", "MemoryError\n", "still here\n"]


def test_a_20_mb_print_gives_a_small_notebook_with_a_note(
    scratch: Path, manager: type[SandboxedKernelManager], tmp_path: Path
) -> None:
    cells = [
        "print('x' * 20_000_000)",
        "for i in range(3000):\n    print('y' * 1000)",
        "import sys; print('z' * 90_000, file=sys.stderr)",
        "raise ValueError('the test failed')",
    ]
    client = _client(
        cells, scratch, manager, client_class=CappedClient, output_notebook_limit=250_000
    )
    client.execute()
    saved = tmp_path / "executed.ipynb"
    nbformat.write(client.nb, saved)  # type: ignore[no-untyped-call]  # nbformat is untyped
    assert saved.stat().st_size < 1_000_000
    texts = [_text(cell) for cell in client.nb.cells]
    assert texts[0].endswith("[output cut: this cell printed more than 100 kB]\n")
    assert "[output cut: this notebook printed more than 250 kB]" in texts[2]
    assert texts[3].startswith("ValueError: the test failed")  # errors are never dropped
    assert any(o.get("name") == "stderr" for o in client.nb.cells[2].outputs)


def test_configured_limits_apply_inside_the_kernel(
    scratch: Path, manager: type[SandboxedKernelManager]
) -> None:
    config = Config()
    config.SandboxedProvisioner.limits = {
        "memory_mb": 3000,
        "processes": 100,
        "file_size_mb": 1,
        "cpu_seconds": 300,
        "open_files": 200,
    }
    probe = textwrap.dedent("""
        import resource
        names = ('AS', 'NPROC', 'FSIZE', 'CPU', 'NOFILE')
        print([resource.getrlimit(getattr(resource, 'RLIMIT_' + name))[0] for name in names])
        print(open('/proc/sys/kernel/pid_max').read().strip())
        try:
            open('big.bin', 'wb').write(b'0' * 2 * 2**20)
        except OSError as error:
            print(type(error).__name__, error.errno)
    """)
    client = _client([probe], scratch, manager, config=config)
    client.execute()
    limits, pid_max, too_big = _text(client.nb.cells[0]).splitlines()
    assert limits == str([3000 * 2**20, 100, 2**20, 300, 200])
    assert pid_max == "301"  # the PID namespace's own cap (the kernel's minimum)
    assert too_big == "OSError 27"  # EFBIG: the file stops at 1 MiB
    assert (scratch / "big.bin").stat().st_size == 2**20


LANDLOCK_PROBE = """
import os, sys
from course_lib._sandbox import _landlock as landlock
abi, scratch, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rules = [landlock.Rule(path, landlock.READ_ONLY) for path in sys.argv[4:]]
landlock.restrict_self([*rules, landlock.Rule(scratch, landlock.READ_WRITE)], abi)
results = []
for action in (lambda: open(secret).read(), lambda: open(secret, 'a'),
               lambda: open(os.path.join(scratch, 'new.txt'), 'w').write('ok')):
    try:
        action()
        results.append('allowed')
    except PermissionError:
        results.append('denied')
print(' '.join(results))
"""


@pytest.mark.parametrize("abi", [1, 2, 3, 4, 5, 6, 7])
def test_older_landlock_abis_still_confine_files(tmp_path: Path, abi: int) -> None:
    if abi > check_support():
        pytest.skip(f"this kernel has Landlock ABI {check_support()}")
    secret = tmp_path / "key.txt"
    secret.write_text(KEY)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    system = [sys.prefix, sys.base_prefix, "/usr", "/lib", "/lib64", "/etc", "/dev"]
    course_lib_folder = str(Path(scrubbed_environment.__code__.co_filename).parents[1])
    arguments = [str(abi), str(scratch), str(secret), *system, course_lib_folder]
    result = subprocess.run(
        [sys.executable, "-c", LANDLOCK_PROBE, *arguments],
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["denied", "denied", "allowed"], result.stderr
    assert secret.read_text() == KEY


def test_check_support_names_the_missing_feature() -> None:
    with pytest.raises(SandboxUnavailable) as raised:
        check_support(minimum_abi=99)
    message = str(raised.value)
    assert "Linux Landlock ABI 99 is required" in message
    assert "--no-sandbox" in message
    with pytest.raises(SandboxUnavailable, match="ABI 99"):
        spawn_confined(["true"], Policy(scratch=Path("/tmp"), minimum_abi=99))


def test_a_command_that_cannot_start_raises_sandbox_error(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="cannot run 'no-such-program-here'"):
        spawn_confined(["no-such-program-here"], Policy(scratch=tmp_path))


def test_kill_ends_a_confined_command_and_everything_it_started(tmp_path: Path) -> None:
    marker = f"kill-marker-{os.getpid()}-{time.monotonic_ns()}"
    script = f"(setsid sh -c 'sleep 300; : {marker}' &) ; sleep 300; : {marker}"
    process = spawn_confined(["sh", "-c", script], Policy(scratch=tmp_path))
    for _ in range(100):
        if len(_processes_with(marker)) >= 2:
            break
        time.sleep(0.05)
    assert len(_processes_with(marker)) >= 2
    process.send_signal(signal.SIGINT)  # interrupts sh's group; the setsid'd one lives on
    process.kill()
    assert process.wait(timeout=10) == 128 + signal.SIGKILL
    assert _processes_with(marker) == []


def test_a_fork_bomb_stops_at_the_process_limit(tmp_path: Path) -> None:
    # Linux exempts root from RLIMIT_NPROC; the PID namespace's pid_max (301) binds it too.
    marker = f"bomb-marker-{os.getpid()}-{time.monotonic_ns()}"
    script = textwrap.dedent(f"""
        import os, time  # {marker}
        started = 0
        while started < 1000:
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
            except OSError:
                break
            started += 1
        print(started, flush=True)
        time.sleep(60)
    """)
    out = tmp_path / "started.txt"
    with out.open("w") as stdout:
        command = [sys.executable, "-c", script]
        process = spawn_confined(command, Policy(scratch=tmp_path), stdout=stdout)
        started = process.kernel_pid
        for _ in range(600):
            if out.read_text().strip():
                break
            time.sleep(0.05)
        process.kill()
        process.wait(timeout=30)
    count = int(out.read_text())
    assert 0 < count < 301
    assert not _alive(started) and _processes_with(marker) == []


def test_limits_validate_and_come_from_configuration() -> None:
    assert Limits.from_mapping({"memory_mb": 1024}) == Limits(memory_mb=1024)
    with pytest.raises(ValueError, match=r"unknown limit\(s\) \['memory'\]; expected some of"):
        Limits.from_mapping({"memory": 1024})
    with pytest.raises(ValueError, match=r"Limits\.cpu_seconds must be a positive number"):
        Limits(cpu_seconds=0)


def test_scrubbed_environment_keeps_only_allowed_names(tmp_path: Path) -> None:
    policy = Policy(scratch=tmp_path, runtime=tmp_path / "runtime")
    grader = {"PATH": "/usr/bin", "LC_ALL": "C.UTF-8", "AWS_ACCESS_KEY_ID": "x", "HOME": "/root"}
    scrubbed = scrubbed_environment(grader, policy)
    assert scrubbed["PATH"] == "/usr/bin" and scrubbed["LC_ALL"] == "C.UTF-8"
    assert "AWS_ACCESS_KEY_ID" not in scrubbed
    assert scrubbed["HOME"] == str(tmp_path / "runtime" / "home")
    assert scrubbed_environment(scrubbed, policy) == scrubbed


def test_the_provisioner_reads_its_limits_from_configuration(tmp_path: Path) -> None:
    config = Config()
    config.SandboxedProvisioner.limits = {"memory_mb": 1536, "open_files": 64}
    provisioner = SandboxedProvisioner(config=config, kernel_id="k", kernel_spec=None)
    limits = provisioner.policy(tmp_path).limits
    assert (limits.memory_mb, limits.open_files, limits.processes) == (1536, 64, 256)
