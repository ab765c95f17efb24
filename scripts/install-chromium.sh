#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser test, when it is missing and we may.
# Playwright drives it through executable_path=/usr/bin/chromium; `playwright install`
# cannot download browsers here and is never used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test (apt-get)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "Chromium is missing and cannot be installed here (not root or no apt-get);"
  echo "the browser test will be skipped. Install it with: sudo apt-get install chromium chromium-driver"
fi
