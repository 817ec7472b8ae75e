"""Translate stored domain events into public CloudEvents (or nothing, for internal ones)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from marketplace.events.contract import EVENT_TYPES, EventType
from marketplace.events.envelope import SCHEMA_URN, CloudEvent, event_id

# Domain event class (qualified name) → public type. The payload takes the domain event's
# attributes of the same names; a domain event absent here is internal.
PUBLIC_TYPE_OF: dict[str, str] = {
    "Organisation.UnitRegistered": "marketplace.unit.registered.v1",
    "Organisation.UnitRenamed": "marketplace.unit.renamed.v1",
    "Organisation.UnitMoved": "marketplace.unit.moved.v1",
    "Organisation.UnitSectorChanged": "marketplace.unit.sector_changed.v1",
    "Organisation.UnitDeactivated": "marketplace.unit.deactivated.v1",
    "Organisation.UnitReactivated": "marketplace.unit.reactivated.v1",
    "CatalogVersion.Opened": "marketplace.catalog_version.opened.v1",
    "CatalogVersion.EntriesSubmitted": "marketplace.catalog_version.entries_submitted.v1",
    "CatalogVersion.EntryApproved": "marketplace.catalog_version.entry_approved.v1",
    "CatalogVersion.EntryRejected": "marketplace.catalog_version.entry_rejected.v1",
    "CatalogVersion.Published": "marketplace.catalog_version.published.v1",
    "CatalogVersion.Superseded": "marketplace.catalog_version.superseded.v1",
}
_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(EVENT_TYPES[name].payload.model_fields) for name in PUBLIC_TYPE_OF.values()
}


def public_type(domain_event: object) -> EventType | None:
    name = PUBLIC_TYPE_OF.get(type(domain_event).__qualname__)
    return EVENT_TYPES[name] if name else None


def _plain(value: Any) -> Any:
    """A JSON value: dataclasses as objects, dates and times as RFC 3339, decimals as text."""
    if isinstance(value, datetime):
        return _rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def envelope_of(
    event_class: str, aggregate_id: str, version: int, attrs: Mapping[str, Any], sequence: int
) -> dict[str, Any] | None:
    """The CloudEvent of a stored event as a plain dict, or None for an internal event.

    `event_class` is the domain event's qualified name and `attrs` its attributes. Payloads
    are not re-validated here (domain events are valid already; the schema tests check this
    output against the published schemas), which keeps the relay's hot path cheap.
    """
    name = PUBLIC_TYPE_OF.get(event_class)
    if name is None:
        return None
    return {
        "specversion": "1.0",
        "id": event_id(aggregate_id, version),
        "source": "marketplace",
        "type": name,
        "subject": aggregate_id,
        "time": _rfc3339(attrs["timestamp"]),
        "datacontenttype": "application/json",
        "dataschema": SCHEMA_URN + name,
        "sequence": sequence,
        "aggregateversion": version,
        "data": {field: _plain(attrs[field]) for field in _FIELDS[name]},
    }


def to_envelope(domain_event: Any, sequence: int) -> dict[str, Any] | None:
    return envelope_of(
        type(domain_event).__qualname__,
        domain_event.originator_id,
        domain_event.originator_version,
        vars(domain_event),
        sequence,
    )


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def to_cloud_event(domain_event: Any, sequence: int) -> CloudEvent | None:
    """The public form of a stored domain event at global position `sequence`, validated."""
    envelope = to_envelope(domain_event, sequence)
    if envelope is None:
        return None
    kind = EVENT_TYPES[envelope["type"]]
    envelope["data"] = kind.payload.model_validate(envelope["data"]).model_dump(mode="json")
    return CloudEvent.model_validate(envelope)


def topic_of(event: CloudEvent) -> str:
    return EVENT_TYPES[event.type].topic
