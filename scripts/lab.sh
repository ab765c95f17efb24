#!/usr/bin/env bash
# JupyterLab on the whole repository (lessons in course/, assignments in exercises/), opening
# the first lesson. Usage: scripts/lab.sh [trainee|instructor] [more jupyter lab options...]
#   trainee     (default) no news pop-up; nbgrader's instructor panels (Formgrader, Courses,
#               Create Assignment) switched off, the Assignment List and Validate kept.
#   instructor  no news pop-up; every nbgrader panel.
# The settings live in lab-config/<view>/ and reach JupyterLab through JUPYTER_CONFIG_PATH.
# --allow-root: containers and cloud boxes often run as root, where Jupyter refuses to start
# without it; it changes nothing for other users.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
view="${1:-trainee}"
if [ "$#" -gt 0 ]; then
  shift
fi
if [ ! -d "$root/lab-config/$view" ]; then
  echo "unknown view '$view'; use 'trainee' or 'instructor' (make lab LAB_VIEW=instructor)" >&2
  exit 2
fi
export JUPYTER_CONFIG_PATH="$root/lab-config/$view${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
exec jupyter lab \
  --allow-root \
  --ServerApp.root_dir="$root" \
  --LabApp.default_url=/lab/tree/course/00_start_here.ipynb \
  "$@"
