"""The demo's shared resources (paper §3.2.1④): the construction company's excavator, which the
design institute booked twice (once handed over and returned with a broken bucket tooth, a
damage incident; once to come), and the institute's commissioning engineers seconded by the
month."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.handlers import resources
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.handlers.resources import ResourceSpec


def _operator(unit_id: str) -> Principal:
    return Principal("demo", unit_id, frozenset({Role.UNIT_OPERATOR}))


def seed_resources(svc: Services) -> None:
    today = svc.today()

    def midnight(days: int) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(), svc.zone)

    builder, designer = _operator("ENG-02"), _operator("ENG-01")
    excavator = resources.list_resource(
        svc,
        builder,
        ResourceSpec(
            "ENG-02", "equipment", "Crawler excavator 21 t (EX-210)", "day",
            Decimal("1800.00"), Decimal(1),
        ),
    )  # fmt: skip
    used = resources.book(
        svc, designer, excavator.id, "ENG-01", midnight(-3), midnight(1), Decimal(1)
    )
    booking_id = used.booking.booking_id
    resources.hand_over(
        svc, builder, excavator.id, booking_id, "Full tank; tracks and bucket teeth checked."
    )
    resources.take_back(
        svc, builder, excavator.id, booking_id, "Back a day early, cleaned.",
        "One bucket tooth broken off on rock at the substation site.", "minor",
    )  # fmt: skip
    resources.book(svc, designer, excavator.id, "ENG-01", midnight(7), midnight(12), Decimal(1))

    engineers = resources.list_resource(
        svc,
        designer,
        ResourceSpec(
            "ENG-01", "staff", "Commissioning engineers (secondment)", "month",
            Decimal("28000.00"), Decimal(3),
        ),
    )  # fmt: skip
    first = today.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    after = (next_month + timedelta(days=62)).replace(day=1)  # two months on
    resources.book(
        svc, builder, engineers.id, "ENG-02",
        datetime.combine(next_month, time(), svc.zone), datetime.combine(after, time(), svc.zone),
        Decimal(2),
    )  # fmt: skip
