"""The shared resources' public events (paper §3.2.1④): listed, booked, cancelled, handed over,
returned, withdrawn. A booking's contract is on `marketplace.contracts` as any contract."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from marketplace.aggregates.shared_resource import SharedResource
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

RESOURCES_TOPIC = "marketplace.resources"


class ResourceListedV1(Payload):
    """An owner unit listed a resource other units may book."""

    owner_unit_id: str
    kind: str = Field(examples=["equipment", "facility", "land", "staff", "capacity"])
    name: str
    uom: str = Field(description="What the rate is per: hour, day or month.", examples=["day"])
    rate: str = Field(description="CNY per unit of time and unit of quantity.")
    available_quantity: str = Field(description="How much of it can be booked at once.")
    actor: ActorV1


class ResourceBookedV1(Payload):
    """A unit booked a window of the resource; its contract (`contract_id`) is active at once."""

    booking_id: str = Field(description="Names its resource: `<resource id>-B<n>`.")
    unit_id: str = Field(description="The unit that booked (the contract's demand unit).")
    starts_at: datetime
    ends_at: datetime = Field(description="Exclusive.")
    quantity: str
    duration: int = Field(description="Whole units of time (`uom`) of the window.")
    uom: str
    rate: str
    amount: str = Field(description="rate * duration * quantity, CNY.")
    contract_id: str
    owner_unit_id: str
    actor: ActorV1


class ResourceBookingCancelledV1(Payload):
    """A booking was called off before its window started; its contract is terminated."""

    booking_id: str
    unit_id: str
    contract_id: str
    reason: str
    actor: ActorV1


class ResourceHandedOverV1(Payload):
    """The owner handed the resource over to the booking unit, in the condition described."""

    booking_id: str
    unit_id: str
    condition: str
    actor: ActorV1


class ResourceReturnedV1(Payload):
    """The resource came back; its contract is complete. A damage is a quality incident
    (`incident_id`, kind `damage`) against the booking unit."""

    booking_id: str
    unit_id: str
    condition: str
    damaged: bool
    damage: str | None = None
    incident_id: str | None = None
    actor: ActorV1


class ResourceWithdrawnV1(Payload):
    """The owner withdrew the resource: no new bookings; those made stand."""

    reason: str
    actor: ActorV1


def _row(name: str, type_name: str, payload: type[Payload]) -> PublicType:
    return PublicType(
        domain_event(SharedResource, name),
        f"marketplace.resource.{type_name}.v1",
        RESOURCES_TOPIC,
        payload,
    )


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    _row("Listed", "listed", ResourceListedV1),
    _row("Booked", "booked", ResourceBookedV1),
    _row("BookingCancelled", "booking_cancelled", ResourceBookingCancelledV1),
    _row("HandedOver", "handed_over", ResourceHandedOverV1),
    _row("Returned", "returned", ResourceReturnedV1),
    _row("Withdrawn", "withdrawn", ResourceWithdrawnV1),
)
