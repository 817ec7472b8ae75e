"""An aggregate's history for auditors: its events with who, when and their chain links, and
its state as it was at any version or moment."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from marketplace.audit.chain import Ledger
from marketplace.events.wire import to_cloud_event
from marketplace.handlers.errors import NotFound
from marketplace.handlers.ports import NotificationLog

# Never shown, not even to auditors: a token's secret hash and a bid's sealed amount (its
# commitment is shown; the amount is revealed by the tender's opening, not by audit).
SECRET_FIELDS = frozenset({"secret_hash", "sealed"})
_EVENT_BOOKKEEPING = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "actor"}
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
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in fields(value)
            if f.name not in SECRET_FIELDS
        }
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _stored(store: NotificationLog, aggregate_id: str) -> list[Any]:
    events = store.events_of(aggregate_id)
    if not events:
        raise NotFound(f"Nothing was ever recorded under {aggregate_id!r}.", {"id": aggregate_id})
    return list(events)


def events_of(store: NotificationLog, ledger: Ledger, aggregate_id: str) -> list[AuditEvent]:
    """Every event of the aggregate in order, with its actor, time and chain link.

    Public events show their published payload; internal ones their attributes, less secrets.
    """
    events = _stored(store, aggregate_id)
    ledger.extend(store)
    links = ledger.links_of(aggregate_id)
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
        out.append(
            AuditEvent(
                type=public.type if public is not None else type(event).__qualname__,
                public=public is not None,
                version=event.originator_version,
                position=link.position if link else None,
                occurred_at=event.timestamp,
                actor={"unit_id": event.actor.unit_id, "token_id": event.actor.token_id},
                data=data,
                hash=link.hash if link else None,
                prev_hash=link.prev_hash if link else None,
            )
        )
    return out


def version_at(store: NotificationLog, aggregate_id: str, moment: datetime) -> int:
    """The aggregate's version at `moment` (its last event at or before it)."""
    versions = [
        int(e.originator_version) for e in _stored(store, aggregate_id) if e.timestamp <= moment
    ]
    if not versions:
        raise NotFound(
            f"{aggregate_id!r} did not exist yet at {moment.isoformat()}.",
            {"id": aggregate_id, "as_of": moment.isoformat()},
        )
    return max(versions)


def state_at(store: NotificationLog, aggregate_id: str, version: int | None) -> dict[str, Any]:
    """The aggregate as it was at `version` (default: now), as plain data, less secrets."""
    latest = max(e.originator_version for e in _stored(store, aggregate_id))
    if version is not None and not 1 <= version <= latest:
        raise NotFound(
            f"{aggregate_id!r} has versions 1 to {latest}.",
            {"id": aggregate_id, "version": version},
        )
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
