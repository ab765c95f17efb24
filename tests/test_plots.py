"""The pictures: what each figure draws, that its labels are legible in a notebook column and
do not collide, and PNG output."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import course_lib
from course_lib import (
    compare_partitions,
    load_pragmatic_grid,
    load_tasks,
    partition,
    plot_blackblot_team,
    plot_definition_chain,
    plot_horizons,
    plot_partition_heatmap,
    plot_pragmatic_grid,
    plot_triangle,
    plot_working_together,
)
from course_lib._style import ROLE_COLOURS
from course_lib.plots.figure import COLUMN_PX, PAD, PX_PER_INCH

#: The smallest text a trainee should have to read in a picture, in points at display size.
MIN_DISPLAY_POINTS = 9.0
CSS_PX_PER_POINT = 96 / 72

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def figures_stay_out_of_pyplot() -> Iterator[None]:
    """Our figures are never registered with pyplot, so there is nothing left to close."""

    def open_figures() -> list[int]:
        pyplot = sys.modules.get("matplotlib.pyplot")
        return list(pyplot.get_fignums()) if pyplot is not None else []

    before = open_figures()
    yield
    assert open_figures() == before


def by_gid(fig: Figure, prefix: str, kind: type = Rectangle) -> dict[str, object]:
    found = {}
    for artist in fig.findobj(kind):
        gid = artist.get_gid()
        if gid and gid.startswith(prefix):
            found[gid[len(prefix) :]] = artist
    return found


def save_png(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=60)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5_000
    shown, size = fig._repr_png_()
    assert shown.startswith(PNG_SIGNATURE)
    assert 0 < size["width"] <= COLUMN_PX  # shown at its own size in the notebook column


def display_scale(fig: Figure) -> float:
    """How much JupyterLab shrinks the picture to fit an 850 px column (1.0: not at all)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    width_px = (fig.get_tightbbox(canvas.get_renderer()).width + 2 * PAD) * PX_PER_INCH
    return min(1.0, COLUMN_PX / width_px)


def assert_legible(fig: Figure) -> float:
    """Every text is at least 9 pt as displayed in an 850 px column and no two texts overlap;
    returns the smallest size found (points at display size)."""
    scale = display_scale(fig)
    sizes = {}
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text.figure is not None:
            # a figure point is PX_PER_INCH / 72 CSS px on screen; a CSS point is 96 / 72 px
            shown = text.get_fontsize() * PX_PER_INCH / 72 * scale / CSS_PX_PER_POINT
            sizes[text.get_text()] = shown
    assert sizes, "the figure has no text"
    small = {text: round(size, 1) for text, size in sizes.items() if size < MIN_DISPLAY_POINTS}
    assert not small, f"text under {MIN_DISPLAY_POINTS} pt at display size: {small}"
    assert_no_text_overlaps(fig)
    return min(sizes.values())


def text_extents(fig: Figure) -> list[tuple[str, Bbox]]:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    extents = []
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text.figure is not None:
            extents.append((text.get_text(), text.get_window_extent(renderer)))
    return extents


def assert_no_text_overlaps(fig: Figure) -> None:
    """No two labels of the figure share any pixels (1 px of slack for anti-aliasing)."""
    extents = text_extents(fig)
    assert extents
    width, height = fig.canvas.get_width_height()
    for text, box in extents:
        assert box.x0 >= -1 and box.y0 >= -1, f"{text!r} is cut off: {box}"
        assert box.x1 <= width + 1 and box.y1 <= height + 1, f"{text!r} is cut off: {box}"
    for (text_a, a), (text_b, b) in itertools.combinations(extents, 2):
        shrunk = Bbox.from_extents(a.x0 + 1, a.y0 + 1, a.x1 - 1, a.y1 - 1)
        assert not shrunk.overlaps(b), f"labels overlap: {text_a!r} and {text_b!r}"


