"""The course's colours and CSS class names: one palette for plots, widgets, feedback, reports.

Role colours follow the course's convention (product management blue, product marketing
orange); marks use a colour-blind-safe green/red pair, always next to a ✔/✘ sign.
"""

from __future__ import annotations

__all__ = [
    "ANSWER",
    "CORNER_COLOURS",
    "CORRECT",
    "CSS",
    "DISAGREEMENT",
    "FOCUS",
    "HIGHLIGHT",
    "INK",
    "INK_SOFT",
    "LINE",
    "OVERLAP",
    "PAPER",
    "PAPER_SHADE",
    "RACI_COLOURS",
    "ROLE_COLOURS",
    "ROLE_EDGES",
    "ROLE_TINTS",
    "SIDE_COLOURS",
    "UNANSWERED",
    "WIDGET_CSS",
    "WRONG",
]

#: Fill colour of each course role (pictures).
ROLE_COLOURS: dict[str, str] = {
    "product_management": "#9ecae1",
    "product_marketing": "#fdae6b",
    "marcom": "#fdd0a2",
    "shared": "#c7e9c0",
    "engineering": "#d9d9d9",
}
#: Fill of each RACI letter (pictures): the A darkest, then R, C, I; a blank cell stays white.
RACI_COLOURS: dict[str, str] = {
    "A": "#2166ac",
    "R": "#67a9cf",
    "C": "#d1e5f0",
    "I": "#f0f0f0",
    "": "#ffffff",
}
#: Strong edge / text colour of the two product roles.
ROLE_EDGES: dict[str, str] = {"product_management": "#2166ac", "product_marketing": "#b35806"}
#: Light background of the two product roles (tables, spans).
ROLE_TINTS: dict[str, str] = {"product_management": "#d1e5f0", "product_marketing": "#fde0c5"}
#: Strategic versus tactical side of the Pragmatic grid.
SIDE_COLOURS: dict[str, str] = {"strategic": "#2166ac", "tactical": "#b35806"}
#: The three corners of the product management triangle.
CORNER_COLOURS: dict[str, str] = {
    "strategy": "#7b3294",
    "marketing": "#e66101",
    "technical": "#2166ac",
}

CORRECT = "#1b7837"
WRONG = "#b2182b"
UNANSWERED = "#b35806"
ANSWER = "#2166ac"
DISAGREEMENT = "#d7301f"
HIGHLIGHT = "#fff7bc"
#: Fill of the horizon where the two roles' spans overlap (the hand-off).
OVERLAP = "#e7d4e8"
INK = "#404040"
INK_SOFT = "#636363"
LINE = "#bdbdbd"
PAPER = "#f7f7f7"
PAPER_SHADE = "#e8e8e8"
#: The focus ring of every control (3 px, over 3:1 against white and the light greys above).
FOCUS = "#1c3f94"

#: Stable CSS class names of widget parts (browser tests and styles look for them).
CSS: dict[str, str] = {
    "board": "pmc-board",
    "card": "pmc-card",
    "correct": "pmc-card-correct",
    "wrong": "pmc-card-wrong",
    "unanswered": "pmc-card-unanswered",
    "answer": "pmc-card-answer",
    "check": "pmc-check",
    "show_answer": "pmc-show-answer",
    "reset": "pmc-reset",
    "score": "pmc-score",
    "feedback": "pmc-feedback",
    "picker": "pmc-picker",
    "code_button": "pmc-show-code",
    "code": "pmc-code",
    "role_picker": "pmc-role-picker",
    "role_horizon": "pmc-role-horizon",
    "role_horizon_table": "pmc-role-horizon-table",
    "feedback_table": "pmc-feedback-table",
    "table": "pmc-table",
}

#: Style sheet shipped inside the widgets: a visible focus ring on every control (a white
#: band, then a 3 px ring in FOCUS, so it shows on light and dark themes alike).
WIDGET_CSS = (
    ".pmc-board button:focus-visible,"
    ".pmc-board select:focus-visible,"
    ".pmc-role-horizon button:focus-visible"
    f"{{outline:3px solid {FOCUS} !important;outline-offset:2px !important;"
    "box-shadow:0 0 0 2px #ffffff !important}"
)
