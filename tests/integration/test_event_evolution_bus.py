"""On the bus: a store written before need.posted.v2, relayed by today's relay, gives each need
posted as v2 then v1 (one id, one partition), and a Kafka-fed read model counts it once."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.needs import NEED_POSTED_V1, NEED_POSTED_V2, NEEDS_TOPIC
from marketplace.projections import inbox, needs_board
from marketplace.projections.kafka_feed import ProjectionConsumer
from marketplace.projections.location import ReadModelLocation
from marketplace.projections.location import open_store as open_read_models
from tests.conftest import BROKER, require_broker
from tests.fixtures.pre_v2.replay import dump_tables
from tests.integration.conftest import StoreFactory
from tests.integration.test_event_evolution import (
    as_the_fixture_has_them,
    load_json,
    need_ids,
    written_before,
)
from tests.integration.test_relay import caught_up, running_relay
from tests.kafka_support import consume

pytestmark = pytest.mark.both_stores
FED = (needs_board.PROJECTION, inbox.PROJECTION)


async def test_old_needs_go_out_in_both_forms_and_are_read_once(
    open_store: StoreFactory, tmp_path: Path
) -> None:
    require_broker()
    prefix = f"t{uuid.uuid4().hex[:10]}."
    svc = written_before(open_store)
    store = svc.store
    before = load_json("relayed.json")
    on_needs = [m for m in before if m["topic"] == NEEDS_TOPIC]
    async with running_relay(store, BROKER, prefix) as relay:  # type: ignore[arg-type]
        await caught_up(relay, store)  # type: ignore[arg-type]
    expected = len(on_needs) + len(need_ids(before))
    messages = await consume(BROKER, [prefix + NEEDS_TOPIC], until_count=expected)
    assert len(messages) == expected
    by_key: dict[bytes, list[tuple[int, CloudEvent]]] = {}
    for _, partition, key, value in messages:
        by_key.setdefault(key, []).append((partition, CloudEvent.from_bytes(value)))
    for need_id in need_ids(before):
        posted = by_key[need_id.encode()][:2]
        assert [e.type for _, e in posted] == [NEED_POSTED_V2, NEED_POSTED_V1]
        assert len({p for p, _ in posted}) == 1 and len({e.id for _, e in posted}) == 1

    fed = await fed_from_the_bus(prefix, tmp_path / "fed.sqlite3")
    wanted = load_json("read_models.json")
    assert len(wanted["needs_board_items"]) == len(need_ids(before)) == 5
    for table, rows in fed.items():
        assert rows == wanted[table], table


async def fed_from_the_bus(prefix: str, path: Path) -> dict[str, Any]:
    """The read models the projections' Kafka consumers build (waiting up to 30 s for them to
    reach the fixture's rows)."""
    wanted = load_json("read_models.json")
    read_models = await open_read_models(ReadModelLocation(sqlite_path=path))
    stop = asyncio.Event()
    tasks = []
    for projection in FED:
        await read_models.create(projection)
        consumer = ProjectionConsumer(
            projection, read_models, bootstrap=BROKER, topic_prefix=prefix
        )
        tasks.append(asyncio.create_task(consumer.run(stop)))
    names = [t.name for p in FED for t in p.tables]
    try:
        current: dict[str, Any] = {}
        for _ in range(300):
            tables = as_the_fixture_has_them(dump_tables(path), path, wanted)
            current = {name: tables[name] for name in names}
            if all(current[name] == wanted[name] for name in names):
                break
            await asyncio.sleep(0.1)
        return current
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await read_models.close()
