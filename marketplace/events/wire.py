"""Translate stored domain events into public CloudEvents (or nothing, for internal ones)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from marketplace.events.envelope import SCHEMA_URN, CloudEvent, event_id
from marketplace.events.public.payload import Payload
from marketplace.events.public.registry import BY_DOMAIN_NAME, PUBLIC_TYPES

# The payload takes the domain event's attributes of the same names.
_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(kind.payload.model_fields) for name, kind in PUBLIC_TYPES.items()
}


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def envelope_of(
    event_class: str, aggregate_id: str, version: int, attrs: Mapping[str, Any], sequence: int
) -> dict[str, Any] | None:
    """The CloudEvent of a stored event as a plain dict, or None for an internal event.

    `event_class` is the domain event's qualified name and `attrs` its attributes. Payloads
    are not re-validated here (domain events are valid already; the schema tests check this
    output against the published schemas), which keeps the relay's hot path cheap.
    """
    kind = BY_DOMAIN_NAME.get(event_class)
    if kind is None:
        return None
    name = kind.name
    return {
        "specversion": "1.0",
        "id": event_id(aggregate_id, version),
        "source": "marketplace",
        "type": name,
        "subject": aggregate_id,
        "time": attrs["timestamp"],
        "datacontenttype": "application/json",
        "dataschema": SCHEMA_URN + name,
        "sequence": sequence,
        "aggregateversion": version,
        "data": {field: attrs[field] for field in _FIELDS[name]},
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
    """The wire form. orjson writes dates, UTC times (with Z) and dataclasses natively."""
    return orjson.dumps(envelope, default=_json_default, option=orjson.OPT_UTC_Z)


def to_cloud_event(domain_event: Any, sequence: int) -> CloudEvent | None:
    """The public form of a stored domain event at global position `sequence`, validated, and
    carrying its payload model (so no reducer validates it again).

    It goes through the wire form, so `data` is exactly what a Kafka consumer reads (the relay
    publishes `envelope_bytes` of the same envelope)."""
    raw = to_envelope(domain_event, sequence)
    if raw is None:
        return None
    envelope = orjson.loads(envelope_bytes(raw))
    payload = PUBLIC_TYPES[envelope["type"]].payload.model_validate(envelope["data"])
    return CloudEvent.model_validate(envelope).carrying(payload)


def payload_of(event: CloudEvent) -> Payload:
    """The event's payload model: the one it carries (see to_cloud_event), else validated from
    `data`. Raises KeyError for a type that is not public.

    A validated payload is not kept on the event: outside the in-process fan-out each event
    object feeds one projection, and keeping thousands of them alive costs the garbage
    collector more than validating a payload does."""
    carried = event.validated_payload
    if isinstance(carried, Payload):
        return carried
    return PUBLIC_TYPES[event.type].payload.model_validate(event.data)


def topic_of(event: CloudEvent) -> str:
    return PUBLIC_TYPES[event.type].topic
