"""A real PostgreSQL for the ledger tests: GATES_TEST_POSTGRES_URL, or a throwaway local cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from pg_cluster import cluster, server_bindir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server the tests may create tables in."""
    given = os.environ.get("GATES_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = server_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql,"
            " or set GATES_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with cluster(bindir) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """The server with no ledger tables in it: each test starts from an empty ledger."""
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS ledger_records, ledger_head, ledger_schema")
    return postgres_server
