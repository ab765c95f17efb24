"""The two rules of a RACI matrix, on canonical letters: one A per task, at least one R.

A row maps each role to one letter: ``R`` (responsible: does the work), ``A`` (accountable:
answers for the decision), ``C`` (consulted: asked before), ``I`` (informed: told after) or
``""`` (not involved). The rules are written once, here: the content check of the course's
key, the practice feedback and the grader all use them.

>>> row_problems({"product_management": "A", "product_marketing": "A", "sales": "C"})
['2 roles are A (product_management, product_marketing): only one role can answer for the \
decision; keep one A and make the others R or C', 'no R: nobody does the work; give at least \
one role other than the A an R']
>>> follows_rules({"product_management": "A", "product_marketing": "R"})
True
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ACCOUNTABLE",
    "BLANK",
    "BLANK_SPELLINGS",
    "CONSULTED",
    "INFORMED",
    "LETTERS",
    "RESPONSIBLE",
    "follows_rules",
    "is_blank",
    "row_problems",
]

RESPONSIBLE = "R"
ACCOUNTABLE = "A"
CONSULTED = "C"
INFORMED = "I"
#: The four letters, in the order of the acronym.
LETTERS: tuple[str, ...] = (RESPONSIBLE, ACCOUNTABLE, CONSULTED, INFORMED)
#: A cell without a letter: the role is not involved.
BLANK = ""
#: What a trainee may write for a blank cell (besides ``None``).
BLANK_SPELLINGS: tuple[str, ...] = ("", "-", "\u2013", "\u2014")


def is_blank(value: object) -> bool:
    """Whether ``value`` leaves a cell blank: ``None``, empty text or a dash."""
    return value is None or (isinstance(value, str) and value.strip() in BLANK_SPELLINGS)


def row_problems(row: Mapping[str, str], names: Mapping[str, str] | None = None) -> list[str]:
    """What breaks the rules in one task's row (role -> canonical letter); empty when none.

    ``names`` turns role ids into the names the messages use (display labels, say).
    """

    def named(roles: list[str]) -> str:
        return ", ".join(names.get(role, role) if names else role for role in roles)

    accountable = [role for role, letter in row.items() if letter == ACCOUNTABLE]
    responsible = [role for role, letter in row.items() if letter == RESPONSIBLE]
    problems = []
    if not accountable:
        problems.append("no A: nobody answers for the decision; give exactly one role the A")
    elif len(accountable) > 1:
        problems.append(
            f"{len(accountable)} roles are A ({named(accountable)}): only one role can answer "
            "for the decision; keep one A and make the others R or C"
        )
    if not responsible:
        problems.append("no R: nobody does the work; give at least one role other than the A an R")
    return problems


def follows_rules(row: Mapping[str, str]) -> bool:
    """Whether a row has exactly one A and at least one R."""
    return not row_problems(row)
