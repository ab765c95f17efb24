"""Fixtures for tests that need real servers: PostgreSQL (postgres_support), Dask (dask_support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dask_support
import postgres_support
import pytest


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres_support.PostgresServer]:
    """One PostgreSQL cluster for the session (skips, or fails under CI, when not installed)."""
    with postgres_support.postgres_server() as server:
        yield server


@pytest.fixture
def postgres_url(
    postgres_server: postgres_support.PostgresServer, request: pytest.FixtureRequest
) -> Iterator[str]:
    """URL of a fresh database for this test (``postgresql://...``), dropped afterwards."""
    name = postgres_support.database_name(request.node.name)
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[dask_support.DaskCluster]:
    """A fresh scheduler with two worker processes on 127.0.0.1, all stopped after the test."""
    with dask_support.dask_cluster(tmp_path / "dask", workers=2) as cluster:
        yield cluster
