"""Interactive pieces for JupyterLab: the sorting board and the role-by-horizon view.

Thin ipywidgets shells over the library's pure functions; imported on first use by
``course_lib`` so that ``import course_lib`` does not load ipywidgets.
"""

from course_lib.widgets.board import KEYBOARD_HINT, SortingBoard
from course_lib.widgets.horizon_view import RoleHorizonView, role_horizon_view

__all__ = ["KEYBOARD_HINT", "RoleHorizonView", "SortingBoard", "role_horizon_view"]
