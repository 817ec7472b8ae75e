"""Workers (relay, projection consumers) that outlive outages of the database or the broker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aiokafka.errors import KafkaError

from marketplace.adapters.outages import is_outage
from marketplace.log import get_logger

log = get_logger(__name__)
_MAX_RESTART_DELAY = 5.0


async def keep_running(name: str, run: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
    """Run a worker until `stop`, starting it again after an outage of the database or the
    broker (at its start or later); any other error is raised, for its process to stop on."""
    delay = 0.5
    while not stop.is_set():
        try:
            await run()
            return
        except Exception as exc:
            if stop.is_set():
                return
            if not _restartable(exc):
                log.error("worker_crashed", worker=name, error=repr(exc))
                raise
            log.warning("worker_restarting", worker=name, error=repr(exc), in_seconds=delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, _MAX_RESTART_DELAY)


def _restartable(exc: BaseException) -> bool:
    """An outage of the database or the broker (a task group's: all of them outages)."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_restartable(e) for e in exc.exceptions)
    return is_outage(exc) or isinstance(exc, KafkaError)
