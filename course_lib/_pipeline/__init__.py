"""The instructor pipeline behind ``pmcourse``: one module per step, data flowing one way.

settings (the course's ``nbgrader_config.py``) -> release -> grade (workers, kernels,
gradebook, feedback, log) -> export -> report / audit; ``demo`` runs them all on a synthetic
cohort and ``commands`` maps the command line onto them. These modules import nbgrader, so a
plain ``import course_lib`` does not load them.
"""
