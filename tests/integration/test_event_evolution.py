"""A store written before need.posted.v2 still replays, relays and loads as it did.

The fixture (tests/fixtures/pre_v2/, written by make.py with the release before the change)
holds the demo's store with every need posted at class version 1, the read models that
release replayed it to, and the messages its relay published. Its stored records are copied
as they are into a fresh store (SQLite, and PostgreSQL), then read with today's code.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.need import DeliveryLocation, Need, NeedSpec
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.needs import NEED_POSTED_V1, NEED_POSTED_V2, NEEDS_TOPIC
from marketplace.handlers import needs
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.projections.changes import Increment
from marketplace.projections.projection import Projection
from marketplace.projections.registry import PROJECTIONS
from marketplace.projections.sqlite_store import SqliteReadModels
from marketplace.projections.tables import Column, ColumnType, Table
from marketplace.projections.tracking import apply_partition_batch
from tests.fixtures.pre_v2.replay import dump_tables, read_models, relayed
from tests.integration.conftest import StoreFactory, services_on

pytestmark = pytest.mark.both_stores

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pre_v2"


def load_json(name: str) -> Any:
    return json.loads((FIXTURE / name).read_text("utf-8"))


def written_before(open_store: StoreFactory) -> Services:
    """A fresh store holding the fixture's stored records, byte for byte, in their order."""
    store = open_store()
    with sqlite3.connect(FIXTURE / "events.sqlite3") as db:
        rows = db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        ).fetchall()
    recorder = store._app.recorder  # test-only: records as the old release stored them
    for originator_id, version, topic, state in rows:
        recorder.insert_events([StoredEvent(originator_id, version, topic, bytes(state))])
    return services_on(store)


def need_ids(messages: list[dict[str, Any]]) -> list[str]:
    return [m["key"] for m in messages if m["value"]["type"] == NEED_POSTED_V1]


def test_the_fixture_was_written_at_class_version_1() -> None:
    with sqlite3.connect(FIXTURE / "events.sqlite3") as db:
        states = [
            json.loads(state)
            for (state,) in db.execute(
                "SELECT state FROM stored_events WHERE topic LIKE '%:Need.Posted'"
            )
        ]
    assert len(states) == 5
    assert all("class_version" not in s and "delivery_location" not in s["spec"] for s in states)


# Columns the read models gained after the fixture was written, with the value its old events
# give them: no delivery site for its needs; its contracts were all awards on needs.
ADDED_COLUMNS: dict[str, dict[str, Any]] = {
    "needs_board_items": {"delivery_site": None},
    "inbox_needs": {"delivery_site": None},
    "trade_volume_contracts": {"trade_form": "one_off"},
}


def as_the_fixture_has_them(
    replayed: dict[str, list[list[Any]]], path: Path, before: dict[str, list[list[Any]]]
) -> dict[str, list[list[Any]]]:
    """The replayed tables as the release before would have them: tables added since (read
    models of later releases, checked by their own tests) and columns added since (each with
    the value old events give it) left out."""
    kept: dict[str, list[list[Any]]] = {}
    with sqlite3.connect(path) as db:
        for table, rows in replayed.items():
            if table not in before:
                continue
            names = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            columns = ADDED_COLUMNS.get(table, {})
            added = [names.index(c) for c in columns]
            assert all(
                row[names.index(c)] == value for row in rows for c, value in columns.items()
            ), table
            kept[table] = sorted(
                ([v for i, v in enumerate(row) if i not in added] for row in rows), key=json.dumps
            )
    return kept


def test_a_store_written_before_replays_to_the_same_read_models(
    open_store: StoreFactory, tmp_path: Path
) -> None:
    svc = written_before(open_store)
    path = tmp_path / "read_models.sqlite3"
    replayed = asyncio.run(read_models(svc, path))
    before = load_json("read_models.json")
    assert as_the_fixture_has_them(replayed, path, before) == before


def test_its_relay_publishes_every_old_message_unchanged_and_a_v2_before_each_v1(
    open_store: StoreFactory,
) -> None:
    svc = written_before(open_store)
    before = load_json("relayed.json")
    now = relayed(svc)
    assert [m for m in now if m["value"]["type"] != NEED_POSTED_V2] == before
    for i, message in enumerate(now):
        if message["value"]["type"] != NEED_POSTED_V2:
            continue
        twin = now[i + 1]
        assert twin["value"]["type"] == NEED_POSTED_V1
        assert (message["topic"], message["key"]) == (twin["topic"], twin["key"])
        assert message["value"]["id"] == twin["value"]["id"]
        old_spec = twin["value"]["data"]["spec"]
        assert message["value"]["data"]["spec"] == old_spec | {"delivery_location": None}
    assert len(now) == len(before) + len(need_ids(before)) == len(before) + 5


