"""Shared resources (paper §3.2.1④, §1.2.1): an owner unit lists equipment, a facility, land,
staff to second or production capacity with a rate and a quantity; other units book time
windows of it. The resource holds its bookings' windows, so it alone decides whether a window
is free: two bookings racing for the last of it cannot both be saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from eventsourcing.domain import event

from marketplace.aggregates.base import (
    Actor,
    DomainError,
    MarketAggregate,
    RecordNotFound,
)
from marketplace.aggregates.booking import Booking, booking_id_of, number
from marketplace.aggregates.booking_window import Stretch, WindowError, duration_in, usage

KINDS = ("equipment", "facility", "land", "staff", "capacity")


class SharedResource(MarketAggregate):
    """A listed resource and its bookings; `withdrawn` takes no new bookings."""

    VALUE_MAPS = ("bookings",)

    @classmethod
    def list_for_sharing(
        cls,
        resource_id: str,
        owner_unit_id: str,
        kind: str,
        name: str,
        uom: str,
        rate: Decimal,
        available_quantity: Decimal,
        actor: Actor,
        timestamp: datetime,
    ) -> SharedResource:
        return cls(
            id=resource_id,
            owner_unit_id=owner_unit_id,
            kind=kind,
            name=name,
            uom=uom,
            rate=str(rate),
            available_quantity=str(available_quantity),
            actor=actor,
            timestamp=timestamp,
        )

    @event("Listed")
    def __init__(
        self,
        id: str,
        owner_unit_id: str,
        kind: str,
        name: str,
        uom: str,
        rate: str,
        available_quantity: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.owner_unit_id = owner_unit_id
        self.kind = kind
        self.name = name
        self.uom = uom
        self.rate = Decimal(rate)
        self.available_quantity = Decimal(available_quantity)
        self.status = "listed"
        self.listed_at = timestamp
        self.withdraw_reason: str | None = None
        self.bookings: dict[str, Booking] = {}

    # ----- queries -------------------------------------------------------------------------

    def booking(self, booking_id: str) -> Booking:
        try:
            return self.bookings[booking_id]
        except KeyError:
            raise RecordNotFound(
                "not_found",
                f"Resource {self.id!r} has no booking {booking_id!r}.",
                {"booking_id": booking_id},
            ) from None

    def usage(self, start: datetime, end: datetime) -> list[Stretch]:
        """[start, end) in stretches, each with the quantity its bookings hold."""
        held = [
            (b.starts_at, b.ends_at, b.quantity)
            for b in self.bookings.values()
            if b.holds_its_window
        ]
        return usage(held, start, end)

    # ----- commands ------------------------------------------------------------------------

    def book(
        self,
        unit_id: str,
        start: datetime,
        end: datetime,
        quantity: Decimal,
        zone: tzinfo,
        contract_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> Booking:
        """`unit_id` books `quantity` of the resource for [start, end), whole units of time in
        the group's `zone` (WindowError otherwise); refused where, at any moment of the window,
        the bookings would hold more than the resource has."""
        if self.status == "withdrawn":
            raise DomainError(
                "resource_withdrawn", f"Resource {self.id!r} was withdrawn: it takes no bookings."
            )
        if unit_id == self.owner_unit_id:
            raise DomainError(
                "self_supply",
                f"Unit {unit_id!r} owns resource {self.id!r}: a unit does not trade with itself.",
                {"unit_id": unit_id},
            )
        # Kept in UTC: times of one zone object compare by their wall clocks in Python.
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        duration = duration_in(self.uom, start, end, zone)
        self.check_available(start, end, quantity)
        amount = (self.rate * duration * quantity).quantize(Decimal("0.01"))
        if not amount:  # a contract is for something: its delivery at the return would be refused
            raise WindowError("quantity", "The booking's amount rounds to 0.00 CNY.")
        booking_id = booking_id_of(self.id, len(self.bookings) + 1)
        self._booked(
            booking_id,
            unit_id,
            start,
            end,
            str(quantity),
            duration,
            self.uom,
            str(self.rate),
            str(amount),
            contract_id,
            self.owner_unit_id,
            actor,
            timestamp,
        )
        return self.bookings[booking_id]

    def check_available(self, start: datetime, end: datetime, quantity: Decimal) -> None:
        stretches = self.usage(start, end)
        short = [s for s in stretches if s.booked + quantity > self.available_quantity]
        if not short:
            return

        def shown(s: Stretch) -> dict[str, str]:
            return {
                "from": s.start.isoformat(),
                "to": s.end.isoformat(),
                "booked": number(s.booked),
                "free": number(self.available_quantity - s.booked),
            }

        raise DomainError(
            "resource_unavailable",
            f"Resource {self.id!r} has {number(self.available_quantity)}; at times of the "
            f"window fewer than the {number(quantity)} asked for are free.",
            {
                "requested_quantity": number(quantity),
                "available_quantity": number(self.available_quantity),
                "conflicts": [shown(s) for s in short],
                "free": [shown(s) for s in stretches],
            },
        )

    def _status_is(self, booking: Booking, *statuses: str) -> None:
        if booking.status not in statuses:
            raise DomainError(
                "booking_status",
                f"Booking {booking.booking_id!r} is {booking.status}, not {' or '.join(statuses)}.",
                {"status": booking.status},
            )

    def cancel_booking(
        self, booking_id: str, reason: str, actor: Actor, timestamp: datetime
    ) -> Booking:
        """Call off a booking before its window starts (and before a handover)."""
        booking = self.booking(booking_id)
        self._status_is(booking, "booked")
        if timestamp >= booking.starts_at:
            raise DomainError(
                "booking_started",
                f"Booking {booking_id!r} started at {booking.starts_at.isoformat()}: it can no "
                "longer be cancelled.",
                {"from": booking.starts_at.isoformat()},
            )
        self._booking_cancelled(
            booking_id, booking.unit_id, booking.contract_id, reason, actor, timestamp
        )
        return self.bookings[booking_id]

    def hand_over(
        self, booking_id: str, condition: str, actor: Actor, timestamp: datetime
    ) -> Booking:
        booking = self.booking(booking_id)
        self._status_is(booking, "booked")
        self._handed_over(booking_id, booking.unit_id, condition, actor, timestamp)
        return self.bookings[booking_id]

    def take_back(
        self,
        booking_id: str,
        condition: str,
        damage: str | None,
        incident_id: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> Booking:
        """The resource came back, in `condition`; `damage` says what was damaged (None: it
        came back undamaged), `incident_id` the quality incident recorded for it."""
        booking = self.booking(booking_id)
        self._status_is(booking, "handed_over")
        self._returned(
            booking_id,
            booking.unit_id,
            condition,
            damage is not None,
            damage,
            incident_id,
            actor,
            timestamp,
        )
        return self.bookings[booking_id]

    def withdraw(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        """No new bookings; those made stand (they are contracts)."""
        if self.status == "withdrawn":
            raise DomainError("resource_withdrawn", f"Resource {self.id!r} was withdrawn already.")
        self._withdrawn(reason, actor, timestamp)

    # ----- events --------------------------------------------------------------------------

    @event("Booked")
    def _booked(
        self,
        booking_id: str,
        unit_id: str,
        starts_at: datetime,
        ends_at: datetime,
        quantity: str,
        duration: int,
        uom: str,
        rate: str,
        amount: str,
        contract_id: str,
        owner_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.bookings[booking_id] = Booking(
            booking_id,
            unit_id,
            starts_at,
            ends_at,
            Decimal(quantity),
            duration,
            Decimal(amount),
            contract_id,
            timestamp,
        )

    def _changed(self, booking_id: str, **changes: object) -> None:
        self.bookings[booking_id] = replace(self.bookings[booking_id], **changes)  # type: ignore[arg-type]

    @event("BookingCancelled")
    def _booking_cancelled(
        self,
        booking_id: str,
        unit_id: str,
        contract_id: str,
        reason: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self._changed(booking_id, status="cancelled", cancel_reason=reason)

    @event("HandedOver")
    def _handed_over(
        self, booking_id: str, unit_id: str, condition: str, actor: Actor, timestamp: datetime
    ) -> None:
        self._changed(
            booking_id,
            status="handed_over",
            handed_over_at=timestamp,
            handover_condition=condition,
        )

    @event("Returned")
    def _returned(
        self,
        booking_id: str,
        unit_id: str,
        condition: str,
        damaged: bool,
        damage: str | None,
        incident_id: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self._changed(
            booking_id,
            status="returned",
            returned_at=timestamp,
            return_condition=condition,
            damaged=damaged,
            damage=damage,
            incident_id=incident_id,
        )

    @event("Withdrawn")
    def _withdrawn(self, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.status = "withdrawn"
        self.withdraw_reason = reason
