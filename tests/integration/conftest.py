"""Integration set-up: a real event store, SQLite (PostgreSQL too for `both_stores` tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.aggregates.access_token import Role
from marketplace.handlers.auth import Principal, hash_secret
from marketplace.handlers.ports import Services
from tests.conftest import POSTGRES_URL

ADMIN_TOKEN = "test-bootstrap-admin-token"
HQ_ADMIN = Principal("tok_hq", "HQ", frozenset({Role.HQ_ADMIN}))

StoreFactory = Callable[[], EventSourcingStore]


@pytest.fixture
def open_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[StoreFactory]:
    """Opens (possibly several) stores on one fresh database, closing them at the end; the
    database is SQLite, or PostgreSQL too when the test is `both_stores` (tests/conftest.py)."""
    if backend == "sqlite":
        location = StoreLocation(sqlite_path=tmp_path / "events.sqlite3")
    else:
        schema = request.getfixturevalue("pg_schema")
        location = StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=schema)
    opened: list[EventSourcingStore] = []

    def factory() -> EventSourcingStore:
        opened.append(EventSourcingStore(location))
        return opened[-1]

    yield factory
    for store in opened:
        store.close()


def fixed_clock() -> Callable[[], datetime]:
    ticks = count()
    return lambda: datetime(2027, 1, 1, tzinfo=UTC) + timedelta(seconds=next(ticks))


def sequential_ids() -> Callable[[str], str]:
    numbers = count(1)
    return lambda prefix: f"{prefix}_{next(numbers):04d}"


def services_on(store: EventSourcingStore) -> Services:
    return Services(
        store=store,
        clock=fixed_clock(),
        new_id=sequential_ids(),
        admin_token_hash=hash_secret(ADMIN_TOKEN),
    )


@pytest.fixture
def svc(open_store: StoreFactory) -> Services:
    return services_on(open_store())
