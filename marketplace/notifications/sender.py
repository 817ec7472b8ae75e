"""The sender: due deliveries in order per subscription, none holding up another.

A subscription is worked by at most one task at a time, here and in any other notifier
process (a lease in the store), and its deliveries go in the order of the events: a delivery
waiting for its retry holds back the ones after it. Webhooks go one by one; mails wait out
the digest window and go as one message. Every attempt is recorded before the next.
"""

# ruff: noqa: S608 - SQL is built only from fixed table names

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from marketplace.events.envelope import CloudEvent
from marketplace.log import get_logger
from marketplace.notifications.backoff import next_delay
from marketplace.notifications.outbox import (
    DELIVERIES,
    DIGEST_WINDOW,
    ITEMS,
    LEASES,
    SUBSCRIPTIONS,
    UNITS,
)
from marketplace.notifications.redaction import redacted_body
from marketplace.notifications.routing import DEFAULT_LANGUAGE
from marketplace.notifications.texts import Text, render
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tables import ColumnType

log = get_logger(__name__)
LEASE = timedelta(seconds=20)  # a crashed process's subscriptions wait this long at most
PAGE = 100  # deliveries of one subscription read at a time
ERROR_PAUSE = timedelta(seconds=5)
RECORD_BATCH = 10  # 2xx answers recorded together (at most this many resent after a crash)


