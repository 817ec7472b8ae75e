"""An aggregate's history for auditors: its events with who, when and their chain links, and
its state as it was at any version or moment.

Every read takes only the part of the stream it needs, so it costs the same on a stream of
ten events or of a million: a page of events by version range, the latest version from the
last event, a moment by bisecting the versions, and a past state from the store's nearest
snapshot at or below the version plus the events after it (a snapshot is only a shortcut: the
state equals a replay from version 1).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

from marketplace.aggregates.base import MarketAggregate, MarketEvent
from marketplace.audit.chain import Ledger
from marketplace.events.wire import to_cloud_event
from marketplace.handlers.errors import NotFound
from marketplace.handlers.ports import NotificationLog
from marketplace.projections.pages import Order, PageRequest
from marketplace.projections.tables import Column, ColumnType, Table

# Never shown, not even to auditors: a token's secret hash and a bid's sealed amount (its
# commitment is shown; the amount is revealed by the tender's opening, not by audit).
SECRET_FIELDS = frozenset({"secret_hash", "sealed"})
_EVENT_BOOKKEEPING = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "actor"}
)


class AggregateLog(NotificationLog, Protocol):
    """The store as audit reads it: the log, and one aggregate's events by version range."""

    def events_of(
        self,
        aggregate_id: str,
        *,
        after: int | None = None,
        upto: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[MarketEvent]:
        """The aggregate's events with versions in (`after`, `upto`], in version order (or the
        reverse), at most `limit`; empty when there are none."""
        ...

    def state_at(self, aggregate_id: str, version: int | None) -> MarketAggregate:
        """The aggregate as it was after `version`, from the nearest snapshot at or below it."""
        ...

    def view(self, aggregate_id: str, kind: type[MarketAggregate]) -> MarketAggregate | None:
        """The aggregate now, shared and up to date, for reading only; None if unknown."""
        ...


# A page of events follows the versions; its cursor names the last version seen.
_BY_VERSION = Order(
    Table("audit_events", (Column("version", ColumnType.INTEGER),), ("version",)), ("version",)
)


@dataclass(frozen=True)
class AuditEvent:
    type: str
    public: bool
    version: int
    position: int | None
    occurred_at: datetime
    actor: dict[str, str | None]
    data: dict[str, Any]
    hash: str | None
    prev_hash: str | None


def plain(value: Any) -> Any:
    """JSON-ready form of domain values: decimals and dates as strings, sets sorted."""
    kind: Any = type(value)
    if kind in _AS_IS:  # most of a large state: answered before any other test
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    names = _shown_fields(kind)
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    return value


_AS_IS = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _shown_fields(kind: Any) -> tuple[str, ...] | None:
    """A dataclass's fields less secrets (None: not a dataclass), worked out once per class."""
    if not is_dataclass(kind):
        return None
    return tuple(f.name for f in fields(kind) if f.name not in SECRET_FIELDS)


def latest_version(store: AggregateLog, aggregate_id: str) -> int:
    """The version of the aggregate's last event (read alone), or NotFound."""
    return int(_last_event(store, aggregate_id).originator_version)


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEvent]
    next_cursor: str | None


def events_page(
    store: AggregateLog, ledger: Ledger, aggregate_id: str, page: PageRequest
) -> AuditPage:
    """A page of the aggregate's events in version order, with actor, time and chain link:
    at most `page.limit` after the version the cursor names (an invalid one: InvalidCursor).

    Public events show their published payload; internal ones their attributes, less secrets.
    """
    after = 0
    if page.cursor is not None:
        [seen] = _BY_VERSION.decode(page.cursor)
        after = max(0, seen) if isinstance(seen, int) else 0
    found = list(store.events_of(aggregate_id, after=after or None, limit=page.limit + 1))
    if not found:
        latest_version(store, aggregate_id)  # NotFound, unless a cursor went past the end
        return AuditPage([], None)
    on_page = found[: page.limit]
    more = len(found) > page.limit
    last = int(on_page[-1].originator_version)
    return AuditPage(
        _audited(store, ledger, aggregate_id, on_page),
        _BY_VERSION.encode({"version": last}) if more else None,
    )


def events_of(store: AggregateLog, ledger: Ledger, aggregate_id: str) -> list[AuditEvent]:
    """Every event of the aggregate in order (the whole stream: for short ones and tests)."""
    found = list(store.events_of(aggregate_id))
    if not found:
        raise _nothing_recorded(aggregate_id)
    return _audited(store, ledger, aggregate_id, found)


