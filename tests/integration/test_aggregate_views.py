"""Reads share the cached aggregate (no copy); commands change private copies; a reader's view
never changes under it. The cache is the adapter's, the same on both stores: SQLite only."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.request_reads import reads_of_one_request
from marketplace.aggregates.catalog import CatalogVersion
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.handlers.errors import ConcurrencyConflict
from tests.unit.org_fixtures import ACTOR, at


def _store(tmp_path: Path) -> EventSourcingStore:
    return EventSourcingStore(StoreLocation(sqlite_path=tmp_path / "events.sqlite3"))


def _register(store: EventSourcingStore, unit_id: str, parent: str | None, level: Level) -> None:
    org = store.get(ORGANISATION_ID, Organisation) or Organisation(
        id=ORGANISATION_ID, actor=ACTOR, timestamp=at(0)
    )
    org.register_unit(unit_id, unit_id, level, parent, None, actor=ACTOR, timestamp=at(1))
    store.save(org)


def test_reads_without_writes_share_one_instance_and_commands_get_copies(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        _register(store, "HQ", None, Level.GROUP)
        first = store.view(ORGANISATION_ID, Organisation)
        assert first is not None and store.view(ORGANISATION_ID, Organisation) is first
        private = store.get(ORGANISATION_ID, Organisation)
        assert private is not None and private is not first
        private.register_unit("P1", "P1", Level.PLATFORM, "HQ", None, actor=ACTOR, timestamp=at(2))
        assert "P1" not in first.units  # an unsaved change stays in the command's copy
    finally:
        store.close()


def test_a_held_view_does_not_change_when_a_command_saves_and_the_next_view_sees_it(
    tmp_path: Path,
) -> None:
    store, other_process = _store(tmp_path), _store(tmp_path)
    try:
        _register(store, "HQ", None, Level.GROUP)
        held = store.view(ORGANISATION_ID, Organisation)
        assert held is not None
        _register(store, "P1", "HQ", Level.PLATFORM)
        _register(other_process, "P2", "HQ", Level.PLATFORM)  # a write this process never saw
        assert sorted(held.units) == ["HQ"] and held.version == 2
        fresh = store.view(ORGANISATION_ID, Organisation)
        assert fresh is not None and sorted(fresh.units) == ["HQ", "P1", "P2"]
        assert store.view(ORGANISATION_ID, Organisation) is fresh  # cached once brought up to date
    finally:
        store.close()
        other_process.close()


def test_a_missing_or_other_kind_of_aggregate_is_none(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        assert store.view(ORGANISATION_ID, Organisation) is None
        _register(store, "HQ", None, Level.GROUP)
        assert store.view(ORGANISATION_ID, CatalogVersion) is None
    finally:
        store.close()


def test_after_a_save_the_next_read_is_the_saved_state_itself(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        _register(store, "HQ", None, Level.GROUP)
        changed = store.get(ORGANISATION_ID, Organisation)
        assert changed is not None
        changed.register_unit("P1", "P1", Level.PLATFORM, "HQ", None, actor=ACTOR, timestamp=at(2))
        store.save(changed)
        assert store.view(ORGANISATION_ID, Organisation) is changed  # no copy to bring it up
    finally:
        store.close()


def test_a_request_reads_each_aggregate_once_and_sees_its_own_saves(tmp_path: Path) -> None:
    store, other_process = _store(tmp_path), _store(tmp_path)
    try:
        _register(store, "HQ", None, Level.GROUP)
        with reads_of_one_request():
            first = store.view(ORGANISATION_ID, Organisation)
            _register(other_process, "P2", "HQ", Level.PLATFORM)
            # One state throughout the request: the other process's write is not read again…
            assert store.view(ORGANISATION_ID, Organisation) is first
            assert first is not None and sorted(first.units) == ["HQ"]
            # …so a command on it loses the race, and its retry reads what won.
            with pytest.raises(ConcurrencyConflict):
                _register(store, "P1", "HQ", Level.PLATFORM)
            _register(store, "P1", "HQ", Level.PLATFORM)
            own = store.view(ORGANISATION_ID, Organisation)
            assert own is not None and sorted(own.units) == ["HQ", "P1", "P2"]  # its own save
        after = store.view(ORGANISATION_ID, Organisation)  # outside a request: the latest
        assert after is not None and after.version == own.version
    finally:
        store.close()
        other_process.close()


def test_a_look_at_the_log_takes_no_connection_from_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request's look at the log never queues behind the writers waiting for the pool: it
    reads on a connection of its own, and still sees every commit."""
    store, other_process = _store(tmp_path), _store(tmp_path)
    try:
        _register(store, "HQ", None, Level.GROUP)
        saved = store.view(ORGANISATION_ID, Organisation)
        pool = store._app.recorder.datastore.pool  # type: ignore[attr-defined]

        def queued(*args: object, **kwargs: object) -> object:
            raise AssertionError("the look waited for the pool")

        monkeypatch.setattr(pool, "get_connection", queued)
        with reads_of_one_request():
            assert store.view(ORGANISATION_ID, Organisation) is saved  # fresh: no query
        _register(other_process, "P2", "HQ", Level.PLATFORM)
        with reads_of_one_request():
            store._look_at_the_log()
        assert not store._fresh.is_fresh(ORGANISATION_ID)  # the other process's commit seen
        monkeypatch.undo()
        latest = store.view(ORGANISATION_ID, Organisation)
        assert latest is not None and sorted(latest.units) == ["HQ", "P2"]
    finally:
        store.close()
        other_process.close()
