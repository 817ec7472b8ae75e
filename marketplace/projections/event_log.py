"""The event store's notification log as public events, read off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import BY_DOMAIN_NAME
from marketplace.events.wire import plain_cloud_event, to_cloud_event, topic_of
from marketplace.handlers.ports import NotificationLog, StoredRecord
from marketplace.projections.tracking import TopicEvent


class UnreadableEvent(Exception):
    """The stored event at `position` cannot be decoded into a public event."""

    def __init__(self, position: int, cause: BaseException) -> None:
        self.position = position
        super().__init__(f"event {position} cannot be decoded: {type(cause).__name__}: {cause}")


@dataclass(frozen=True)
class LogPage:
    """Public events of one read (internal ones left out) and the last position read."""

    events: list[TopicEvent]
    last: int
    count: int


class EventLog:
    """Reads the store's global notification log as public events.

    With `until`, events that happened later are left out (an audit replay as of a moment);
    positions still advance over them.
    """

    def __init__(
        self,
        notifications: NotificationLog,
        until: datetime | None = None,
        types: Collection[str] | None = None,
    ) -> None:
        self.notifications = notifications
        self._until = until
        # The stored events (by their class topic, `module:Class.Event`) whose current public
        # type is wanted: the store reads only those, the others are neither fetched nor decoded.
        self._types = (
            None
            if types is None
            else tuple(
                sorted(
                    f"{kind.domain.__module__}:{kind.domain.__qualname__}"
                    for kind in BY_DOMAIN_NAME.values()
                    if kind.name in types
                )
            )
        )

    def only(self, types: Collection[str]) -> EventLog:
        """This log with the events of other public types left out (positions still advance)."""
        return EventLog(self.notifications, self._until, types)

    async def head(self) -> int:
        return await asyncio.to_thread(self.notifications.head)

    async def read(self, after: int, limit: int) -> LogPage | None:
        """Up to `limit` notifications after position `after`; None when there are none."""
        return await asyncio.to_thread(self._read, after, limit)

    def _read(self, after: int, limit: int) -> LogPage | None:
        if self._types is None:
            notifications = self.notifications.read(after, limit)
            if not notifications:
                return None
            return LogPage(self._decoded(notifications), notifications[-1].id, len(notifications))
        # The head first: whatever the filtered read skips up to it was not wanted.
        head = self.notifications.head()
        wanted = self.notifications.read(after, limit, self._types) if self._types else []
        last = wanted[-1].id if wanted else after
        if len(wanted) < limit:
            last = max(last, head)
        if last <= after:
            return None
        return LogPage(self._decoded(wanted), last, len(wanted))

    def _decoded(self, notifications: Sequence[StoredRecord]) -> list[TopicEvent]:
        events: list[TopicEvent] = []
        for notification in notifications:
            event = self._plain(notification)
            if event is False:
                try:
                    event = to_cloud_event(self.notifications.decode(notification), notification.id)
                except Exception as exc:  # an event this code cannot read: no retry helps
                    raise UnreadableEvent(notification.id, exc) from exc
            if event is not None and (self._until is None or event.time <= self._until):
                events.append((topic_of(event), event))
        return events

    def _plain(self, record: StoredRecord) -> CloudEvent | Literal[False] | None:
        """The event read from its stored JSON; False when only decoding it can tell (an
        upcast, or anything unusual: decoding then says what is wrong, if anything)."""
        try:
            return plain_cloud_event(
                record.topic,
                str(record.originator_id),
                record.originator_version,
                self.notifications.plain_state(record),
                record.id,
            )
        except Exception:
            return False
