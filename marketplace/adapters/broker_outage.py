"""A broker outage in the log: its first error, a summary each minute, its end (not aiokafka's
stream of connection errors, which is thousands of lines a minute)."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from marketplace.log import get_logger

log = get_logger(__name__)
SUMMARY_EVERY = 60.0  # seconds between "still unreachable" lines
# aiokafka's words for "the broker cannot be reached" (not, say, a coordinator still being
# elected, which a group's start meets as a matter of course).
_UNREACHABLE = re.compile(
    r"Unable connect|Connect call failed|Connection at \S+ closed|NodeNotReady|"
    r"Unable to bootstrap|Unable to update metadata"
)


class BrokerOutageLog(logging.Filter):
    """Installed on aiokafka's loggers: the first connection error of an outage passes (with
    `broker_unreachable`); aiokafka's later lines are counted and summed up every
    `summary_every` seconds (`broker_still_unreachable`) until `recovered()` logs the end
    (`broker_reachable_again`). Workers read `down` to back off while it lasts."""

    def __init__(
        self,
        summary_every: float = SUMMARY_EVERY,
        clock: Callable[[], float] = time.monotonic,
        say: Callable[..., None] | None = None,
    ) -> None:
        super().__init__()
        self.summary_every = summary_every
        self._clock = clock
        self._say = say or _say
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self.suppressed = 0  # aiokafka's lines held back in this outage
        self.errors = 0  # connection errors aiokafka logged, ever: "did one occur since?"
        self._summed_up_at = 0.0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def filter(self, record: logging.LogRecord) -> bool:
        unreachable = (
            record.levelno >= logging.WARNING
            and _UNREACHABLE.search(record.getMessage()) is not None
        )
        self.errors += unreachable
        if self.down_since is None:
            if unreachable:
                self.failed(record.getMessage())
            return True  # the first error itself, as aiokafka wrote it
        with self._lock:  # an outage: retries (and their info lines) are counted, not shown
            now = self._clock()
            if self.down_since is None:  # ended meanwhile
                return True
            self.suppressed += 1
            if now - self._summed_up_at < self.summary_every:
                return False
            self._summed_up_at = now
            down_for, held_back = now - self.down_since, self.suppressed
        self._say(
            "warning",
            "broker_still_unreachable",
            down_for=round(down_for, 1),
            lines_held_back=held_back,
        )
        return False

    def failed(self, error: str) -> None:
        """The broker cannot be reached: an outage starts (logged once) unless one is on."""
        with self._lock:
            if self.down_since is not None:
                return
            self.down_since = self._summed_up_at = self._clock()
            self.suppressed = 0
        self._say("warning", "broker_unreachable", error=error, later="summed up each minute")

    def recovered(self) -> None:
        """The broker answered again: log the outage's end (once)."""
        with self._lock:
            if self.down_since is None:
                return
            down_for, held_back = self._clock() - self.down_since, self.suppressed
            self.down_since = None
        self._say(
            "info", "broker_reachable_again", down_for=round(down_for, 1), lines_held_back=held_back
        )

    def install(self) -> None:
        """Watch every aiokafka logger (a logger's filter sees only its own records)."""
        import aiokafka.admin
        import aiokafka.consumer
        import aiokafka.producer  # noqa: F401

        names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "aiokafka"]
        for name in names:
            logger = logging.getLogger(name)
            if self not in logger.filters:
                logger.addFilter(self)


async def stop_client(client: Any) -> None:
    """Stop an aiokafka client. Its own tasks, cancelled while retrying against a lost broker,
    may let their cancellation out: only a cancellation of the caller's task goes on."""
    try:
        await client.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception as exc:  # stopping a client of a lost broker: nothing left to do
        log.debug("broker_client_stop_failed", error=repr(exc))


def _say(level: str, event: str, **facts: object) -> None:
    getattr(log, level)(event, **facts)


BROKER_OUTAGE = BrokerOutageLog()  # one per process: every client there talks to one cluster