def test_the_kafka_feed_given_both_forms_counts_each_need_once(
    open_store: StoreFactory, tmp_path: Path
) -> None:
    """Consumed from the bus (v2 then its v1 twin), the read models are the same as well."""
    svc = written_before(open_store)
    fed = asyncio.run(from_the_bus(relayed(svc), tmp_path / "fed.sqlite3"))
    tally = fed.pop(TALLY_TABLE.name)
    path = tmp_path / "replayed.sqlite3"
    replayed = asyncio.run(read_models(svc, path))
    before = load_json("read_models.json")
    assert fed == replayed
    assert as_the_fixture_has_them(replayed, path, before) == before
    assert [row for row in tally if "posted" in row[0]] == [[NEED_POSTED_V2, 5]]


# Test-only: the need events a projection was given, by type (a double count would show).
TALLY_TABLE = Table(
    "posted_tally_types",
    columns=(Column("type", ColumnType.TEXT), Column("events", ColumnType.INTEGER)),
    key=("type",),
)
TALLY = Projection(
    "posted_tally",
    1,
    (NEEDS_TOPIC,),
    (TALLY_TABLE,),
    lambda event: [Increment(TALLY_TABLE.name, {"type": event.type}, {"events": 1})],
)


async def from_the_bus(messages: list[dict[str, Any]], path: Path) -> dict[str, Any]:
    """Every projection fed the messages as its Kafka consumer would: in order, by topic."""
    store = await SqliteReadModels.open(path)
    offsets: dict[str, int] = {}
    try:
        for projection in (*PROJECTIONS, TALLY):
            await store.create(projection)
        for message in messages:
            topic = message["topic"]
            offset = offsets[topic] = offsets.get(topic, -1) + 1
            event = CloudEvent.model_validate(message["value"])
            for projection in (*PROJECTIONS, TALLY):
                batch = [(offset, (topic, event))]
                await apply_partition_batch(store, projection, topic, 0, batch)
    finally:
        await store.close()
    return dump_tables(path)


def test_its_needs_load_upcast_with_no_delivery_location(open_store: StoreFactory) -> None:
    svc = written_before(open_store)
    posted = {
        m["key"]: m["value"]["data"]
        for m in load_json("relayed.json")
        if m["value"]["type"] == NEED_POSTED_V1
    }
    for need_id in need_ids(load_json("relayed.json")):
        need = svc.store.get(need_id, Need)
        assert need.spec.delivery_location is None
        assert need.spec.title == posted[need_id]["spec"]["title"]
        assert need.spec.quantity == Decimal(posted[need_id]["spec"]["quantity"])


def test_a_need_posted_after_the_change_joins_the_old_ones(
    open_store: StoreFactory, tmp_path: Path
) -> None:
    svc = written_before(open_store)
    first = svc.store.get(need_ids(load_json("relayed.json"))[0], Need)
    operator = Principal("tok_op", first.demand_unit_id, frozenset({Role.UNIT_OPERATOR}))
    site = DeliveryLocation("Methanol plant, gate 3", "1 Chemical Park Road")
    spec: NeedSpec = replace(first.spec, title="Steam, after the change", delivery_location=site)
    need = needs.post_need(svc, operator, spec)

    assert svc.store.get(need.id, Need).spec.delivery_location == site
    [record] = [r for r in svc.store.read(0, 10_000) if r.originator_id == need.id]
    assert json.loads(bytes(record.state))["class_version"] == 2  # old ones have none
    forms = [m["value"] for m in relayed(svc) if m["key"] == need.id]
    assert [f["type"] for f in forms] == [NEED_POSTED_V2, NEED_POSTED_V1]
    assert forms[0]["data"]["spec"]["delivery_location"] == {
        "site": "Methanol plant, gate 3",
        "address": "1 Chemical Park Road",
    }
    assert "delivery_location" not in forms[1]["data"]["spec"]
    tables = asyncio.run(read_models(svc, tmp_path / "read_models.sqlite3"))
    before = load_json("read_models.json")
    for table in ("needs_board_items", "inbox_needs", "report_facts_needs"):
        assert len(tables[table]) == len(before[table]) + 1, table
