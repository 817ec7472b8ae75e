"""The API process's projections: the read-model store, in-process feeds, polling and status."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from marketplace.adapters.outages import is_outage
from marketplace.lead import Lead
from marketplace.log import get_logger
from marketplace.projections.event_log import EventLog, LogPage
from marketplace.projections.failures import (
    ProjectionFailed,
    ProjectionFailure,
    failure_of,
    read_failures,
)
from marketplace.projections.fan_out import fan_out
from marketplace.projections.inprocess_feed import MAX_BACKOFF, FeedState, InProcessFeed
from marketplace.projections.lag import BrokerEnds, Ends, kafka_lag, log_lags
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.projection import Projection
from marketplace.projections.read_lag import note_read_lag
from marketplace.projections.store import (
    ProjectionState,
    ReadModelStore,
    RowReader,
    read_states,
)

log = get_logger(__name__)
# Up to this many events behind the store, `start` catches the read models up before the API
# serves (read-your-writes from the first request). Further behind (never built, a restored
# store) they catch up in the background: the API answers at once, and a read meanwhile gets
# the rows there are and their lag (`note_read_lag`) instead of waiting for all of it.
CATCH_UP_AT_START = 2_000  # the default of MARKETPLACE_PROJECTION_CATCH_UP_AT_START
CATCHING_UP = "catching_up"  # a fed projection's state in `status` while that goes on


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    version: int
    stored_version: int | None
    position: int
    head: int
    lag: int | None  # None: unknown (the broker did not answer)
    feed: str
    state: str
    failure: ProjectionFailure | None = None


class ProjectionRuntime:
    """Opens the read models; without a broker, feeds them in-process.

    Read-your-writes: `reader(name)` first catches the projection up with the event store,
    so a read after a write (in any process sharing the store) sees it. With a broker the
    `marketplace project` workers feed them and reads are eventually consistent.
    """

    def __init__(
        self,
        location: ReadModelLocation,
        events: EventLog,
        projections: Sequence[Projection],
        *,
        feed_in_process: bool,
        poll_interval: float = 0.5,
        batch_size: int = 500,
        broker: BrokerEnds | None = None,
        topic_prefix: str = "",
        catch_up_at_start: int = CATCH_UP_AT_START,
        lead: Lead | None = None,
    ) -> None:
        self.location = location
        self.events = events
        self.projections = {p.name: p for p in projections}
        self.feed_in_process = feed_in_process
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.feeds: dict[str, InProcessFeed] = {}
        self._store: ReadModelStore | None = None
        self._poller: asyncio.Task[None] | None = None
        self._down_since: float | None = None
        self.broker = broker  # fed by Kafka: where the lag's end offsets come from
        self.topic_prefix = topic_prefix
        self.alive_at: datetime | None = None  # the in-process feed's last complete catch-up
        self.catch_up_at_start = catch_up_at_start
        # In a group of API workers only the lead polls (see Lead); the others follow.
        self.lead = lead or Lead(None)
        self._followed = 0  # the head a follower read at its previous poll
        self.catching_up = False  # the first catch-up runs in the background (see start)
        self._caught_up = asyncio.Event()
        # The log's head as last read, and when that read began (monotonic): reads asked before
        # it began share it (a page's gathered figures read the head once, not once each).
        self._head = (float("-inf"), 0)
        self._head_lock = asyncio.Lock()
        self._head_outage: tuple[float, BaseException] | None = None

    @property
    def store(self) -> ReadModelStore:
        assert self._store is not None, "the projection runtime is not started"
        return self._store

    def use(self, store: ReadModelStore) -> None:
        """Read `store` (opened by the caller) without feeding anything: status only."""
        self._store = store

    async def start(self) -> None:
        self._store = await open_store(self.location)
        for projection in self.projections.values():
            await self.store.create(projection)
            if self.feed_in_process:
                feed = InProcessFeed(self.store, projection, self.events, self.batch_size)
                await feed.start()
                self.feeds[projection.name] = feed
        if self.feeds:
            behind = await self._behind()
            if behind <= self.catch_up_at_start:
                await self._refresh_all()
            else:
                self.catching_up = True
                log.info("projections_catching_up_in_background", behind=behind)
            self._poller = asyncio.create_task(self._poll())
        else:
            self._caught_up.set()

    async def _behind(self) -> int:
        """How many events the furthest-behind fed projection has yet to read."""
        states = await read_states(self.store)
        positions = [
            state.position if (state := states.get(name)) else 0
            for name, feed in self.feeds.items()
            if feed.is_current
        ]
        return await self.events.head() - min(positions, default=0) if positions else 0

    async def _head_since(self, asked: float) -> int:
        """The log's head as read by a read that began after `asked` (so it counts every
        event committed before then: read-your-writes)."""
        async with self._head_lock:
            began, head = self._head
            if began >= asked:
                return head
            # Readers who waited on a read that found the store away get its error at once,
            # not one connect timeout each in turn.
            if self._head_outage is not None and self._head_outage[0] >= asked:
                raise self._head_outage[1]
            began = time.monotonic()
            try:
                head = await self.events.head()
            except Exception as exc:
                if is_outage(exc):
                    self._head_outage = (began, exc)
                raise
            self._head = (began, head)
            return head

    async def caught_up(self) -> None:
        """Wait until the read models have caught up with the store once since `start`."""
        await self._caught_up.wait()

    async def _refresh_all(self) -> bool:
        """Catch every fed projection up, reading the log once for all of them (see fan_out);
        False (at once) when the stores cannot be reached."""
        takers: dict[_Taker, int] = {}
        ok = True
        try:
            head = await self._head_since(time.monotonic())
            behind = [f for f in self.feeds.values() if f.is_current and f.known < head]
            # One query for every projection's position (not one per feed at every poll);
            # an idle store costs a poll just the head.
            states = await read_states(self.store) if behind else {}
            for feed in behind:
                stored = states.get(feed.projection.name)
                takers[_Taker(feed)] = stored.position if stored else 0
            await fan_out(self.events, takers, batch_size=self.batch_size)
        except Exception as exc:
            if is_outage(exc):  # the others would wait out the same timeouts
                self._outage(exc)
                return False
            for taker in takers:  # reading the log failed: none of them got further
                taker.failed(exc)
            ok = False
        if any(taker.error for taker in takers):
            ok = False
        self._kept_up()
        return ok

    async def _follow(self) -> bool:
        """Another process of the group feeds the read models: note how far the store has them
        (a read here then needs no catch-up of its own) and, once every fed projection reached
        the head read at the previous poll, that they keep up."""
        head = await self._head_since(time.monotonic())
        current = [f for f in self.feeds.values() if f.is_current]
        # An idle store costs a poll just the head, as the lead's does.
        states = await read_states(self.store) if any(f.known < head for f in current) else {}
        for feed in current:
            if (stored := states.get(feed.projection.name)) is not None:
                feed.known = max(feed.known, stored.position)
        if all(feed.known >= self._followed for feed in current):
            self._kept_up()
        self._followed = head
        return True

    def _kept_up(self) -> None:
        """The fed projections caught up (here, or by the lead of the group)."""
        self.alive_at = datetime.now(UTC)
        if self.catching_up:
            self.catching_up = False
            log.info("projections_caught_up")
        self._caught_up.set()
        if self._down_since is not None:
            down_for = asyncio.get_running_loop().time() - self._down_since
            log.info("projections_reconnected", down_for=round(down_for, 1))
            self._down_since = None

    def _outage(self, exc: BaseException) -> None:
        """Logged once per outage, not at every retry."""
        if self._down_since is None:
            self._down_since = asyncio.get_running_loop().time()
            log.warning("projections_waiting_for_store", error=repr(exc))

    async def _poll(self) -> None:
        """Catch up every poll interval, so writes of other processes show without a read;
        after an outage, retry within MAX_BACKOFF seconds, so catching up needs no new write."""
        delay = self.poll_interval  # a first catch-up in the background too: after start-up
        while True:
            await asyncio.sleep(delay)
            try:
                await self._resume_cleared()
                ok = await self._refresh_all() if self.lead.held() else await self._follow()
            except Exception as exc:  # the poller must outlive anything
                if is_outage(exc):
                    self._outage(exc)
                else:
                    log.error("projection_poll_failed", error=repr(exc))
                ok = False
            delay = self.poll_interval if ok else min(delay * 2, MAX_BACKOFF)

    async def _resume_cleared(self) -> None:
        failed = [f for f in self.feeds.values() if f.state is FeedState.FAILED]
        if failed:
            failures = await read_failures(self.store)
            for feed in failed:
                feed.resume_unless_failed(failures)

    async def reader(self, name: str) -> RowReader:
        """The store to read projection `name` from, caught up first when fed here; while
        the first catch-up runs in the background, as it is, its lag noted for the response."""
        feed = self.feeds.get(name)
        if feed is not None:
            if self.catching_up:
                note_read_lag(max(0, await self.events.head() - await feed.position()))
            elif feed.known < await self._head_since(time.monotonic()):
                await feed.refresh()
        return self.store

    async def status(self, head: int | None = None) -> list[ProjectionStatus]:
        """Each projection's state; failures as recorded in the store (by any process)."""
        if head is None:
            head = await self.events.head()
        failures = await read_failures(self.store)
        ends = await self._ends()
        every = await read_states(self.store)
        states = {p.name: every.get(p.name) for p in self.projections.values()}
        lags = await self._lags(states, head, ends)
        found = []
        for projection in self.projections.values():
            stored = states[projection.name]
            position = stored.position if stored else 0
            lag = lags[projection.name]
            feed = self.feeds.get(projection.name)
            failure = failure_of(projection, failures)
            if failure is not None:
                state = FeedState.FAILED.value
            elif feed is not None and feed.is_current and self.catching_up and lag:
                state = CATCHING_UP
            else:
                state = feed.state.value if feed else _kafka_state(projection, stored)
            found.append(
                ProjectionStatus(
                    name=projection.name,
                    version=projection.version,
                    stored_version=stored.version if stored else None,
                    position=position,
                    head=head,
                    lag=lag,
                    feed="in_process" if self.feed_in_process else "kafka",
                    state=state,
                    failure=failure,
                )
            )
        return found

    async def _ends(self) -> Ends | None:
        if self.feed_in_process or self.broker is None:
            return None
        topics = {self.topic_prefix + t for p in self.projections.values() for t in p.topics}
        return await self.broker.ends(topics)

    async def _lags(
        self, states: dict[str, ProjectionState | None], head: int, ends: Ends | None
    ) -> dict[str, int | None]:
        """Only the events each projection consumes that it has not applied yet."""
        positions = [
            (p, state.position if (state := states[p.name]) else 0)
            for p in self.projections.values()
        ]
        if self.feed_in_process:
            lags = await asyncio.to_thread(log_lags, self.events.notifications, positions, head)
            return {p.name: lag for (p, _), lag in zip(positions, lags, strict=True)}
        if ends is None:
            return {p.name: None for p, _ in positions}
        return {
            p.name: await kafka_lag(self.store, p, self.topic_prefix, ends) for p, _ in positions
        }

    async def stop(self) -> None:
        if self.broker is not None:
            await self.broker.close()
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        for feed in self.feeds.values():
            await feed.stop()
        if self._store is not None:
            await self._store.close()
            self._store = None


class _Taker:
    """A fed projection in one shared read: an error of its own stops it, not the others."""

    def __init__(self, feed: InProcessFeed) -> None:
        self.feed = feed
        self.error: BaseException | None = None

    def failed(self, exc: BaseException) -> None:
        self.error = exc
        log.error(
            "projection_refresh_failed", projection=self.feed.projection.name, error=repr(exc)
        )

    async def take(self, page: LogPage) -> bool:
        try:
            return await self.feed.take(page)
        except Exception as exc:
            if is_outage(exc):
                raise
            self.failed(exc)
            return False

    async def fail(self, failed: ProjectionFailed) -> None:
        await self.feed.fail(failed)


def _kafka_state(projection: Projection, stored: ProjectionState | None) -> str:
    """Fed by workers elsewhere: what the stored version says."""
    if stored is None:
        return "not_built"
    current = stored.version == projection.version
    return (FeedState.CURRENT if current else FeedState.STALE).value
