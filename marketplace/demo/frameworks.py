"""The demo's framework agreement (paper section 4): the Coal Mining Co. (COAL-03) supplies
thermal coal to the Northern Thermal Power Plant (PWR-01) month by month over the last two
months and this one; last month fell short, so its closing recorded a delivery_delay incident.

The earlier months are played on their own days (a copy of the services with the clock set
back), as the parties would have acted then: a call-off is made within its period."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.handlers import contracts, framework_amendments, frameworks
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services

PLANT, MINE = "PWR-01", "COAL-03"
PRICE = Decimal("612.50")


def _operator(unit_id: str) -> Principal:
    return Principal("demo", unit_id, frozenset({Role.UNIT_OPERATOR}))


def _first_days(today: date) -> tuple[date, date, date]:
    """The first days of the month before last, last month and this month."""
    this = today.replace(day=1)
    last = (this - timedelta(days=1)).replace(day=1)
    return (last - timedelta(days=1)).replace(day=1), last, this


@dataclass(frozen=True)
class _Days:
    """The services as on a past day (never later than now)."""

    svc: Services
    now: datetime

    def at(self, day: date, hour: int = 10) -> Services:
        moment = min(datetime.combine(day, time(hour), self.svc.zone), self.now)
        return replace(self.svc, clock=lambda: moment)


def seed_frameworks(svc: Services) -> str:
    """A signed coal-to-power framework over three months with call-offs: the first month
    delivered in full, the second short (closed: an incident), this month under way.
    Returns its id."""
    now = svc.clock()
    first, second, third = _first_days(now.astimezone(svc.zone).date())
    on = _Days(svc, now).at
    plant, mine = _operator(PLANT), _operator(MINE)
    last_day = (third + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    terms = frameworks.DrawUp(
        PLANT, MINE, "THERMAL-COAL-5500", "t", first, last_day,
        [(f"{m:%Y-%m}", Decimal(3000), PRICE if m != third else None)
         for m in (first, second, third)],
    )  # fmt: skip
    made = frameworks.draw_up(on(first, 9), plant, terms).id
    frameworks.sign(on(first, 9), mine, made, None)
    frameworks.sign(on(first, 9), plant, made, None)
    _month(_Days(svc, now), made, first, [("1800", 3, 10), ("1200", 17, 25)], None)
    framework_amendments.propose(
        on(first + timedelta(days=20)), mine, made, f"{third:%Y-%m}", None, Decimal("598.00"),
        "The coal index fell; this price holds for the month.", None,
    )  # fmt: skip
    framework_amendments.accept(on(first + timedelta(days=21)), plant, made, 1, None)
    # Last month the mine delivered 2500 of 3000 t: a longwall stopped for repairs.
    _month(_Days(svc, now), made, second, [("3000", 2, 10)], Decimal(2500))
    closing = on(third, 0)
    frameworks.close_period(closing, plant, made, f"{first:%Y-%m}")
    frameworks.close_period(closing, plant, made, f"{second:%Y-%m}")
    _, running = frameworks.call_off(closing, plant, made, f"{third:%Y-%m}", Decimal(2000))
    if now.astimezone(svc.zone).date() > third:  # delivered something this month already
        contracts.deliver(svc, mine, running.id, Decimal(800), Decimal("478400.00"), now)
    return made


def _month(
    days: _Days,
    framework_id: str,
    month: date,
    call_offs: list[tuple[str, int, int]],
    delivered: Decimal | None,
) -> None:
    """Call-offs of (quantity, day called off, day delivered); each delivered in full, or
    `delivered` in all on the month's single call-off."""
    for quantity, called, arrived in call_offs:
        _, contract = frameworks.call_off(
            days.at(month + timedelta(days=called - 1)), _operator(PLANT), framework_id,
            f"{month:%Y-%m}", Decimal(quantity),
        )  # fmt: skip
        amount = delivered if delivered is not None else Decimal(quantity)
        when = days.at(month + timedelta(days=arrived - 1))
        contracts.deliver(when, _operator(MINE), contract.id, amount, amount * PRICE, when.clock())