def _audited(
    store: AggregateLog, ledger: Ledger, aggregate_id: str, events: Sequence[MarketEvent]
) -> list[AuditEvent]:
    """`events` (consecutive, of one aggregate) with their chain links."""
    ledger.extend(store)
    links = ledger.links_of(
        aggregate_id,
        after=int(events[0].originator_version) - 1,
        upto=int(events[-1].originator_version),
    )
    out = []
    for event in events:
        link = links.get(event.originator_version)
        public = to_cloud_event(event, link.position) if link else None
        data = (
            dict(public.data)
            if public is not None
            else {
                k: plain(v)
                for k, v in vars(event).items()
                if k not in _EVENT_BOOKKEEPING and k not in SECRET_FIELDS
            }
        )
        data.pop("actor", None)
        actor = vars(event)["actor"]  # every stored event has one (its class declares it)
        out.append(
            AuditEvent(
                type=public.type if public is not None else type(event).__qualname__,
                public=public is not None,
                version=event.originator_version,
                position=link.position if link else None,
                occurred_at=event.timestamp,
                actor={"unit_id": actor.unit_id, "token_id": actor.token_id},
                data=data,
                hash=link.hash if link else None,
                prev_hash=link.prev_hash if link else None,
            )
        )
    return out


def version_at(store: AggregateLog, aggregate_id: str, moment: datetime) -> int:
    """The aggregate's version at `moment`: its last event at or before it."""
    return _version_at(store, aggregate_id, moment, _last_event(store, aggregate_id))


# A range of versions this short is read in one go rather than bisected further.
_SCAN = 64


def _version_at(store: AggregateLog, aggregate_id: str, moment: datetime, last: MarketEvent) -> int:
    """Bisects the versions below the `last` event, reading one event per step, then reads the
    few left at once; the stream's times are taken as nondecreasing (a command's time is read
    as it runs, and a stream's writers take turns)."""
    if last.timestamp <= moment:
        return int(last.originator_version)
    first = _event_from(store, aggregate_id, 1)
    if first.timestamp > moment:
        raise NotFound(
            f"{aggregate_id!r} did not exist yet at {moment.isoformat()}.",
            {"id": aggregate_id, "as_of": moment.isoformat()},
        )
    low, high = int(first.originator_version), int(last.originator_version) - 1
    while high - low > _SCAN:  # the answer lies in [low, high]
        middle = (low + high + 1) // 2
        if _event_from(store, aggregate_id, middle).timestamp <= moment:
            low = middle
        else:
            high = middle - 1
    for event in store.events_of(aggregate_id, after=low, upto=high):
        if event.timestamp <= moment:
            low = int(event.originator_version)
    return low


def _nothing_recorded(aggregate_id: str) -> NotFound:
    return NotFound(f"Nothing was ever recorded under {aggregate_id!r}.", {"id": aggregate_id})


def _last_event(store: AggregateLog, aggregate_id: str) -> MarketEvent:
    """The aggregate's last event (read alone), or NotFound."""
    last = store.events_of(aggregate_id, desc=True, limit=1)
    if not last:
        raise _nothing_recorded(aggregate_id)
    return last[0]


def _event_from(store: AggregateLog, aggregate_id: str, version: int) -> MarketEvent:
    """The aggregate's first event at or after `version` (there is one up to the latest)."""
    [event] = store.events_of(aggregate_id, after=version - 1, limit=1)
    return event


def state_at(
    store: AggregateLog,
    aggregate_id: str,
    version: int | None,
    *,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """The aggregate as it was at `version`, or at the moment `as_of`, or now (neither), as
    plain data, less secrets."""
    if version is None and as_of is None:
        # Now: the store's shared up-to-date instance (the chart's is always there), read only.
        aggregate = store.view(aggregate_id, MarketAggregate)
        if aggregate is None:
            raise _nothing_recorded(aggregate_id)
    else:
        last = _last_event(store, aggregate_id)
        latest = int(last.originator_version)
        if as_of is not None:
            version = _version_at(store, aggregate_id, as_of, last)
        elif version is None or not 1 <= version <= latest:
            raise NotFound(
                f"{aggregate_id!r} has versions 1 to {latest}.",
                {"id": aggregate_id, "version": version},
            )
        # The nearest snapshot at or below the version, and the events after it.
        aggregate = store.state_at(aggregate_id, version)
    state = {
        k: plain(v)
        for k, v in vars(aggregate).items()
        if not k.startswith("_") and k not in SECRET_FIELDS
    }
    return {
        "id": aggregate.id,
        "type": type(aggregate).__name__,
        "version": aggregate.version,
        "created_at": plain(aggregate.created_on),
        "modified_at": plain(aggregate.modified_on),
        "state": state,
    }
