#!/usr/bin/env bash
# Installs axe-core, the accessibility engine the browser tests run inside Chromium, from the
# npm registry into .cache/axe/ (git-ignored). Nothing happens when that version is there.
set -euo pipefail
version="4.14.1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$root/.cache/axe"
installed="$target/node_modules/axe-core/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing, so axe-core cannot be installed; the accessibility checks will be"
  echo "skipped. Install Node.js and npm (e.g. apt-get install npm), then run make test again."
  exit 0
fi
echo "Installing axe-core $version from the npm registry into .cache/axe/ ..."
mkdir -p "$target"
npm install --prefix "$target" --no-save --no-audit --no-fund --loglevel=error \
  "axe-core@$version" >/dev/null
