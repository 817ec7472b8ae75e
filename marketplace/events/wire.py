"""Translate stored domain events into public CloudEvents (or nothing, for internal ones)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

import orjson

from marketplace.events.envelope import SCHEMA_URN, CloudEvent, event_id
from marketplace.events.public.payload import Payload, PublicType
from marketplace.events.public.registry import (
    BY_DOMAIN_NAME,
    DEPRECATED_FORMS,
    PUBLIC_TYPES,
    stored_kind,
)

# A current type → the deprecated forms still published beside it.
_OLDER_FORMS: dict[str, tuple[PublicType, ...]] = {
    BY_DOMAIN_NAME[domain].name: forms for domain, forms in DEPRECATED_FORMS.items()
}
# The payload takes the domain event's attributes of the same names.
_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(kind.payload.model_fields) for name, kind in PUBLIC_TYPES.items()
}
# Optional fields, which an event stored before they were added to its payload lacks: it is
# published as it always was, without them, and read with their defaults (a required field
# missing stays an error).
_OPTIONAL: dict[str, frozenset[str]] = {
    name: frozenset(f for f, info in kind.payload.model_fields.items() if not info.is_required())
    for name, kind in PUBLIC_TYPES.items()
}


def _data(name: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
    optional = _OPTIONAL[name]
    return {f: attrs[f] for f in _FIELDS[name] if f in attrs or f not in optional}


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def envelope_of(
    event_class: str, aggregate_id: str, version: int, attrs: Mapping[str, Any], sequence: int
) -> dict[str, Any] | None:
    """The CloudEvent of a stored event in its current public type as a plain dict, or None
    for an internal event.

    `event_class` is the domain event's qualified name and `attrs` its attributes. Payloads
    are not re-validated here (domain events are valid already; the schema tests check this
    output against the published schemas), which keeps the relay's hot path cheap.
    """
    kind = BY_DOMAIN_NAME.get(event_class)
    if kind is None:
        return None
    return _envelope(kind, aggregate_id, version, attrs, sequence)


def envelopes_of(
    event_class: str, aggregate_id: str, version: int, attrs: Mapping[str, Any], sequence: int
) -> list[dict[str, Any]]:
    """Every public form of a stored event, as the relay publishes them: the current type
    first, then the deprecated ones still published. All share `id`: one occurrence, told
    apart by `type`, so a consumer reading both forms and deduplicating on `id` counts it
    once (our projections keep one per aggregate version, the first: the current one)."""
    current = envelope_of(event_class, aggregate_id, version, attrs, sequence)
    if current is None:
        return []
    older = DEPRECATED_FORMS.get(event_class, ())
    return [current, *(_envelope(k, aggregate_id, version, attrs, sequence) for k in older)]


def _envelope(
    kind: PublicType, aggregate_id: str, version: int, attrs: Mapping[str, Any], sequence: int
) -> dict[str, Any]:
    name = kind.name
    data = _data(name, attrs)
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
        "data": data if kind.shape is None else kind.shape(data),
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
    return None if raw is None else _validated(raw)


def to_cloud_events(domain_event: Any, sequence: int) -> list[CloudEvent]:
    """Every public form of a stored domain event, validated, as the relay publishes them."""
    raws = envelopes_of(
        type(domain_event).__qualname__,
        domain_event.originator_id,
        domain_event.originator_version,
        vars(domain_event),
        sequence,
    )
    return [_validated(raw) for raw in raws]


def _validated(raw: dict[str, Any]) -> CloudEvent:
    envelope = orjson.loads(envelope_bytes(raw))
    payload = PUBLIC_TYPES[envelope["type"]].payload.model_validate(envelope["data"])
    return CloudEvent.model_validate(envelope).carrying(payload)


class NotPlain(Exception):
    """A stored state `plain_cloud_event` leaves to the decoding path (an event stored at an
    older class version, a transcoding it does not know)."""


def plain_cloud_event(
    stored_topic: str, aggregate_id: str, version: int, state: bytes, sequence: int
) -> CloudEvent | None:
    """What `to_cloud_event` makes of the stored event, read straight from its stored JSON
    (decrypted and decompressed): a rebuild's events are never built as domain events and
    their values never as `Decimal` and `datetime` only to be written out as JSON again. None
    for an internal event; raises `NotPlain` where that decoding path is needed."""
    kind = stored_kind(stored_topic)
    if kind is None:
        return None
    if kind.shape is not None:
        raise NotPlain(kind.name)
    attrs = orjson.loads(state)
    if attrs.pop("class_version", 1) != getattr(kind.domain, "class_version", 1):
        raise NotPlain("upcast")
    raw = _envelope(kind, aggregate_id, version, _plain(attrs), sequence)
    return CloudEvent.trusted(raw, kind.payload.model_validate(raw["data"]))


def _plain(value: Any) -> Any:
    """A value of the library's JSON transcoding as the public JSON writes it (`envelope_bytes`
    of the decoded value): a decimal and a date as their text, a UTC time ending in Z."""
    if type(value) is dict:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            tag, data = value["_type_"], value["_data_"]
            if tag in ("decimal_str", "date_iso"):
                return data
            if tag == "datetime_iso":
                return f"{data[:-6]}Z" if data.endswith("+00:00") else data
            if tag == "actor":
                return {"unit_id": data["unit_id"], "token_id": data["token_id"]}
            raise NotPlain(tag)
        return {k: _plain(v) for k, v in value.items()}
    if type(value) is list:
        return [_plain(v) for v in value]
    return value


def as_subscribed(event: CloudEvent, types: Collection[str]) -> CloudEvent:
    """The event in the form a subscriber named: as it is when its type (or `*`) is named,
    else the deprecated form named, made from it as the relay makes it (a subscriber to v1
    keeps getting v1 through the deprecation window)."""
    if "*" in types or event.type in types:
        return event
    for kind in _OLDER_FORMS.get(event.type, ()):
        if kind.name in types:
            data = _data(kind.name, event.data)
            data = data if kind.shape is None else kind.shape(data)
            update = {"type": kind.name, "dataschema": SCHEMA_URN + kind.name, "data": data}
            return event.model_copy(update=update)
    return event


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
