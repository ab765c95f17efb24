"""Exit codes and the one error type the command line turns into a message."""

from __future__ import annotations

EXIT_OK = 0
"""Everything ran and nothing needs attention."""
EXIT_FAILURES = 1
"""The run completed, but some submissions failed to grade or the audit flagged something."""
EXIT_USAGE = 2
"""Bad arguments, a missing folder, an unknown assignment or an unreadable course file."""


class PipelineError(Exception):
    """A problem the instructor must fix before the command can run (exit code 2).

    The message names the path or value at fault and says how to fix it.
    """
