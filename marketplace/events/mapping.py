"""Translate stored domain events into public CloudEvents (or nothing, for internal ones)."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
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
}


def public_type(domain_event: object) -> EventType | None:
    name = PUBLIC_TYPE_OF.get(type(domain_event).__qualname__)
    return EVENT_TYPES[name] if name else None


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def to_cloud_event(domain_event: Any, sequence: int) -> CloudEvent | None:
    """The public form of a stored domain event at global position `sequence`."""
    kind = public_type(domain_event)
    if kind is None:
        return None
    fields = {name: _plain(getattr(domain_event, name)) for name in kind.payload.model_fields}
    payload = kind.payload.model_validate(fields)
    return CloudEvent(
        id=event_id(domain_event.originator_id, domain_event.originator_version),
        type=kind.name,
        subject=domain_event.originator_id,
        time=domain_event.timestamp,
        dataschema=SCHEMA_URN + kind.name,
        sequence=sequence,
        aggregateversion=domain_event.originator_version,
        data=payload.model_dump(mode="json"),
    )


def topic_of(event: CloudEvent) -> str:
    return EVENT_TYPES[event.type].topic
