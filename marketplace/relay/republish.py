"""Re-publishing stored history to Kafka: the same messages, ids and keys as the first time.

For a topic made after the fact, or a BI system whose copy was lost. It never touches the
relay's position: it keeps its own checkpoint per range (and topic) beside it, so an interrupted
run, started again with the same arguments, goes on where it stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from marketplace.adapters.kafka_topics import TopicSettings
from marketplace.events.public.registry import TOPICS
from marketplace.handlers.ports import NotificationLog
from marketplace.relay.position import PositionStore
from marketplace.relay.publisher import KafkaPublisher, Outgoing
from marketplace.relay.relay import outgoing_of


@dataclass(frozen=True)
class RepublishJob:
    """Positions `first` to `last` (both included) of the event store, to `topic` only (the
    public name, without the prefix) or to every topic."""

    first: int
    last: int
    topic: str | None
    prefix: str
    batch_size: int = 2000
    rate: float | None = None  # messages a second at most; None: as fast as the broker acks

    @property
    def checkpoint(self) -> str:
        """The name of this range's progress in the relay's positions table (not "kafka")."""
        return f"republish:{self.topic or '*'}:{self.first}-{self.last}"

    def wanted(self, message: Outgoing) -> bool:
        return self.topic is None or message.topic == self.prefix + self.topic


@dataclass
class Progress:
    """Where a run stands: the last position re-sent and the messages sent by this run."""

    reached: int
    sent: int = 0


class Pacer:
    """Holds a run under `rate` messages a second (a token bucket a second deep)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._clock = clock
        self._start = clock()
        self._sent = 0

    def chunk(self) -> int | None:
        """At most this many messages per publish (a second's worth), or None: any number."""
        return None if self._rate is None else max(1, int(self._rate))

    def delay_after(self, sent: int) -> float:
        """Seconds to wait after sending `sent` more messages to stay within the rate."""
        self._sent += sent
        if self._rate is None:
            return 0.0
        return max(0.0, self._sent / self._rate - (self._clock() - self._start))


async def republish(
    log: NotificationLog,
    publisher: KafkaPublisher,
    checkpoints: PositionStore,
    job: RepublishJob,
    topics: TopicSettings,
    stop: asyncio.Event | None = None,
    advanced: Callable[[Progress], None] | None = None,
) -> Progress:
    """Re-send the range's public messages, batch by batch, saving the checkpoint after each
    acknowledged batch; returns where it stopped (`reached == job.last` when done)."""
    saved = await asyncio.to_thread(checkpoints.load)
    progress = Progress(max(job.first - 1, saved))
    await publisher.ensure_topics(
        [job.prefix + t for t in TOPICS if job.topic in (None, t)], topics
    )
    pacer = Pacer(job.rate)
    while progress.reached < job.last and not (stop and stop.is_set()):
        limit = min(job.batch_size, job.last - progress.reached)
        read = await asyncio.to_thread(log.read, progress.reached, limit)
        if not read:
            break  # the store ends before `last`
        # Positions may have gaps (PostgreSQL sequences): never past `last`.
        notifications = [n for n in read if int(n.id) <= job.last]
        if not notifications:
            progress.reached = job.last
            await asyncio.to_thread(checkpoints.save, progress.reached)
            break
        messages = [m for m in outgoing_of(notifications, log, job.prefix) if job.wanted(m)]
        size = pacer.chunk() or len(messages) or 1
        for start in range(0, len(messages), size):
            part = messages[start : start + size]
            await publisher.publish(part)
            progress.sent += len(part)
            await asyncio.sleep(pacer.delay_after(len(part)))
        progress.reached = int(notifications[-1].id)
        await asyncio.to_thread(checkpoints.save, progress.reached)
        if advanced is not None:
            advanced(progress)
    return progress
