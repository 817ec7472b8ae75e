"""Heartbeats: each worker process says every few seconds, in the read-model store, that it runs."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from marketplace.adapters.outages import is_outage
from marketplace.log import get_logger
from marketplace.projections.changes import Delete, Upsert, storable
from marketplace.projections.store import HEARTBEATS, ReadModelStore, RowReader

log = get_logger(__name__)
RELAY = "relay"
PROJECTIONS = "projections"
# What a component reports besides being alive: its position and lag (None: not known).
Progress = Callable[[], Awaitable[tuple[int | None, int | None]]]


@dataclass(frozen=True)
class Heartbeat:
    component: str
    instance: str  # host:pid
    started_at: datetime
    last_seen: datetime
    position: int | None = None
    lag: int | None = None


def this_instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def beat(store: ReadModelStore, heartbeat: Heartbeat) -> None:
    row = Upsert(
        HEARTBEATS.name,
        {"component": heartbeat.component, "instance": heartbeat.instance},
        {
            "started_at": heartbeat.started_at,
            "last_seen": heartbeat.last_seen,
            "position": heartbeat.position,
            "lag": heartbeat.lag,
        },
    )
    async with store.transaction() as tx:
        await tx.write(HEARTBEATS, storable(row))


async def read_heartbeats(reader: RowReader) -> list[Heartbeat]:
    """Every heartbeat recorded, the latest first."""
    rows = await reader.fetch(
        "SELECT component, instance, started_at, last_seen, position, lag "
        "FROM component_heartbeats ORDER BY last_seen DESC",
        [],
        HEARTBEATS.types,
    )
    return [Heartbeat(**row) for row in rows]


async def forget(store: ReadModelStore, component: str, instance: str) -> None:
    """A process that stops cleanly removes its heartbeat (one killed leaves it to go stale)."""
    async with store.transaction() as tx:
        await tx.write(
            HEARTBEATS,
            storable(Delete(HEARTBEATS.name, {"component": component, "instance": instance})),
        )


async def keep_beating(
    store: ReadModelStore | Callable[[], Awaitable[ReadModelStore]],
    component: str,
    interval: float,
    progress: Progress | None = None,
) -> None:
    """Beat every `interval` seconds until cancelled; then forget the heartbeat.

    `store` may be a function opening one (tried again at each beat until it works), for a
    process that has no read-model store of its own (the relay). An outage only skips beats:
    the heartbeat goes stale, which is what /health should then say.
    """
    instance, started_at = this_instance(), datetime.now(UTC)
    opened: ReadModelStore | None = store if not callable(store) else None
    try:
        while True:
            try:
                if opened is None:
                    assert callable(store)
                    opened = await store()
                position, lag = await progress() if progress else (None, None)
                now = datetime.now(UTC)
                await beat(opened, Heartbeat(component, instance, started_at, now, position, lag))
            except Exception as exc:  # a heartbeat must never stop the worker it reports on
                log_ = log.debug if is_outage(exc) else log.warning
                log_("heartbeat_skipped", component=component, error=repr(exc))
            await asyncio.sleep(interval)
    finally:
        if opened is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(forget(opened, component, instance), 2)
            if callable(store):
                await opened.close()
