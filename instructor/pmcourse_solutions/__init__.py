"""The course's assignment sources with their grading keys, for instructors only.

``solutions/`` (package data) holds one folder per assignment: the source notebook whose
hidden tests carry the keys, and its data files. ``pmcourse quickstart`` copies it into a new
course. It ships apart from ``course_lib`` so that an environment trainees use never holds the
keys: install this package only where the course is graded.
"""

SOLUTIONS = "solutions"
"""The package-data folder holding one folder per assignment."""
