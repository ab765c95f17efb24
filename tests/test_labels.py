"""normalize_label: aliases, case and spacing variants, and helpful errors."""

from __future__ import annotations

import pytest

from course_lib import label_choices, normalize_label


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("role", "PM", "product_management"),
        ("role", "Product Manager", "product_management"),
        ("role", "product-marketing", "product_marketing"),
        ("role", "  PMM ", "product_marketing"),
        ("role", "Marketing Communications", "marcom"),
        ("role", "product_management", "product_management"),
        ("roles", "both", "shared"),
        ("pragmatic_role", "pmm", "product_marketing"),
        ("horizon", "H1", "current"),
        ("horizon", "h2", "next"),
        ("horizon", "Horizon 3", "future"),
        ("horizon", "Next Products", "next"),
        ("corner", "Technical", "technical"),
        ("corner", "product owner", "technical"),
        ("blackblot_role", "Product Planner", "product_planner"),
        ("blackblot_role", "SE", "sales_engineer"),
    ],
)
def test_aliases_and_variants_map_to_canonical_ids(kind: str, text: str, expected: str) -> None:
    assert normalize_label(kind, text) == expected


def test_unknown_label_names_allowed_labels_and_closest_match() -> None:
    with pytest.raises(ValueError) as error:
        normalize_label("role", "Product Mgr")
    message = str(error.value)
    assert "unknown role 'Product Mgr'" in message
    assert "product_management, product_marketing, marcom, shared" in message
    assert "did you mean 'product_management'?" in message


def test_unknown_label_without_close_match_still_lists_choices() -> None:
    with pytest.raises(
        ValueError, match=r"unknown horizon 'xyzzy'; expected one of: current, next, future$"
    ):
        normalize_label("horizon", "xyzzy")


@pytest.mark.parametrize("bad", [None, 3, 2.5, ["PM"], float("nan")])
def test_non_text_labels_raise_type_error_with_a_fix(bad: object) -> None:
    with pytest.raises(TypeError, match=r"must be text.*in quotes"):
        normalize_label("role", bad)  # type: ignore[arg-type]


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown label kind 'colour'"):
        normalize_label("colour", "red")
    with pytest.raises(TypeError):
        normalize_label(1, "PM")  # type: ignore[arg-type]


def test_label_choices_follow_vocabulary_order() -> None:
    assert label_choices("horizon") == ["current", "next", "future"]
    assert label_choices("role")[:4] == [
        "product_management",
        "product_marketing",
        "marcom",
        "shared",
    ]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        # PMs' "tomorrow" spans next and future products, so it names no single horizon.
        ("horizon", "tomorrow"),
        # In industry a solution architect is a pre-sales role, not Blackblot's product architect.
        ("blackblot_role", "solution architect"),
    ],
)
def test_ambiguous_words_are_not_aliases(kind: str, text: str) -> None:
    with pytest.raises(ValueError, match="expected one of"):
        normalize_label(kind, text)
