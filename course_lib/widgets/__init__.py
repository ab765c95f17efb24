"""Interactive pieces for JupyterLab: the sorting board, the RACI board and the role-by-horizon
view.

Thin ipywidgets shells over the library's pure functions; imported on first use by
``course_lib`` so that ``import course_lib`` does not load ipywidgets.
"""

from course_lib.widgets.board import KEYBOARD_HINT, SortingBoard
from course_lib.widgets.horizon_view import RoleHorizonView, role_horizon_view
from course_lib.widgets.raci import RACI_KEYBOARD_HINT, RaciBoard

__all__ = [
    "KEYBOARD_HINT",
    "RACI_KEYBOARD_HINT",
    "RaciBoard",
    "RoleHorizonView",
    "SortingBoard",
    "role_horizon_view",
]
