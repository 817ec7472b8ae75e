"""The notifier: routes the event feed into notifications and deliveries, and sends them.

In the embedded default it reads the event log in-process (inside the API process); with a
broker it is a Kafka consumer group of its own (`marketplace notify`, or a part of
`serve --all-in-one`). Either way a batch of events is routed in one read-model transaction
with its position, so a crash loses nothing and routes nothing twice; the sender then works
what is due.
"""

# ruff: noqa: S608 - SQL is built only from fixed table names

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from marketplace.adapters.outages import is_outage
from marketplace.log import get_logger
from marketplace.metrics.process import ProcessMetrics
from marketplace.metrics.samplers import watch_deliveries
from marketplace.notifications.outbox import NOTIFIER, START, remind_due, reminders_due, route_batch
from marketplace.notifications.reminders import DEFAULT_LEAD
from marketplace.notifications.sender import AttemptObserver, Channels, Sender
from marketplace.notifications.texts import GROUP_ZONE
from marketplace.projections.catch_up import apply_page, read_page
from marketplace.projections.event_log import EventLog
from marketplace.projections.failures import ProjectionFailed
from marketplace.projections.inprocess_feed import MAX_BACKOFF
from marketplace.projections.kafka_feed import ProjectionConsumer, through_outages
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.store import ReadModelStore

log = get_logger(__name__)
FAILED_PAUSE = 30.0  # seconds between tries at an event the routing cannot handle
PROGRESS_EVERY = 30.0  # seconds between two log lines of a long catch-up


@dataclass(frozen=True)
class KafkaFeed:
    bootstrap: str
    topic_prefix: str = ""
    consumer_options: Mapping[str, Any] | None = None


@dataclass
class Notifier:
    """Feed and sender over one read-model store (the caller opens and closes it)."""

    store: ReadModelStore
    events: EventLog
    channels: Channels
    clock: Callable[[], datetime]
    kafka: KafkaFeed | None = None
    poll_interval: float = 0.25
    batch_size: int = 500
    concurrency: int = 16
    zone: tzinfo = GROUP_ZONE  # the group's: a rectification day ends there
    reminder_lead: timedelta = DEFAULT_LEAD  # how long before a deadline its reminder goes
    observe: AttemptObserver | None = None  # the process's metrics
    # The group rules' lead in force at a moment, which takes precedence (None: the setting's).
    rules_lead: Callable[[datetime], timedelta | None] | None = None

    def __post_init__(self) -> None:
        self._routing = asyncio.Lock()  # the feed's loop and a reader's refresh take turns
        self._stopping = asyncio.Event()
        self.projection = dataclasses.replace(
            NOTIFIER, batch=functools.partial(route_batch, zone=self.zone)
        )
        self.sender = Sender(
            self.store,
            self.channels,
            self.clock,
            holder=f"{socket.gethostname()}:{os.getpid()}:{id(self):x}",
            concurrency=self.concurrency,
            poll_interval=self.poll_interval,
            observe=self.observe,
        )

    async def run(self, stop: asyncio.Event) -> None:
        self._stopping = stop  # a long catch-up (a first start over a long history) ends early
        await through_outages(self.prepare, stop)
        log.info("notifier_started", feed="kafka" if self.kafka else "in-process")
        async with asyncio.TaskGroup() as group:
            group.create_task(self._feed(stop))
            group.create_task(self._remind(stop))
            group.create_task(self.sender.run(stop))

    async def prepare(self) -> None:
        """The tables, and on the very first start the log's head as where notifying begins."""
        await self.store.create(NOTIFIER)
        if await self.store.state(NOTIFIER.name) is not None:
            return
        head = await self.events.head()
        async with self.store.transaction() as tx:
            await tx.execute(
                f"INSERT INTO {START.name} (name, sequence) VALUES ('start', $1) "
                "ON CONFLICT (name) DO NOTHING",
                [head],
            )
            await tx.lock_state(NOTIFIER)  # from now on the state says it was prepared

    async def _feed(self, stop: asyncio.Event) -> None:
        if self.kafka is not None:
            consumer = ProjectionConsumer(
                self.projection,
                self.store,
                bootstrap=self.kafka.bootstrap,
                topic_prefix=self.kafka.topic_prefix,
                batch_size=self.batch_size,
                consumer_options=self.kafka.consumer_options,
            )
            await consumer.run(stop)
            return
        delay = self.poll_interval
        while not stop.is_set():
            try:
                await self.refresh()
                delay = self.poll_interval
            except ProjectionFailed as failed:
                log.error(
                    "notifier_event_failed", position=failed.position, error=repr(failed.error)
                )
                delay = FAILED_PAUSE
            except Exception as exc:
                if not is_outage(exc):
                    raise
                log.warning("notifier_store_unreachable", error=repr(exc))
                delay = min(max(delay * 2, 0.5), MAX_BACKOFF)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    async def refresh(self, within: float | None = None) -> None:
        """Route what the log holds beyond the position, a page at a time (in-process feed).

        With `within`, a reader's read-your-writes: it stops waiting after that many seconds
        (far behind, e.g. the first start over a long history, the rest goes on in the
        background and the reader sees what was routed so far)."""
        if self.kafka is not None:
            return
        if within is None:
            await self._route_all()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._route_all()), within)

    async def _route_all(self) -> None:
        routed = False
        told = time.monotonic()
        while True:
            async with self._routing:
                state = await self.store.state(self.projection.name)
                position = state.position if state else 0
                page = await read_page(self.events, position, self.batch_size)
                if page is not None:
                    await apply_page(self.store, self.projection, page)
                    routed = True
            if page is None or page.count < self.batch_size or self._stopping.is_set():
                break
            if time.monotonic() - told >= PROGRESS_EVERY:  # far behind: say how far
                told = time.monotonic()
                head = await self.events.head()
                log.info("notifier_catching_up", position=page.last, head=head)
        if routed:
            self.sender.wake()

    async def _remind(self, stop: asyncio.Event) -> None:
        """Each round, the reminders that have come due (see `remind`)."""
        delay = self.poll_interval
        while not stop.is_set():
            try:
                await self.remind()
                delay = self.poll_interval
            except Exception as exc:
                if not is_outage(exc):
                    raise
                log.warning("notifier_store_unreachable", error=repr(exc))
                delay = min(max(delay * 2, 0.5), MAX_BACKOFF)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    async def remind(self) -> int:
        """Make the deadline reminders due by the clock, each once (outbox.remind_due), and
        wake the sender for them; how many were made."""
        now = self.clock()
        lead = self.reminder_lead
        if self.rules_lead is not None:
            ruled: timedelta | None = await asyncio.to_thread(self.rules_lead, now)
            lead = ruled or lead
        if not await reminders_due(self.store, now, lead):
            return 0
        async with self.store.transaction() as tx:
            made = await remind_due(tx, now, lead)
        if made:
            log.info("reminders_made", count=made)
            self.sender.wake()
        return made


@dataclass
class NotifyProcess:
    """`marketplace notify`: the notifier on a read-model store of its own."""

    read_models: ReadModelLocation
    make: Callable[[ReadModelStore], Notifier]
    metrics: ProcessMetrics | None = None
    _store: ReadModelStore | None = field(default=None, init=False)

    async def run(self, stop: asyncio.Event) -> None:
        store = self._store = await open_store(self.read_models)
        notifier = self.make(store)
        if self.metrics is not None:
            watch_deliveries(self.metrics, self._current, notifier.events.head)
        try:
            await notifier.run(stop)
        finally:
            await store.close()

    def _current(self) -> ReadModelStore:
        assert self._store is not None, "the notifier is not running"
        return self._store
