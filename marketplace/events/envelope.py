"""The CloudEvents 1.0 JSON envelope every public event travels in."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

SOURCE = "marketplace"
SCHEMA_URN = "urn:marketplace:schema:"
# The CloudEvents Kafka binding's structured mode: the whole envelope is the message value, and
# this `content-type` header tells a spec-following consumer so.
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
# Ids are derived from (aggregate id, version): a redelivered event keeps its id.
_ID_NAMESPACE = uuid.UUID("6f1c1c8e-4f0b-4a43-9d53-2f5b8f3c9a10")


_NAMESPACE_BYTES = _ID_NAMESPACE.bytes


def event_id(aggregate_id: str, aggregate_version: int) -> str:
    """`str(uuid.uuid5(namespace, "<aggregate id>/<version>"))`, written out: every event
    decoded from the store gets one, and `uuid.UUID` objects cost twice the hash itself."""
    name = f"{aggregate_id}/{aggregate_version}".encode()
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


class CloudEvent(BaseModel):
    """A public event: CloudEvents 1.0 attributes plus `sequence` and `aggregateversion`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="Unique; stable across redelivery. Consumers deduplicate on it.")
    source: Literal["marketplace"] = "marketplace"
    type: str = Field(examples=["marketplace.unit.registered.v1"])
    subject: str = Field(description="The aggregate id (also the Kafka key).")
    time: datetime = Field(description="When it happened (RFC 3339, UTC).")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str = Field(examples=["urn:marketplace:schema:marketplace.unit.registered.v1"])
    sequence: int = Field(description="Global position in the event store; gaps are possible.")
    aggregateversion: int = Field(description="Version of the aggregate after this event.")
    data: dict[str, Any]
    # `data` as its validated payload model, when it was decoded from the event store (see
    # wire.to_cloud_event): every projection fed the same event object reads it from here.
    _payload: BaseModel | None = PrivateAttr(default=None)

    # Through `__pydantic_private__` itself: pydantic's own access to private attributes costs
    # more than validating a small payload again.
    def carrying(self, payload: BaseModel) -> CloudEvent:
        """This event, remembering `payload` as its validated `data`; returns itself."""
        self.__pydantic_private__["_payload"] = payload  # type: ignore[index]
        return self

    @classmethod
    def trusted(cls, fields: dict[str, Any], payload: BaseModel) -> CloudEvent:
        """The event of `fields` as `model_validate` would make it from their JSON form, without
        validating: for envelopes this code has just built from a stored event (every field
        present and of its type, `time` in RFC 3339), whose payload `payload` is validated.
        Validating the envelope cost as much as all the rest of reading a stored event.
        `tests/unit/test_plain_events.py` holds it equal to the validated event."""
        event = cls.__new__(cls)
        state = dict(fields)
        state["time"] = datetime.fromisoformat(fields["time"])
        object.__setattr__(event, "__dict__", state)
        object.__setattr__(event, "__pydantic_fields_set__", set(_FIELD_NAMES))
        object.__setattr__(event, "__pydantic_extra__", None)
        object.__setattr__(event, "__pydantic_private__", {"_payload": payload})
        return event

    @property
    def validated_payload(self) -> BaseModel | None:
        found: BaseModel | None = self.__pydantic_private__["_payload"]  # type: ignore[index]
        return found

    def __eq__(self, other: object) -> bool:
        """Equal when the attributes are: a carried payload is only what `data` validates to."""
        if not isinstance(other, CloudEvent):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # as before: `data` is a dict

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)


_FIELD_NAMES = frozenset(CloudEvent.model_fields)
