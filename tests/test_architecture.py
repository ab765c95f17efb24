"""The package's structure: imports flow one way, private names stay home, modules stay small.

The import graph is read with ``ast`` from every module of ``course_lib``, function-level
imports included, so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_lib"
MAX_LINES = 460  # "about 450": no module grows past this


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {
    _module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if "data" not in path.relative_to(PACKAGE).parts
}


def _resolve(importer: str, node: ast.ImportFrom) -> str | None:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module
    package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports(module: str) -> Iterator[tuple[str, str, int]]:
    """(imported course_lib module, name imported or "", line) for every import in ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "course_lib":
                    yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            if source is None or source.split(".")[0] != "course_lib":
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, "", node.lineno
                else:
                    yield source, alias.name, node.lineno


def _graph() -> dict[str, set[str]]:
    return {
        module: {target for target, _, _ in imports(module) if target in MODULES}
        for module in MODULES
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself
    (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_a_folder_per_concern() -> None:
    folders = {path.parent.name for path in PACKAGE.rglob("__init__.py")}
    assert {"grading", "nbgrader_plugins", "_pipeline", "report", "demo", "widgets", "plots"} <= (
        folders
    )
    assert not list(PACKAGE.glob("_pipeline_*.py")), "name prefixes must not do a folder's job"


def test_the_import_graph_has_no_cycle() -> None:
    graph = _graph()
    assert sum(len(targets) for targets in graph.values()) > 50  # the walk found the imports
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _cycles(graph) == [["a", "b", "c"], ["e"]]


def test_data_flows_one_way() -> None:
    """Lessons-side modules never import the instructor side; grading never imports the
    pipeline; nothing below the command line imports it."""
    lesson_side = [
        m
        for m in MODULES
        if m.startswith(("course_lib._content", "course_lib._labels", "course_lib._partitions"))
        or m.startswith(("course_lib._practice", "course_lib.widgets", "course_lib.plots"))
        or m.startswith(("course_lib._raci", "course_lib._schema"))
        or m in ("course_lib.lessons", "course_lib._style", "course_lib._markup")
        or m == "course_lib._tables"
    ]
    instructor = ("course_lib._pipeline", "course_lib.nbgrader_plugins", "course_lib.cli")
    for module in lesson_side:
        for target, _, line in imports(module):
            assert not target.startswith(instructor), f"{module}:{line} imports {target}"
            assert not target.startswith("course_lib.grading"), f"{module}:{line} -> {target}"
    for module in (m for m in MODULES if m.startswith(("course_lib.grading", "course_lib.nbg"))):
        for target, _, line in imports(module):
            assert not target.startswith(("course_lib._pipeline", "course_lib.cli")), (
                f"{module}:{line} imports {target}"
            )


def test_no_private_name_is_imported_across_modules() -> None:
    crossings = [
        f"{module}:{line} imports {name} from {source}"
        for module in MODULES
        for source, name, line in imports(module)
        if name.startswith("_") and source != module
    ]
    assert crossings == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_about_450_lines(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines; split it by concern"


def test_one_notebook_metadata_helper() -> None:
    """``metadata["nbgrader"]`` look-ups are written once, in ``course_lib._notebook``."""
    spelled_out = [
        f"{module}: {line.strip()}"
        for module, path in MODULES.items()
        if module != "course_lib._notebook"
        for line in path.read_text(encoding="utf-8").splitlines()
        if '.get("nbgrader"' in line or '["nbgrader"]["grade_id"]' in line
    ]
    assert spelled_out == []


def test_colours_live_in_the_style_module() -> None:
    import re

    colour = re.compile(r"#[0-9a-fA-F]{6}\b")
    found = [
        f"{module}: {line.strip()}"
        for module, path in MODULES.items()
        if module != "course_lib._style"
        for line in path.read_text(encoding="utf-8").splitlines()
        if colour.search(line)
    ]
    assert found == []
