#!/usr/bin/env bash
# Installs Debian's PostgreSQL server for the gradebook tests, when it is missing and we may.
# The tests start their own throwaway cluster (initdb, pg_ctl) on a free port and a private
# socket folder; the package's own "main" cluster is neither wanted nor left running.
set -euo pipefail
for initdb in /usr/lib/postgresql/*/bin/initdb; do
  if [ -x "$initdb" ]; then
    exit 0
  fi
done
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's postgresql for the gradebook tests (apt-get)..."
  # No system cluster: postgresql-common reads this drop-in before creating "main".
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/no-main-cluster.conf
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql >/dev/null
  # Should a cluster exist and run anyway, stop it: the tests start their own.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters --no-header 2>/dev/null | while read -r version name _port status _rest; do
      if [[ "$status" == online* ]]; then
        pg_ctlcluster "$version" "$name" stop || true
      fi
    done
  fi
else
  echo "PostgreSQL is missing and cannot be installed here (not root or no apt-get);"
  echo "the PostgreSQL tests will be skipped. Install it with: sudo apt-get install postgresql"
fi
