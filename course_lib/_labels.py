"""Map what a trainee types ("PM", "Product Manager", "H1") to canonical label ids."""

from __future__ import annotations

import difflib
import re
from functools import cache

from course_lib._content import _load_cached

__all__ = ["LABEL_KINDS", "label_choices", "normalize_label"]

#: Label kind -> vocabulary it is checked against. Plural and scheme names are accepted too.
LABEL_KINDS: dict[str, str] = {
    "role": "roles",
    "horizon": "horizons",
    "corner": "corners",
    "blackblot_role": "blackblot_roles",
}
_KIND_ALIASES: dict[str, str] = {
    "roles": "role",
    "pragmatic_role": "role",
    "horizons": "horizon",
    "corners": "corner",
    "blackblot_roles": "blackblot_role",
    "blackblot_owner": "blackblot_role",
}


def _fold(text: str) -> str:
    """Casefold and collapse spaces, hyphens, underscores and dots into single spaces."""
    return re.sub(r"[\s_\-./]+", " ", text.casefold()).strip()


def _kind(kind: str) -> str:
    if not isinstance(kind, str):
        raise TypeError(f"label kind must be text, not {type(kind).__name__}")
    canonical = _KIND_ALIASES.get(kind, kind)
    if canonical not in LABEL_KINDS:
        raise ValueError(f"unknown label kind {kind!r}; expected one of: {', '.join(LABEL_KINDS)}")
    return canonical


@cache
def _lookup(kind: str) -> dict[str, str]:
    """Folded spelling -> canonical id, for every id, label and alias of a vocabulary."""
    vocabulary = _load_cached(LABEL_KINDS[kind])
    table: dict[str, str] = {}
    for label_id, row in vocabulary.iterrows():
        for spelling in (str(label_id), row["label"], *row["aliases"]):
            table.setdefault(_fold(spelling), str(label_id))
    return table


def label_choices(kind: str) -> list[str]:
    """Return the canonical ids allowed for a label kind, in vocabulary order."""
    return [str(label_id) for label_id in _load_cached(LABEL_KINDS[_kind(kind)]).index]


def normalize_label(kind: str, text: str) -> str:
    """Return the canonical id for ``text`` as a label of ``kind``.

    >>> normalize_label("role", "PMM")
    'product_marketing'
    >>> normalize_label("horizon", "H1")
    'current'

    Unknown text raises ``ValueError`` naming the allowed labels and the closest match.
    """
    canonical_kind = _kind(kind)
    if not isinstance(text, str):
        raise TypeError(
            f"a {canonical_kind.replace('_', ' ')} label must be text, not "
            f"{type(text).__name__} ({text!r}); write it in quotes, e.g. "
            f"{label_choices(canonical_kind)[0]!r}"
        )
    lookup = _lookup(canonical_kind)
    folded = _fold(text)
    if folded in lookup:
        return lookup[folded]
    choices = label_choices(canonical_kind)
    message = (
        f"unknown {canonical_kind.replace('_', ' ')} {text!r}; "
        f"expected one of: {', '.join(choices)}"
    )
    close = difflib.get_close_matches(folded, list(lookup), n=1, cutoff=0.6)
    if close:
        message += f" (did you mean {lookup[close[0]]!r}?)"
    raise ValueError(message)
