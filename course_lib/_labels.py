"""Map what a trainee types ("PM", "Product Manager", "H1") to canonical label ids."""

from __future__ import annotations

import difflib
import re
from functools import cache

from course_lib._content import cached_table

__all__ = [
    "LABEL_KINDS",
    "canonical_kind",
    "display_label",
    "fold_spelling",
    "label_choices",
    "label_lookup",
    "normalize_label",
]

#: Label kind -> vocabulary it is checked against. Plural and scheme names are accepted too.
LABEL_KINDS: dict[str, str] = {
    "role": "roles",
    "horizon": "horizons",
    "corner": "corners",
    "blackblot_role": "blackblot_roles",
    "raci_role": "raci_roles",
    "raci_letter": "raci_letters",
}
_KIND_ALIASES: dict[str, str] = {
    "roles": "role",
    "pragmatic_role": "role",
    "horizons": "horizon",
    "corners": "corner",
    "blackblot_roles": "blackblot_role",
    "blackblot_owner": "blackblot_role",
    "raci_roles": "raci_role",
    "raci_letters": "raci_letter",
}


def fold_spelling(text: str) -> str:
    """Casefold and collapse spaces, hyphens, underscores and dots into single spaces."""
    return re.sub(r"[\s_\-./]+", " ", text.casefold()).strip()


def canonical_kind(kind: str) -> str:
    """The label kind ``kind`` names (``role`` for ``roles`` or ``pragmatic_role``, ...)."""
    if not isinstance(kind, str):
        raise TypeError(f"label kind must be text, not {type(kind).__name__}")
    canonical = _KIND_ALIASES.get(kind, kind)
    if canonical not in LABEL_KINDS:
        raise ValueError(f"unknown label kind {kind!r}; expected one of: {', '.join(LABEL_KINDS)}")
    return canonical


@cache
def label_lookup(kind: str) -> dict[str, str]:
    """Folded spelling -> canonical id, for every id, label and alias of a label kind."""
    vocabulary = cached_table(LABEL_KINDS[canonical_kind(kind)])
    table: dict[str, str] = {}
    for label_id, row in vocabulary.iterrows():
        for spelling in (str(label_id), row["label"], *row["aliases"]):
            table.setdefault(fold_spelling(spelling), str(label_id))
    return table


def label_choices(kind: str) -> list[str]:
    """Return the canonical ids allowed for a label kind, in vocabulary order."""
    return [str(label_id) for label_id in cached_table(LABEL_KINDS[canonical_kind(kind)]).index]


def display_label(kind: str, label_id: str) -> str:
    """The label trainees read for a canonical id (``Product management``); unknown text is
    returned unchanged.

    >>> display_label("role", "product_marketing")
    'Product marketing'
    """
    labels = cached_table(LABEL_KINDS[canonical_kind(kind)])["label"]
    return str(labels.get(label_id, label_id))


def normalize_label(kind: str, text: str) -> str:
    """Return the canonical id for ``text`` as a label of ``kind``.

    >>> normalize_label("role", "PMM")
    'product_marketing'
    >>> normalize_label("horizon", "H1")
    'current'

    Unknown text raises ``ValueError`` naming the allowed labels and the closest match.
    """
    kind_id = canonical_kind(kind)
    if not isinstance(text, str):
        raise TypeError(
            f"a {kind_id.replace('_', ' ')} label must be text, not "
            f"{type(text).__name__} ({text!r}); write it in quotes, e.g. "
            f"{label_choices(kind_id)[0]!r}"
        )
    lookup = label_lookup(kind_id)
    folded = fold_spelling(text)
    if folded in lookup:
        return lookup[folded]
    choices = label_choices(kind_id)
    message = f"unknown {kind_id.replace('_', ' ')} {text!r}; expected one of: {', '.join(choices)}"
    close = difflib.get_close_matches(folded, list(lookup), n=1, cutoff=0.6)
    if close:
        message += f" (did you mean {lookup[close[0]]!r}?)"
    raise ValueError(message)
