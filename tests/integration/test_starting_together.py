"""Processes starting at once on a new PostgreSQL schema (`serve --workers N`, relays): each
creates the tables it keeps beside the events, and none fails because another does it too."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg import sql

from marketplace.adapters.eventstore import StoreLocation
from marketplace.adapters.idempotency_store import IdempotencyStore
from marketplace.audit.chain import Ledger
from marketplace.relay.position import PostgresPositions
from tests.conftest import POSTGRES_URL
from tests.integration.test_idempotency_effects import _NoSealing

pytestmark = pytest.mark.postgres
AT_ONCE = 6
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _ledger(schema: str) -> Any:
    return Ledger(StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=schema))


def _idempotency(schema: str) -> Any:
    location = StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=schema)
    return IdempotencyStore(location, _NoSealing(), lambda: NOW)


def _relay_positions(schema: str) -> Any:
    return PostgresPositions(POSTGRES_URL, schema, "relay")


@pytest.mark.parametrize(
    ("opener", "table"),
    [
        (_ledger, "audit_chain"),
        (_idempotency, "idempotency_keys"),
        (_relay_positions, "relay_positions"),
    ],
)
def test_all_open_and_the_table_is_made_once(
    pg_schema: str, opener: Callable[[str], Any], table: str
) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(pg_schema)))
    together = threading.Barrier(AT_ONCE)

    def open_one(_: int) -> Any:
        together.wait()
        return opener(pg_schema)

    with ThreadPoolExecutor(AT_ONCE) as pool:
        opened = list(pool.map(open_one, range(AT_ONCE)))
    for one in opened:
        one.close()
    with psycopg.connect(POSTGRES_URL) as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename = %s",
            (pg_schema, table),
        ).fetchone()
    assert found == (1,)
