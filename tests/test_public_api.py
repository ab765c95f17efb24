"""The public surface of course_lib: __all__ is honest and importing is cheap."""

from __future__ import annotations

import inspect
import subprocess
import sys

import course_lib

FOUNDATION = {
    "load_tasks", "load_pragmatic_grid", "load_pragmatic_columns", "load_blackblot_roles",
    "load_definition_chain", "load_vocabulary", "normalize_label", "label_choices",
    "partition", "compare_partitions", "PartitionComparison", "check_sort", "SortFeedback",
    "ContentError", "SCHEMES", "VOCABULARIES",
}  # fmt: skip


def test_all_lists_the_foundation_api() -> None:
    assert set(course_lib.__all__) >= FOUNDATION


def test_every_name_in_all_resolves_and_is_documented() -> None:
    assert len(course_lib.__all__) == len(set(course_lib.__all__))
    for name in course_lib.__all__:
        value = getattr(course_lib, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"{name} has no docstring"


def test_no_public_name_is_left_out_of_all() -> None:
    public = {
        name
        for name, value in vars(course_lib).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public <= set(course_lib.__all__), public - set(course_lib.__all__)


def test_unknown_attribute_raises_attribute_error() -> None:
    try:
        course_lib.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:
        raise AssertionError("expected AttributeError")


def test_import_pulls_in_no_widgets_plots_or_nbgrader_and_reads_no_content() -> None:
    probe = (
        "import sys, course_lib, course_lib._content as c;"
        "heavy = [m for m in ('matplotlib', 'ipywidgets', 'nbgrader') if m in sys.modules];"
        "print(heavy, c.cached_table.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[] 0"
