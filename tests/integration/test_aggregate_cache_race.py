"""A writer paused between its commit and caching what it saved must not leave its older state
cached as up to date once a later write of the same aggregate has been cached (under load, a
unit's concurrent renames were then refused, 32 retries each, until the process restarted)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.aggregates.base import Actor
from marketplace.demo import organisation_yaml
from marketplace.handlers import units
from marketplace.handlers.unit_import import import_units
from tests.integration.conftest import HQ_ADMIN, services_on


def test_a_write_paused_after_its_commit_leaves_the_later_write_cached(tmp_path: Path) -> None:
    store = EventSourcingStore(StoreLocation(sqlite_path=tmp_path / "events.sqlite3"))
    svc = services_on(store)
    import_units(svc, Actor(unit_id=None, token_id="cli"), organisation_yaml())
    committed, resume = threading.Event(), threading.Event()
    save = store._app.save

    def pausing_save(*aggregates: Any, **kwargs: Any) -> Any:
        recordings = save(*aggregates, **kwargs)
        if threading.current_thread().name == "paused":
            committed.set()
            resume.wait(30)  # descheduled after the commit, before caching
        return recordings

    store._app.save = pausing_save  # type: ignore[method-assign]
    paused = threading.Thread(
        name="paused",
        target=units.update_unit,
        args=(svc, HQ_ADMIN, units.UpdateUnit("SVC-02", name="first")),
    )
    paused.start()
    assert committed.wait(30)
    units.update_unit(svc, HQ_ADMIN, units.UpdateUnit("SVC-02", name="second"))
    resume.set()
    paused.join(30)

    assert units.get_unit(svc, "SVC-02").name == "second"
    units.update_unit(svc, HQ_ADMIN, units.UpdateUnit("SVC-02", name="third"))  # not refused
    store._app.save = save  # type: ignore[method-assign]
    elsewhere = EventSourcingStore(StoreLocation(sqlite_path=tmp_path / "events.sqlite3"))
    assert units.get_unit(services_on(elsewhere), "SVC-02").name == "third"
