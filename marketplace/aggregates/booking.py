"""A booking of a shared resource: its window, quantity, amount and steps (booked, handed over,
returned, or cancelled), and booking ids that name their resource."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from marketplace.aggregates.base import Immutable

_BOOKING_SEPARATOR = "-B"


def booking_id_of(resource_id: str, n: int) -> str:
    """Booking ids name their resource, so a booking's contract (`source_id`) leads to it."""
    return f"{resource_id}{_BOOKING_SEPARATOR}{n}"


def resource_of_booking(booking_id: str) -> str | None:
    """The resource a booking id names; None for an id no resource could have made."""
    resource_id, separator, n = booking_id.rpartition(_BOOKING_SEPARATOR)
    return resource_id if separator and resource_id and n.isdigit() else None


def number(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Booking(Immutable):
    """One unit's booking of a window: `booked`, then `handed_over` and `returned`, or
    `cancelled` before it starts. `duration` is in the resource's unit of time."""

    booking_id: str
    unit_id: str
    starts_at: datetime
    ends_at: datetime
    quantity: Decimal
    duration: int
    amount: Decimal
    contract_id: str
    booked_at: datetime
    status: str = "booked"
    handed_over_at: datetime | None = None
    handover_condition: str | None = None
    returned_at: datetime | None = None
    return_condition: str | None = None
    damaged: bool = False
    damage: str | None = None
    incident_id: str | None = None
    cancel_reason: str | None = None

    @property
    def holds_its_window(self) -> bool:
        """Every booking but a cancelled one keeps its window (a return before the end
        included: the window was paid for)."""
        return self.status != "cancelled"
