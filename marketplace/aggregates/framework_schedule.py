"""A framework agreement's schedule (paper section 4): its periods — months `2027-01` or quarters
`2027Q1` — each with a quantity and a unit price (null until agreed), what was called off in
it, and the amendments that changed it."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marketplace.aggregates.base import DomainError, Immutable

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"([0-9]{4})Q([1-4])")


def period_days(period: str) -> tuple[date, date]:
    """The first and the last day of a month `2027-01` or a quarter `2027Q1`."""
    if month := _MONTH.fullmatch(period):
        year, first_month, months = int(month[1]), int(month[2]), 1
    elif quarter := _QUARTER.fullmatch(period):
        year, first_month, months = int(quarter[1]), 3 * int(quarter[2]) - 2, 3
    else:
        raise DomainError(
            "invalid_schedule",
            f"{period!r} is not a period: a month such as 2027-01 or a quarter such as 2027Q1.",
            {"period": period},
        )
    last_month = first_month + months - 1
    last = calendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last)


@dataclass(frozen=True)
class Closure(Immutable):
    """A period closed by the demand unit: what was delivered then, and the shortfall."""

    delivered: Decimal
    shortfall: Decimal
    shortfall_pct: Decimal
    incident_id: str | None
    closed_at: datetime


@dataclass(frozen=True)
class ScheduledPeriod(Immutable):
    """One period of the schedule: `first_day`/`last_day` are within the agreement's dates."""

    period: str
    first_day: date
    last_day: date
    quantity: Decimal
    unit_price: Decimal | None
    called_off: Decimal = Decimal(0)
    call_offs: tuple[str, ...] = ()  # the call-offs' contract ids, in order
    closure: Closure | None = None

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.called_off

    def starts_after(self, today: date) -> bool:
        return self.first_day > today

    def shortfall(self, delivered: Decimal) -> tuple[Decimal, Decimal]:
        """Scheduled minus delivered (never below zero), and that as a percentage."""
        short = max(self.quantity - delivered, Decimal(0))
        return short, (short * 100 / self.quantity).quantize(Decimal("0.01"))


def check_schedule(
    schedule: list[tuple[str, Decimal, Decimal | None]], valid_from: date, valid_to: date
) -> dict[str, ScheduledPeriod]:
    """The periods by name, in order, each cut to the agreement's dates; refuses an empty
    schedule, a period twice or overlapping another, one outside the dates, a quantity or
    price that is not positive."""
    if valid_from > valid_to:
        raise DomainError(
            "invalid_framework_dates",
            f"The agreement cannot end ({valid_to}) before it starts ({valid_from}).",
            {"from": valid_from.isoformat(), "to": valid_to.isoformat()},
        )
    if not schedule:
        raise DomainError("invalid_schedule", "A schedule has at least one period.")
    periods: dict[str, ScheduledPeriod] = {}
    for period, quantity, unit_price in schedule:
        first, last = period_days(period)
        problem = _problem(period, first, last, quantity, unit_price, valid_from, valid_to)
        overlapped = [
            p.period for p in periods.values() if first <= p.last_day and p.first_day <= last
        ]
        if overlapped:
            problem = f"{period} overlaps {overlapped[0]} (each day is in one period only)."
        if problem:
            raise DomainError("invalid_schedule", problem, {"period": period})
        periods[period] = ScheduledPeriod(
            period, max(first, valid_from), min(last, valid_to), quantity, unit_price
        )
    return dict(sorted(periods.items(), key=lambda item: item[1].first_day))


def _problem(
    period: str,
    first: date,
    last: date,
    quantity: Decimal,
    unit_price: Decimal | None,
    valid_from: date,
    valid_to: date,
) -> str | None:
    if last < valid_from or first > valid_to:
        return f"{period} is outside the agreement's dates ({valid_from} to {valid_to})."
    if quantity <= 0:
        return f"{period}'s quantity must be greater than zero."
    if unit_price is not None and unit_price <= 0:
        return f"{period}'s unit price must be greater than zero."
    return None


def check_open(terms: ScheduledPeriod) -> None:
    if terms.closure is not None:
        raise DomainError(
            "period_closed", f"Period {terms.period} is closed.", {"period": terms.period}
        )


def check_call_off(terms: ScheduledPeriod, quantity: Decimal, today: date) -> Decimal:
    """A call-off of `quantity` on `today`: a day within the period (cut to the agreement's
    dates), at an agreed price, within what is left of the period's quantity. Its unit price."""
    check_open(terms)
    period = terms.period
    if not terms.first_day <= today <= terms.last_day:
        raise DomainError(
            "outside_framework",
            f"Period {period} is called off from {terms.first_day} to {terms.last_day} (within "
            f"the agreement's dates); today is {today}.",
            {"period": period, "from": terms.first_day.isoformat(),
             "to": terms.last_day.isoformat(), "today": today.isoformat()},
        )  # fmt: skip
    if terms.unit_price is None:
        raise DomainError(
            "period_not_priced",
            f"Period {period} has no agreed unit price yet: agree it by an amendment first.",
            {"period": period},
        )
    if quantity > terms.remaining:
        raise DomainError(
            "over_schedule",
            f"Calling off {quantity} would exceed period {period}'s {terms.quantity} "
            f"({terms.called_off} called off).",
            {"period": period, "scheduled": str(terms.quantity),
             "called_off": str(terms.called_off), "remaining": str(terms.remaining)},
        )  # fmt: skip
    return terms.unit_price


def check_closable(terms: ScheduledPeriod, today: date) -> None:
    """A period is closed once, after its last day."""
    check_open(terms)
    if today <= terms.last_day:
        raise DomainError(
            "period_not_ended",
            f"Period {terms.period} runs until {terms.last_day}: close it after that day.",
            {"period": terms.period, "last_day": terms.last_day.isoformat()},
        )


@dataclass(frozen=True)
class CallOff:
    """What a call-off decided: the contract's source id, price and due day."""

    call_off_id: str
    unit_price: Decimal
    delivery_date: date


def call_off_id_of(framework_id: str, period: str, n: int) -> str:
    """`fwk_1/2027-01/3`: the agreement, the period and the call-off's number in the agreement
    (a call-off contract's `source_id`)."""
    return f"{framework_id}/{period}/{n}"


def terms_of(p: ScheduledPeriod) -> dict[str, Any]:
    return {
        "period": p.period,
        "first_day": p.first_day,
        "last_day": p.last_day,
        "quantity": str(p.quantity),
        "unit_price": text_of(p.unit_price),
    }


def text_of(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def decimal_of(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
