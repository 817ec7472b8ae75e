"""Processes of a deployment create the store's tables at start; started together, all start."""

from __future__ import annotations

import threading

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from tests.conftest import POSTGRES_URL

PROCESSES = 6


def test_processes_opening_a_new_postgres_store_at_once_all_open_it(pg_schema: str) -> None:
    """API, relay and projection workers open a new schema together (docker-compose up): the
    second `CREATE OR REPLACE FUNCTION` or `CREATE TABLE IF NOT EXISTS` of a race used to fail
    that process ("tuple concurrently updated", a duplicate catalog row)."""
    location = StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=pg_schema)
    start = threading.Barrier(PROCESSES)
    failures: list[BaseException] = []
    stores: list[EventSourcingStore] = []

    def open_store() -> None:
        start.wait()
        try:
            stores.append(EventSourcingStore(location))
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        assert len(stores) == PROCESSES and all(store.head() == 0 for store in stores)
    finally:
        for store in stores:
            store.close()