class Endpoint(Protocol):
    """Where a subscription's deliveries go (handlers.subscriptions.Endpoint)."""

    @property
    def channel(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def secret(self) -> str | None: ...
    @property
    def active(self) -> bool: ...


class Outcome(Protocol):
    """One webhook attempt's result (webhook.Attempt)."""

    @property
    def status(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def outcome(self) -> str: ...


@dataclass(frozen=True)
class Channels:
    """How the sender reaches subscriptions and receivers (built in `bootstrap`)."""

    endpoint_of: Callable[[str], Awaitable[Endpoint | None]]
    disable: Callable[[str, str], Awaitable[None]]  # subscription id, reason
    post: Callable[[str, str, str, bytes, int], Awaitable[Outcome]]  # url, secret, id, body, now
    mail: Callable[[EmailMessage], Awaitable[None]] | None
    digest: Callable[[str, str, Sequence[tuple[str, Text, CloudEvent]], str], EmailMessage]
    # unit id, address, items, language → the message


_TYPES = {
    "delivery_id": ColumnType.TEXT,
    "subscription_id": ColumnType.TEXT,
    "event_id": ColumnType.TEXT,
    "sequence": ColumnType.INTEGER,
    "attempts": ColumnType.INTEGER,
    "next_attempt_at": ColumnType.TIMESTAMP,
    "first_attempt_at": ColumnType.TIMESTAMP,
    "created_at": ColumnType.TIMESTAMP,
    "event": ColumnType.TEXT,
    "event_type": ColumnType.TEXT,
    "unit_id": ColumnType.TEXT,
    "language": ColumnType.TEXT,
    "event_types": ColumnType.TEXT,
}
_HEADS = (
    f"SELECT d.subscription_id, d.next_attempt_at FROM {DELIVERIES.name} d "
    "WHERE d.status = 'pending' AND d.sequence = (SELECT min(e.sequence) "
    f"FROM {DELIVERIES.name} e WHERE e.subscription_id = d.subscription_id "
    "AND e.status = 'pending')"
)
_PENDING = (
    "SELECT d.delivery_id, d.event_id, d.sequence, d.attempts, d.next_attempt_at, "
    "d.first_attempt_at, d.created_at, i.event, i.event_type, i.unit_id, u.language, "
    "s.event_types "
    f"FROM {DELIVERIES.name} d JOIN {ITEMS.name} i ON i.notification_id = d.notification_id "
    f"LEFT JOIN {UNITS.name} u ON u.unit_id = i.unit_id "
    f"LEFT JOIN {SUBSCRIPTIONS.name} s ON s.subscription_id = d.subscription_id "
    "WHERE d.subscription_id = $1 AND d.status = 'pending' ORDER BY d.sequence LIMIT $2"
)
_TAKE_LEASE = (
    f"INSERT INTO {LEASES.name} (subscription_id, holder, until) VALUES ($1, $2, $3) "
    f"ON CONFLICT (subscription_id) DO UPDATE SET holder = excluded.holder, "
    f"until = excluded.until WHERE {LEASES.name}.until < $4 OR {LEASES.name}.holder = $2 "
    "RETURNING holder"
)
_DROP_LEASE = f"DELETE FROM {LEASES.name} WHERE subscription_id = $1 AND holder = $2"
_ATTEMPTED = (
    f"UPDATE {DELIVERIES.name} SET status = $2, attempts = $3, next_attempt_at = $4, "
    "first_attempt_at = $5, last_attempt_at = $6, last_status = $7, last_error = $8 "
    "WHERE delivery_id = $1"
)
_RECORD_ATTEMPT = (
    "INSERT INTO notify_attempts (delivery_id, attempt, attempted_at, http_status, error, "
    "outcome) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id, attempt) DO NOTHING"
)
_GIVE_UP_ALL = (
    f"UPDATE {DELIVERIES.name} SET status = 'dead', last_error = $2 "
    "WHERE subscription_id = $1 AND status = 'pending'"
)


@dataclass(frozen=True)
class Result:
    """What one attempt at one delivery came to."""

    outcome: str  # delivered, retry, gone (410: the subscription ends), failed (refused for good)
    status: int | None
    error: str | None
    seconds: float | None = None  # how long a webhook's post took


# Told of each attempt once recorded: channel, outcome, the delivery's status, seconds taken.
AttemptObserver = Callable[[str, str, str, float | None], None]


@dataclass
class Sender:
    """Works due subscriptions until stopped; `wake` after routing saves a poll's wait."""

    store: ReadModelStore
    channels: Channels
    clock: Callable[[], datetime]
    holder: str  # this process, in the leases
    concurrency: int = 16
    poll_interval: float = 0.25
    jitter: Callable[[], float] = random.random
    observe: AttemptObserver | None = None
    _working: set[str] = field(default_factory=set)
    _paused: dict[str, datetime] = field(default_factory=dict)  # after an error, until
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        limit = asyncio.Semaphore(self.concurrency)
        try:
            while not stop.is_set():
                try:
                    await self._start_due(limit)
                except Exception as exc:  # the store away: the next round tries again
                    log.warning("notify_send_round_failed", error=repr(exc))
                self._wake.clear()
                waiting = asyncio.ensure_future(self._wake.wait())
                stopping = asyncio.ensure_future(stop.wait())
                await asyncio.wait(
                    [waiting, stopping],
                    timeout=self.poll_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                waiting.cancel()
                stopping.cancel()
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _start_due(self, limit: asyncio.Semaphore) -> None:
        now = self.clock()
        heads = await self.store.fetch(_HEADS, [], _TYPES)
        for head in heads:
            subscription = head["subscription_id"]
            if subscription in self._working or head["next_attempt_at"] > now:
                continue
            if self._paused.get(subscription, now) > now:
                continue
            self._working.add(subscription)
            task = asyncio.create_task(self._guarded(subscription, limit))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _guarded(self, subscription: str, limit: asyncio.Semaphore) -> None:
        try:
            async with limit:
                if await self._lease(subscription):
                    try:
                        await self.work(subscription)
                    finally:
                        await self._release(subscription)
        except Exception as exc:  # the store away, a bug: try this one again a little later
            log.warning("notify_subscription_failed", subscription_id=subscription, error=repr(exc))
            self._paused[subscription] = self.clock() + ERROR_PAUSE
        finally:
            self._working.discard(subscription)

    async def _lease(self, subscription: str) -> bool:
        now = self.clock()
        async with self.store.transaction() as tx:
            rows = await tx.rows(_TAKE_LEASE, [subscription, self.holder, now + LEASE, now])
        return bool(rows)

    async def _release(self, subscription: str) -> None:
        async with self.store.transaction() as tx:
            await tx.execute(_DROP_LEASE, [subscription, self.holder])

    async def work(self, subscription: str) -> None:
        """Send the subscription's due deliveries in order, until one must wait."""
        endpoint = await self.channels.endpoint_of(subscription)
        if endpoint is None or not endpoint.active:
            await self._give_up_all(subscription, "subscription removed or disabled")
            return
        while True:
            rows = await self.store.fetch(_PENDING, [subscription, PAGE], _TYPES)
            if not rows:
                return
            if endpoint.channel == "email":
                if not await self._mail(subscription, endpoint, rows):
                    return
                continue
            if not await self._post_in_order(subscription, endpoint, rows):
                return
            await self._lease(subscription)  # still working: keep it

    async def _post_in_order(
        self, subscription: str, endpoint: Endpoint, rows: list[dict[str, Any]]
    ) -> bool:
        """Post the due rows one after another; False once one must wait (or the endpoint is
        gone). Answers are recorded RECORD_BATCH at a time, and at once when one is not a 2xx:
        a crash loses no answer's record but may send up to that many again."""
        answered: list[tuple[dict[str, Any], Result]] = []
        renewed = self.clock()
        try:
            for row in rows:
                if row["next_attempt_at"] > self.clock():
                    return False
                if self.clock() - renewed > LEASE / 4:  # a slow receiver: keep the lease
                    renewed = self.clock()
                    if not await self._lease(subscription):
                        return False  # taken over (this process stalled past its lease)
                result = await self._post(endpoint, row)
                answered.append((row, result))
                if result.outcome != "delivered" or len(answered) >= RECORD_BATCH:
                    await self._record_all(answered, endpoint.channel)
                    answered = []
                if result.outcome == "gone":
                    await self.channels.disable(subscription, "gone")
                    await self._give_up_all(subscription, "the endpoint answered 410 Gone")
                    return False
                if result.outcome != "delivered":
                    return False  # later ones wait for this one's retry: in order
            return True
        finally:
            if answered:
                await self._record_all(answered, endpoint.channel)

    async def _post(self, endpoint: Endpoint, row: dict[str, Any]) -> Result:
        now = self.clock()
        started = time.perf_counter()
        try:
            answer = await self.channels.post(
                endpoint.address,
                endpoint.secret or "",
                row["event_id"],
                redacted_body(
                    row["event"], row["event_type"], json.loads(row["event_types"] or '["*"]')
                ),
                int(now.timestamp()),
            )
        except Exception as exc:  # a bug or a broken client: retried like a failed receiver
            return Result("retry", None, f"{type(exc).__name__}", time.perf_counter() - started)
        return Result(answer.outcome, answer.status, answer.error, time.perf_counter() - started)

    async def _mail(
        self, subscription: str, endpoint: Endpoint, rows: list[dict[str, Any]]
    ) -> bool:
        """One digest of the due mails; False when the first must still wait.

        The first's window gathers the events that came within it: when it is due, they go
        with it, though each waited for a window of its own (a mail a minute, not one per
        event spread over the minute)."""
        now = self.clock()
        if rows[0]["next_attempt_at"] > now:
            return False
        gathered = rows[0]["created_at"] + DIGEST_WINDOW
        due = [
            row for row in rows if row["next_attempt_at"] <= now or row["created_at"] <= gathered
        ]
        language = rows[0]["language"] or DEFAULT_LANGUAGE
        items = []
        for row in due:
            event = CloudEvent.from_bytes(row["event"].encode())
            items.append((row["event_id"], render(event, language), event))
        if self.channels.mail is None:
            result = Result("retry", None, "no SMTP server is configured (MARKETPLACE_SMTP_URL)")
        else:
            try:
                message = self.channels.digest(
                    rows[0]["unit_id"], endpoint.address, items, language
                )
                await self.channels.mail(message)
                result = Result("delivered", None, None)
            except Exception as exc:  # MailNotSent says whether another try can help
                refused = bool(getattr(exc, "permanent", False))
                result = Result("failed" if refused else "retry", None, str(exc)[:300])
        await self._record_all([(row, result) for row in due], "email")  # one mail, one transaction
        return result.outcome == "delivered"

    async def _record_all(
        self, answered: list[tuple[dict[str, Any], Result]], channel: str
    ) -> None:
        """Each attempt and the state it leaves its delivery in, in one transaction."""
        now = self.clock()
        attempts, states = [], []
        for row, result in answered:
            count = row["attempts"] + 1
            first = row["first_attempt_at"] or now
            status, next_at = self._after(result, count, first, now)
            attempts.append(
                [row["delivery_id"], count, now, result.status, result.error, result.outcome]
            )
            states.append(
                [
                    row["delivery_id"],
                    status,
                    count,
                    next_at,
                    first,
                    now,
                    result.status,
                    result.error,
                ]
            )
            if status == "dead":
                log.warning(
                    "notify_delivery_dead", delivery_id=row["delivery_id"], error=result.error
                )
        async with self.store.transaction() as tx:
            for values in attempts:
                await tx.execute(_RECORD_ATTEMPT, values)
            for values in states:
                await tx.execute(_ATTEMPTED, values)
        if self.observe is not None:
            for (_, result), state in zip(answered, states, strict=True):
                self.observe(channel, result.outcome, state[1], result.seconds)

    def _after(
        self, result: Result, attempts: int, first: datetime, now: datetime
    ) -> tuple[str, datetime]:
        """The delivery's status after this attempt, and when to try next if pending."""
        if result.outcome == "delivered":
            return "delivered", now
        if result.outcome in ("gone", "failed"):  # failed: refused for good (a 5xx mail)
            return "dead", now
        delay = next_delay(attempts, self.jitter())
        if delay is None or now + delay - first > timedelta(hours=24):
            return "dead", now
        return "pending", now + delay

    async def _give_up_all(self, subscription: str, reason: str) -> None:
        async with self.store.transaction() as tx:
            await tx.execute(_GIVE_UP_ALL, [subscription, reason])
