"""``python -m course_lib``: run the course's main job (the ``pmcourse`` command line)."""

from course_lib.cli import main

raise SystemExit(main())
