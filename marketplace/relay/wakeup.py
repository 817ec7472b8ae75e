"""Wake the relay as soon as events are committed, instead of at its next poll."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib

from marketplace.adapters.postgres import DatabaseTimeouts, libpq_options
from marketplace.log import get_logger

log = get_logger(__name__)


class Wakeup:
    """An edge the relay waits on between polls; polling stays the fallback.

    `notify_threadsafe` may be called from any thread (the API's handlers run in a thread
    pool); a missed or lost wake-up only costs one poll interval, never an event.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def notify(self) -> None:
        self._event.set()

    def notify_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._event.set)

    async def wait(self, stop: asyncio.Event, seconds: float) -> None:
        """Return on a wake-up, on `stop`, or after `seconds`, whichever is first."""
        waiters = [asyncio.ensure_future(self._event.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._event.clear()


def channel_of(schema: str) -> str:
    """The NOTIFY channel of one event store (one schema); at most 63 bytes, as PostgreSQL needs."""
    digest = hashlib.sha256(schema.encode()).hexdigest()[:16]
    return f"marketplace_events_{digest}"


def install_commit_trigger(
    url: str, schema: str, table: str, timeouts: DatabaseTimeouts = DatabaseTimeouts()
) -> str:
    """Make every insert into the events table NOTIFY the store's channel at commit.

    A statement-level trigger: one notification per saving transaction, and PostgreSQL folds
    identical notifications of one transaction into one. Idempotent; returns the channel.
    """
    import psycopg
    from psycopg import sql

    channel = channel_of(schema)
    function = sql.Identifier(schema, "marketplace_notify_events")
    with psycopg.connect(url, **libpq_options(timeouts)) as conn, conn.transaction():
        # Two relays starting at once would otherwise replace the same function together
        # ("tuple concurrently updated").
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"trigger:{channel}",))
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN PERFORM pg_notify({}, ''); RETURN NULL; END $$"
            ).format(function, sql.Literal(channel))
        )
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER marketplace_notify_events AFTER INSERT ON {} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {}()"
            ).format(sql.Identifier(schema, table), function)
        )
    return channel


async def listen_for_commits(
    url: str,
    channel: str,
    wakeup: Wakeup,
    stop: asyncio.Event,
    *,
    max_backoff: float = 2.0,
    timeouts: DatabaseTimeouts = DatabaseTimeouts(),
) -> None:
    """LISTEN on the store's channel and wake the relay on each notification, until `stop`.

    A lost connection (a database restart) is logged and reconnected with a short backoff;
    meanwhile the relay polls.
    """
    import psycopg
    from psycopg import sql

    backoff = 0.5
    while not stop.is_set():
        try:
            # No statement timeout: this connection waits for notifications, it runs nothing long.
            options = libpq_options(DatabaseTimeouts(timeouts.connect, None))
            conn = await psycopg.AsyncConnection.connect(url, autocommit=True, **options)
            async with conn:
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                backoff = 0.5
                wakeup.notify()  # anything committed before LISTEN took effect
                while not stop.is_set():
                    # A bounded wait, so `stop` is seen without cancelling a pending read.
                    async for _ in conn.notifies(timeout=1.0):
                        wakeup.notify()
        except (psycopg.Error, OSError) as exc:
            log.warning("commit_listener_lost", error=repr(exc), retry_in=backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff)
            backoff = min(backoff * 2, max_backoff)
