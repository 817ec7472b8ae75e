"""Stored events read straight from their JSON equal what decoding them gives: the same
CloudEvent, fields, payload and bytes; an event needing an upcast is left to decoding."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.demo import seed_demo
from marketplace.events.wire import NotPlain, _plain, plain_cloud_event, to_cloud_event
from marketplace.projections.event_log import EventLog
from tests.unit.handlers.world import World


@pytest.fixture(scope="module")
def store() -> EventSourcingStore:
    """The demo group's store: every kind of trade, body, visit, rule and resource event."""
    world = World()
    seed_demo(world.svc)
    return world.store


def plain_of(store: EventSourcingStore, record: Any, state: bytes | None = None) -> Any:
    return plain_cloud_event(
        record.topic,
        str(record.originator_id),
        record.originator_version,
        store.plain_state(record) if state is None else state,
        record.id,
    )


def test_every_stored_event_reads_plain_as_it_decodes(store: EventSourcingStore) -> None:
    types = set()
    for record in store.read(0, 100_000):
        decoded = to_cloud_event(store.decode(record), record.id)
        plain = plain_of(store, record)
        assert plain == decoded
        if decoded is None:
            continue  # an internal event: neither path publishes it
        types.add(decoded.type)
        assert plain.to_bytes() == decoded.to_bytes()
        assert plain.model_dump_json() == decoded.model_dump_json()
        assert plain.validated_payload == decoded.validated_payload
        assert plain.time.utcoffset() == decoded.time.utcoffset()
    assert len(types) >= 40


def test_an_event_stored_at_an_older_class_version_is_left_to_decoding(
    store: EventSourcingStore,
) -> None:
    posted = next(r for r in store.read(0, 100_000) if r.topic.endswith(":Need.Posted"))
    state = orjson.loads(store.plain_state(posted))
    assert state.pop("class_version") == 2
    with pytest.raises(NotPlain, match="upcast"):
        plain_of(store, posted, orjson.dumps(state))


def test_the_event_log_reads_current_events_without_decoding_them(
    store: EventSourcingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = asyncio.run(EventLog(store).read(0, 100_000))

    def no_decoding(record: Any) -> Any:
        raise AssertionError(f"decoded {record.topic}")

    monkeypatch.setattr(store, "decode", no_decoding)
    page = asyncio.run(EventLog(store).read(0, 100_000))
    assert page == expected and page is not None and page.count > 100


@pytest.mark.parametrize(
    ("stored", "public"),
    [
        ({"_type_": "decimal_str", "_data_": "1.50"}, "1.50"),
        ({"_type_": "date_iso", "_data_": "2027-01-31"}, "2027-01-31"),
        ({"_type_": "datetime_iso", "_data_": "2027-01-31T08:00:00+00:00"}, "2027-01-31T08:00:00Z"),
        (
            {"_type_": "datetime_iso", "_data_": "2027-01-31T08:00:00.5+08:00"},
            "2027-01-31T08:00:00.5+08:00",
        ),
        (
            {"_type_": "actor", "_data_": {"unit_id": None, "token_id": "t"}},
            {"unit_id": None, "token_id": "t"},
        ),
        (
            {"a": [{"_type_": "decimal_str", "_data_": "2"}, {"b": 1}], "_type_": "x"},
            {"a": ["2", {"b": 1}], "_type_": "x"},
        ),
    ],
)
def test_values_read_as_the_public_json_writes_them(stored: Any, public: Any) -> None:
    assert _plain(stored) == public


def test_an_unknown_transcoding_is_left_to_decoding() -> None:
    with pytest.raises(NotPlain):
        _plain({"x": [{"_type_": "uuid_hex", "_data_": "00" * 16}]})
