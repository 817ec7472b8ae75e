"""Amendments of a framework agreement's schedule: one party proposes a period's new quantity
or price, the other accepts or rejects; a special task's price the parties cannot agree goes to
their superiors, who decide it. Every amendment stays in the history, whatever its answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from marketplace.aggregates.base import DomainError, Immutable, RecordNotFound
from marketplace.aggregates.framework_schedule import ScheduledPeriod, check_open


class AmendmentStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ESCALATED = "escalated"  # a special task's price, with the superiors
    DECIDED = "decided"  # the superiors set the price


@dataclass(frozen=True)
class Amendment(Immutable):
    """A change of a period's quantity or price one party proposed; the other answers it (or,
    for a special task's price, the superiors decide). Kept whatever the answer: the history."""

    number: int
    period: str
    quantity: Decimal | None
    unit_price: Decimal | None
    reason: str
    proposed_by: str  # the party
    proposed_at: datetime
    previous_quantity: Decimal
    previous_unit_price: Decimal | None
    status: AmendmentStatus = AmendmentStatus.PENDING
    answered_by: str | None = None  # the other party, or the mediator unit that decided
    answered_at: datetime | None = None
    answer_reason: str | None = None  # a rejection's
    mediator_unit_id: str | None = None
    escalated_by: str | None = None
    escalated_at: datetime | None = None


def check_amendable(
    terms: ScheduledPeriod, quantity: Decimal | None, unit_price: Decimal | None, today: date
) -> None:
    """A quantity changes only for a period that starts after today (nothing is called off
    in it yet); a price too, or for a period not priced yet (its price agreed late)."""
    check_open(terms)
    if quantity is None and unit_price is None:
        raise DomainError(
            "invalid_amendment", "An amendment changes the quantity, the unit price or both."
        )
    future = terms.starts_after(today)
    late_price = unit_price is not None and terms.unit_price is None
    if future or (quantity is None and late_price):
        return
    raise DomainError(
        "period_not_amendable",
        f"Period {terms.period} started on {terms.first_day}: only a period that starts after "
        "today changes its quantity or price, and a period not priced yet gets its price.",
        {"period": terms.period, "first_day": terms.first_day.isoformat(),
         "today": today.isoformat()},
    )  # fmt: skip


def check_no_pending(amendments: Sequence[Amendment], period: str) -> None:
    pending = [a.number for a in amendments if a.period == period and _open(a)]
    if pending:
        raise DomainError(
            "amendment_pending",
            f"Amendment {pending[0]} of period {period} awaits its answer: answer it first.",
            {"period": period, "amendment": pending[0]},
        )


def find_amendment(amendments: Sequence[Amendment], number: int) -> Amendment:
    if 1 <= number <= len(amendments):
        return amendments[number - 1]
    raise RecordNotFound("not_found", f"There is no amendment {number}.", {"amendment": number})


def check_answer(amendment: Amendment, party: str) -> None:
    """The party that did not propose it answers a pending amendment."""
    if amendment.status is not AmendmentStatus.PENDING:
        raise DomainError(
            "amendment_not_pending",
            f"Amendment {amendment.number} is {amendment.status.value}.",
            {"amendment": amendment.number, "status": amendment.status.value},
        )
    if party == amendment.proposed_by:
        raise DomainError(
            "own_amendment",
            f"{party!r} proposed amendment {amendment.number}: the other party answers it.",
            {"amendment": amendment.number, "proposed_by": party},
        )


def _open(amendment: Amendment) -> bool:
    return amendment.status in (AmendmentStatus.PENDING, AmendmentStatus.ESCALATED)


def check_escalable(amendment: Amendment, business_type: str) -> None:
    """Only a special task's price goes to the superiors: a pending proposal of a price alone."""
    if business_type != "special_task":
        raise DomainError(
            "not_special_task",
            "Only a special task's price goes to the superiors; regular business is priced by "
            "the parties.",
            {"business_type": business_type},
        )
    if amendment.status is not AmendmentStatus.PENDING or amendment.quantity is not None:
        raise DomainError(
            "not_escalable",
            f"Amendment {amendment.number} is {amendment.status.value}: only a pending "
            "proposal of a price alone goes to the superiors.",
            {"amendment": amendment.number, "status": amendment.status.value},
        )


def check_decidable(amendment: Amendment, mediator_unit_id: str) -> None:
    if (
        amendment.status is not AmendmentStatus.ESCALATED
        or amendment.mediator_unit_id != mediator_unit_id
    ):
        raise DomainError(
            "not_escalated",
            f"Amendment {amendment.number} is not with {mediator_unit_id!r}: the superiors "
            "decide only a price a party escalated to them.",
            {"amendment": amendment.number, "status": amendment.status.value},
        )