def test_import_course_lib_loads_no_matplotlib_and_plots_never_touch_pyplot() -> None:
    probe = (
        "import sys, course_lib\n"
        "print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)\n"
        "course_lib.SortingBoard\n"
        "print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)\n"
        "fig = course_lib.plot_horizons()\n"
        "print('matplotlib' in sys.modules, 'matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.split("\n")[:3] == ["False False", "False True", "True False"]


def test_pragmatic_grid_draws_37_boxes_coloured_by_role_with_inferred_ones_hatched(
    tmp_path: Path,
) -> None:
    grid = load_pragmatic_grid()
    fig = plot_pragmatic_grid()
    assert isinstance(fig, Figure)
    assert isinstance(fig.canvas, FigureCanvasAgg)
    boxes = by_gid(fig, "box:")
    assert len(boxes) == 37
    assert set(boxes) == set(grid.index)
    inferred = {box for box, rectangle in boxes.items() if rectangle.get_hatch()}
    assert inferred == set(grid.index[grid["role_basis"] == "inferred"])
    assert inferred  # the Planning split is the course's inference
    for box, rectangle in boxes.items():
        expected = ROLE_COLOURS[grid.at[box, "role"]]
        assert rectangle.get_facecolor()[:3] == pytest.approx(_rgb(expected))
    labels = by_gid(fig, "label:", Text)
    assert {labels[box].get_text().endswith("*") for box in inferred} == {True}
    columns = by_gid(fig, "column:", Text)
    assert [columns[c].get_text() for c in columns] == [
        "Market", "Focus", "Business", "Planning", "Programs", "Readiness", "Support",
    ]  # fmt: skip
    legend_texts = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert legend_texts[:2] == ["Product management", "Product marketing"]
    assert "inferred" in legend_texts[2]
    assert "37 boxes" in fig.get_suptitle()
    assert_legible(fig)
    _assert_labels_inside_boxes(fig, boxes, labels)
    save_png(fig, tmp_path / "grid.png")


def test_pragmatic_grid_can_show_the_current_names(tmp_path: Path) -> None:
    fig = plot_pragmatic_grid(names="current")
    columns = by_gid(fig, "column:", Text)
    assert columns["readiness"].get_text() == "Enablement"
    assert_legible(fig)
    with pytest.raises(ValueError, match="'classic' or 'current'"):
        plot_pragmatic_grid(names="2011")


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _assert_labels_inside_boxes(
    fig: Figure, boxes: dict[str, object], labels: dict[str, object]
) -> None:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for box, rectangle in boxes.items():
        outer = rectangle.get_window_extent(renderer)  # type: ignore[attr-defined]
        inner = labels[box].get_window_extent(renderer)  # type: ignore[attr-defined]
        assert outer.x0 <= inner.x0 and inner.x1 <= outer.x1, f"label of {box} sticks out"
        assert outer.y0 <= inner.y0 and inner.y1 <= outer.y1, f"label of {box} sticks out"


def test_horizons_draw_three_regions_two_spans_and_their_overlap_on_next(tmp_path: Path) -> None:
    fig = plot_horizons()
    regions = by_gid(fig, "horizon:")
    spans = by_gid(fig, "span:")
    overlaps = by_gid(fig, "overlap:")
    assert list(regions) == ["current", "next", "future"]
    assert set(spans) == {"product_marketing", "product_management"}
    assert list(overlaps) == ["next"]

    def covered(span: Rectangle) -> list[str]:
        left, right = span.get_x(), span.get_x() + span.get_width()
        return [
            name
            for name, region in regions.items()
            if left < region.get_x() + region.get_width() and region.get_x() < right
        ]

    assert covered(spans["product_marketing"]) == ["current", "next"]
    assert covered(spans["product_management"]) == ["next", "future"]
    assert covered(overlaps["next"]) == ["next"]
    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    for words in ("Current products", "Next products", "Future products", "hand-off"):
        assert words in texts
    assert_legible(fig)
    save_png(fig, tmp_path / "horizons.png")


def test_heatmap_annotates_every_crosstab_cell_and_outlines_disagreements(
    tmp_path: Path,
) -> None:
    a = pd.Series({"t1": "pm", "t2": "pm", "t3": "pmm", "t4": "pmm", "t5": "marcom"}, name="ours")
    b = pd.Series(
        {"t1": "pm", "t2": "pmm", "t3": "pmm", "t4": "marcom", "t5": "marcom"}, name="theirs"
    )
    catalog = pd.DataFrame({"description": [f"task {i}" for i in range(1, 6)]},
                           index=[f"t{i}" for i in range(1, 6)])  # fmt: skip
    comparison = compare_partitions(a, b, tasks=catalog)
    fig = plot_partition_heatmap(comparison)
    counts = by_gid(fig, "count:", Text)
    assert len(counts) == comparison.crosstab.size == 9
    for row in comparison.crosstab.index:
        for column in comparison.crosstab.columns:
            shown = counts[f"{row}:{column}"].get_text()
            assert shown == str(comparison.crosstab.at[row, column])
    assert set(by_gid(fig, "disagreement:")) == {"pm:pmm", "pmm:marcom"}
    assert "agreement 60%" in fig.get_suptitle()
    assert "2 disagreement(s)" in fig.get_suptitle()
    assert_legible(fig)
    save_png(fig, tmp_path / "heatmap.png")


def test_heatmap_of_the_course_partitions_matches_compare_partitions(tmp_path: Path) -> None:
    tasks = load_tasks()
    comparison = compare_partitions(
        partition(tasks, "pragmatic_role"), partition(tasks, "blackblot_role")
    )
    fig = plot_partition_heatmap(comparison)
    outlined = by_gid(fig, "disagreement:")
    crosstab = comparison.crosstab
    cells = [f"{r}:{c}" for r in crosstab.index for c in crosstab.columns]
    expected = {cell for cell in cells if cell.split(":")[0] != cell.split(":")[1]
                and crosstab.at[cell.split(":")[0], cell.split(":")[1]] > 0}  # fmt: skip
    assert set(outlined) == expected
    outlined_tasks = sum(int(by_gid(fig, "count:", Text)[cell].get_text()) for cell in expected)
    assert outlined_tasks == len(comparison.disagreements)
    assert_legible(fig)
    save_png(fig, tmp_path / "course_heatmap.png")


def test_heatmap_refuses_what_is_not_a_comparison() -> None:
    with pytest.raises(TypeError, match="compare_partitions"):
        plot_partition_heatmap(pd.DataFrame())  # type: ignore[arg-type]
    catalog = pd.DataFrame({"description": ["x", "y"]}, index=["t1", "t2"])
    a, b = pd.Series({"t1": "pm"}, name="a"), pd.Series({"t2": "pm"}, name="b")
    empty = compare_partitions(a, b, tasks=catalog)
    with pytest.raises(ValueError, match="nothing to draw"):
        plot_partition_heatmap(empty)


def test_triangle_with_titles_has_three_corners_and_their_titles(tmp_path: Path) -> None:
    fig = plot_triangle()
    triangles = by_gid(fig, "triangle", Polygon)
    assert len(triangles) == 1
    assert len(next(iter(triangles.values())).get_xy()) in (3, 4)  # closed paths repeat a vertex
    corners = by_gid(fig, "corner:", Line2D)
    assert set(corners) == {"strategy", "marketing", "technical"}
    titles = by_gid(fig, "titles:", Text)
    assert "Product owner" in titles["technical"].get_text()
    assert "Product marketing manager" in titles["marketing"].get_text()
    assert "Strategic product manager" in titles["strategy"].get_text()
    assert_legible(fig)
    save_png(fig, tmp_path / "triangle.png")


def test_triangle_with_tasks_places_each_task_near_its_own_corner(tmp_path: Path) -> None:
    tasks = load_tasks()
    fig = plot_triangle(show="tasks")
    dots = by_gid(fig, "task:", Line2D)
    assert set(dots) == set(tasks.index)
    corners = {name: line.get_xydata()[0] for name, line in by_gid(fig, "corner:", Line2D).items()}
    triangle = next(iter(by_gid(fig, "triangle", Polygon).values()))
    for task, dot in dots.items():
        x, y = dot.get_xydata()[0]
        assert triangle.get_path().contains_point((x, y)), f"{task} is outside the triangle"
        nearest = min(corners, key=lambda c: (corners[c][0] - x) ** 2 + (corners[c][1] - y) ** 2)
        assert nearest == tasks.at[task, "corner"], task
    assert not by_gid(fig, "tasks:", Text)  # 72 titles do not fit a picture: a table lists them
    assert_legible(fig)
    save_png(fig, tmp_path / "triangle_tasks.png")


def test_triangle_takes_a_subset_of_tasks_and_refuses_unknown_modes() -> None:
    subset = load_tasks().iloc[:4]
    fig = plot_triangle("tasks", tasks=subset)
    assert set(by_gid(fig, "task:", Line2D)) == set(subset.index)
    with pytest.raises(ValueError, match="'titles' or 'tasks'"):
        plot_triangle("corners")


def test_plots_are_published_lazily() -> None:
    assert course_lib.plot_triangle is plot_triangle
    assert course_lib.plot_pragmatic_grid is plot_pragmatic_grid


def test_blackblot_team_draws_every_role_with_the_architect_outside_product_management(
    tmp_path: Path,
) -> None:
    roles = course_lib.load_blackblot_roles()
    fig = plot_blackblot_team()
    boxes = by_gid(fig, "role:", Artist)
    drawn = {gid for gid in boxes if ":" not in gid}
    assert drawn == set(roles.index)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    regions = by_gid(fig, "region:", Artist)
    inside = regions["product_management"].get_window_extent(renderer)  # type: ignore[attr-defined]
    for role in roles.index:
        box = boxes[role].get_window_extent(renderer)  # type: ignore[attr-defined]
        in_pm = inside.x0 <= box.x0 and box.x1 <= inside.x1
        assert in_pm == bool(roles.at[role, "in_product_management"]), role
        label = by_gid(fig, f"role:{role}:", Text)["text"].get_text()
        assert label.startswith(str(roles.at[role, "label"]))
    assert_legible(fig)
    save_png(fig, tmp_path / "team.png")


def test_definition_chain_draws_three_steps_with_their_writers(tmp_path: Path) -> None:
    chain = course_lib.load_definition_chain()
    fig = plot_definition_chain()
    texts = [text.get_text() for text in by_gid(fig, "step:", Text).values()]
    assert len(texts) == len(chain) == 3
    assert texts[0].startswith("MRD") and "product planner" in texts[0]
    assert texts[1].startswith("PRD") and "product architect" in texts[1]
    assert "lead developer" in texts[2]
    assert_legible(fig)
    save_png(fig, tmp_path / "chain.png")


def test_working_together_shows_one_leader_own_kpis_and_the_shared_scorecard(
    tmp_path: Path,
) -> None:
    kpis = course_lib.role_kpis()
    shared = ["win_rate", "adoption"]
    fig = plot_working_together(shared)
    card = by_gid(fig, "shared:", Text)["text"].get_text()
    assert card.splitlines() == ["Shared scorecard", "Win rate", "Product adoption"]
    own = by_gid(fig, "kpis:", Text)
    for role in ("product_management", "product_marketing"):
        names = kpis.loc[(kpis["role"] == role) & ~kpis.index.isin(shared), "kpi"]
        assert own[role].get_text().count("\u2022") == len(names)
        assert all(name in own[role].get_text() for name in names)
    assert "Director of Products" in by_gid(fig, "leader:", Text)["text"].get_text()
    assert_legible(fig)
    save_png(fig, tmp_path / "together.png")
    with pytest.raises(ValueError, match="choose from: adoption"):
        plot_working_together(["win_rates"])


def test_the_legibility_check_catches_small_text_and_shrunk_figures() -> None:
    from course_lib.plots.figure import new_figure

    fig = new_figure(4, 2)
    fig.text(0.1, 0.5, "tiny", fontsize=7)
    with pytest.raises(AssertionError, match=r"under 9\.0 pt"):
        assert_legible(fig)
    wide = Figure(figsize=(17, 4), dpi=PX_PER_INCH)
    wide.text(0.01, 0.5, "fine at full size", fontsize=12)
    wide.text(0.99, 0.5, "shrunk by half", fontsize=12, ha="right")
    assert display_scale(wide) == pytest.approx(0.5, abs=0.05)
    with pytest.raises(AssertionError, match=r"under 9\.0 pt"):
        assert_legible(wide)
    with pytest.raises(ValueError, match=r"at most 8\.3 inches wide"):
        new_figure(12, 4)


def test_raci_matrix_draws_every_cell_shaded_by_letter_with_its_letter(tmp_path: Path) -> None:
    from course_lib import plot_raci, raci_matrix
    from course_lib._style import RACI_COLOURS

    matrix = raci_matrix()
    fig = plot_raci(matrix, title="The course's key")
    cells = by_gid(fig, "cell:")
    letters = by_gid(fig, "letter:", Text)
    assert len(cells) == matrix.size
    for task, row in matrix.iterrows():
        for role, letter in row.items():
            face = cells[f"{task}:{role}"].get_facecolor()  # type: ignore[attr-defined]
            assert face == pytest.approx(to_rgba(RACI_COLOURS[letter]))
            if letter:
                assert letters[f"{task}:{role}"].get_text() == letter  # type: ignore[attr-defined]
            else:
                assert f"{task}:{role}" not in letters
    shown = {text.get_text() for text in fig.findobj(Text)}
    assert "A: Accountable" in shown and "Set price points and pricing tiers" in shown
    assert_legible(fig)
    save_png(fig, tmp_path / "raci.png")
    with pytest.raises(ValueError, match=r"cells must hold R, A, C, I or ''; found 'X'"):
        plot_raci(matrix.replace({"A": "X"}))
    with pytest.raises(TypeError, match="non-empty matrix"):
        plot_raci(matrix.iloc[0:0])
