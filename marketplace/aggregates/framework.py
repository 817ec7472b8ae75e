"""Framework agreements (paper section 4: coal to power plants, power and heat): a recurring
supply on a schedule of periods both parties sign; the demand unit calls off within each
period's quantity, each call-off an ordinary contract; the demand unit closes a period once it
has ended, which names the supplier's shortfall; amendments change a period's terms by both
parties' consent. The rules are in framework_schedule.py and framework_amendments.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate, RecordNotFound
from marketplace.aggregates.framework_amendments import (
    Amendment,
    AmendmentStatus,
    check_amendable,
    check_answer,
    check_decidable,
    check_escalable,
    check_no_pending,
    find_amendment,
)
from marketplace.aggregates.framework_schedule import (
    CallOff,
    Closure,
    ScheduledPeriod,
    call_off_id_of,
    check_call_off,
    check_closable,
    check_schedule,
    decimal_of,
    terms_of,
    text_of,
)


class FrameworkStatus(StrEnum):
    AWAITING_SIGNATURES = "awaiting_signatures"
    ACTIVE = "active"
    COMPLETED = "completed"  # every period closed


class Framework(MarketAggregate):
    """A framework agreement between a demand unit and a supply unit for one item."""

    @classmethod
    def create(
        cls,
        framework_id: str,
        demand_unit_id: str,
        supply_unit_id: str,
        item_code: str,
        uom: str,
        category: str,
        business_type: str,
        directive_id: str | None,
        valid_from: date,
        valid_to: date,
        schedule: list[tuple[str, Decimal, Decimal | None]],
        shortfall_tolerance_pct: Decimal,
        actor: Actor,
        timestamp: datetime,
    ) -> Framework:
        """`schedule`: (period, quantity, unit price or None: to be agreed later) each."""
        if demand_unit_id == supply_unit_id:
            raise DomainError("self_supply", "A framework agreement names two different units.")
        periods = check_schedule(schedule, valid_from, valid_to)
        return cls(
            id=framework_id,
            demand_unit_id=demand_unit_id,
            supply_unit_id=supply_unit_id,
            item_code=item_code,
            uom=uom,
            category=category,
            business_type=business_type,
            directive_id=directive_id,
            valid_from=valid_from,
            valid_to=valid_to,
            schedule=[terms_of(p) for p in periods.values()],
            shortfall_tolerance_pct=str(shortfall_tolerance_pct),
            actor=actor,
            timestamp=timestamp,
        )

    @event("Created")
    def __init__(
        self,
        id: str,
        demand_unit_id: str,
        supply_unit_id: str,
        item_code: str,
        uom: str,
        category: str,
        business_type: str,
        directive_id: str | None,
        valid_from: date,
        valid_to: date,
        schedule: list[dict[str, Any]],
        shortfall_tolerance_pct: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.demand_unit_id = demand_unit_id
        self.supply_unit_id = supply_unit_id
        self.item_code = item_code
        self.uom = uom
        self.category = category
        self.business_type = business_type
        self.directive_id = directive_id
        self.valid_from = valid_from
        self.valid_to = valid_to
        self.shortfall_tolerance_pct = Decimal(shortfall_tolerance_pct)
        self.periods: dict[str, ScheduledPeriod] = {
            p["period"]: ScheduledPeriod(
                p["period"],
                p["first_day"],
                p["last_day"],
                Decimal(p["quantity"]),
                decimal_of(p["unit_price"]),
            )
            for p in schedule
        }
        self.status = FrameworkStatus.AWAITING_SIGNATURES
        self.signatures: dict[str, datetime] = {}  # party → when it signed, in signing order
        self.call_off_count = 0
        self.created_at = timestamp
        self.amendments: list[Amendment] = []  # numbered from 1, in order

    # ----- queries -------------------------------------------------------------------------

    @property
    def party_ids(self) -> tuple[str, str]:
        return self.demand_unit_id, self.supply_unit_id

    def check_party(self, unit_id: str) -> None:
        if unit_id not in self.party_ids:
            raise DomainError("not_a_party", f"{unit_id!r} is not a party to {self.id!r}.")

    def scheduled(self, period: str, *, in_path: bool = False) -> ScheduledPeriod:
        """The period; refused when the schedule has none such (a 404 when the path names it)."""
        found = self.periods.get(period)
        if found is not None:
            return found
        message = f"The schedule of {self.id!r} has no period {period!r}."
        details = {"period": period, "periods": list(self.periods)}
        if in_path:
            raise RecordNotFound("not_found", message, details)
        raise DomainError("period_not_scheduled", message, details)

    def check_active(self) -> None:
        if self.status is not FrameworkStatus.ACTIVE:
            raise DomainError(
                "framework_not_active",
                f"Framework {self.id!r} is {self.status.value}: "
                + (
                    "both parties sign it first."
                    if self.status is FrameworkStatus.AWAITING_SIGNATURES
                    else "every period is closed."
                ),
                {"status": self.status.value},
            )

    # ----- signatures ----------------------------------------------------------------------

    def sign(self, party: str, actor: Actor, timestamp: datetime) -> None:
        self.check_party(party)
        if party in self.signatures:
            raise DomainError("already_signed", f"{party!r} has signed already.")
        self._signed(party, actor, timestamp)
        if set(self.signatures) == set(self.party_ids):
            self._activated(actor, timestamp)

    # ----- call-offs -----------------------------------------------------------------------

    def call_off(
        self,
        contract_id: str,
        period: str,
        quantity: Decimal,
        today: date,
        actor: Actor,
        timestamp: datetime,
    ) -> CallOff:
        """The demand unit calls off `quantity` in `period` on `today` (a day within the
        period and the agreement), within what is left of the period's quantity, at its
        price; the contract `contract_id` (made by the caller) is due by the period's end."""
        self.check_active()
        terms = self.scheduled(period)
        unit_price = check_call_off(terms, quantity, today)
        made = CallOff(
            call_off_id_of(self.id, period, self.call_off_count + 1), unit_price, terms.last_day
        )
        amount = (made.unit_price * quantity).quantize(Decimal("0.01"))
        self._called_off(
            made.call_off_id, contract_id, period, str(quantity), str(made.unit_price),
            str(amount), str(terms.called_off + quantity), made.delivery_date, actor, timestamp,
        )  # fmt: skip
        return made

    # ----- closing a period ----------------------------------------------------------------

    def close_period(
        self,
        period: str,
        delivered: Decimal,
        incident_id: str | None,
        today: date,
        actor: Actor,
        timestamp: datetime,
    ) -> bool:
        """The demand unit closes an ended period with what its call-offs delivered; returns
        whether the shortfall is past the tolerance (then `incident_id`, when there is a
        call-off contract to record it on, names the delivery_delay incident)."""
        terms = self.scheduled(period, in_path=True)
        check_closable(terms, today)
        self.check_active()
        shortfall, pct = terms.shortfall(delivered)
        breached = pct > self.shortfall_tolerance_pct
        others_closed = all(
            p.closure is not None for p in self.periods.values() if p.period != period
        )
        self._period_closed(
            period, str(terms.quantity), str(terms.called_off), str(delivered), str(shortfall),
            str(pct), str(self.shortfall_tolerance_pct), incident_id if breached else None,
            others_closed, actor, timestamp,
        )  # fmt: skip
        return breached

    # ----- amendments ----------------------------------------------------------------------

    def propose_amendment(
        self,
        party: str,
        period: str,
        quantity: Decimal | None,
        unit_price: Decimal | None,
        reason: str,
        today: date,
        actor: Actor,
        timestamp: datetime,
    ) -> Amendment:
        self.check_party(party)
        self.check_active()
        terms = self.scheduled(period)
        check_amendable(terms, quantity, unit_price, today)
        check_no_pending(self.amendments, period)
        self._amendment_proposed(
            len(self.amendments) + 1, period, text_of(quantity), text_of(unit_price), reason,
            party, str(terms.quantity), text_of(terms.unit_price), actor, timestamp,
        )  # fmt: skip
        return self.amendments[-1]

    def accept_amendment(
        self, number: int, party: str, today: date, actor: Actor, timestamp: datetime
    ) -> Amendment:
        """The other party consents: the period's terms change (if it is still amendable)."""
        self.check_party(party)
        proposed = find_amendment(self.amendments, number)
        check_answer(proposed, party)
        terms = self.periods[proposed.period]
        check_amendable(terms, proposed.quantity, proposed.unit_price, today)
        quantity = proposed.quantity if proposed.quantity is not None else terms.quantity
        price = proposed.unit_price if proposed.unit_price is not None else terms.unit_price
        self._amendment_accepted(
            number, party, proposed.period, str(quantity), text_of(price), actor, timestamp
        )
        return self.amendments[number - 1]

    def reject_amendment(
        self, number: int, party: str, reason: str, actor: Actor, timestamp: datetime
    ) -> Amendment:
        self.check_party(party)
        proposed = find_amendment(self.amendments, number)
        check_answer(proposed, party)
        self._amendment_rejected(number, party, reason, actor, timestamp)
        return self.amendments[number - 1]

    def escalate_amendment(
        self, number: int, party: str, mediator_unit_id: str, actor: Actor, timestamp: datetime
    ) -> Amendment:
        """A special task's price the parties cannot agree: either party hands a pending
        proposal of a price (alone) to their superiors, who decide it (paper section 3.3)."""
        self.check_party(party)
        proposed = find_amendment(self.amendments, number)
        check_escalable(proposed, self.business_type)
        self._amendment_escalated(number, party, mediator_unit_id, actor, timestamp)
        return self.amendments[number - 1]

    def decide_amendment(
        self,
        number: int,
        mediator_unit_id: str,
        unit_price: Decimal,
        today: date,
        actor: Actor,
        timestamp: datetime,
    ) -> Amendment:
        """The superiors set the escalated period's price (if it can still change)."""
        proposed = find_amendment(self.amendments, number)
        check_decidable(proposed, mediator_unit_id)
        check_amendable(self.periods[proposed.period], None, unit_price, today)
        self._amendment_decided(
            number, mediator_unit_id, proposed.period, str(unit_price), actor, timestamp
        )
        return self.amendments[number - 1]

    # ----- events --------------------------------------------------------------------------

    @event("Signed")
    def _signed(self, party_unit_id: str, actor: Actor, timestamp: datetime) -> None:
        self.signatures[party_unit_id] = timestamp

    @event("Activated")
    def _activated(self, actor: Actor, timestamp: datetime) -> None:
        self.status = FrameworkStatus.ACTIVE

    @event("CalledOff")
    def _called_off(
        self,
        call_off_id: str,
        contract_id: str,
        period: str,
        quantity: str,
        unit_price: str,
        amount: str,
        period_called_off: str,
        delivery_date: date,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        terms = self.periods[period]
        self.periods[period] = replace(
            terms,
            called_off=Decimal(period_called_off),
            call_offs=(*terms.call_offs, contract_id),
        )
        self.call_off_count += 1

    @event("PeriodClosed")
    def _period_closed(
        self,
        period: str,
        scheduled: str,
        called_off: str,
        delivered: str,
        shortfall: str,
        shortfall_pct: str,
        tolerance_pct: str,
        incident_id: str | None,
        completed: bool,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        closure = Closure(
            Decimal(delivered), Decimal(shortfall), Decimal(shortfall_pct), incident_id, timestamp
        )
        self.periods[period] = replace(self.periods[period], closure=closure)
        if completed:  # the last open period closed
            self.status = FrameworkStatus.COMPLETED

    @event("AmendmentProposed")
    def _amendment_proposed(
        self,
        number: int,
        period: str,
        quantity: str | None,
        unit_price: str | None,
        reason: str,
        party_unit_id: str,
        previous_quantity: str,
        previous_unit_price: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.amendments.append(
            Amendment(
                number, period, decimal_of(quantity), decimal_of(unit_price), reason,
                party_unit_id, timestamp, Decimal(previous_quantity),
                decimal_of(previous_unit_price),
            )
        )  # fmt: skip

    @event("AmendmentAccepted")
    def _amendment_accepted(
        self,
        number: int,
        party_unit_id: str,
        period: str,
        quantity: str,
        unit_price: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self._answered(number, AmendmentStatus.ACCEPTED, party_unit_id, actor, timestamp)
        terms = self.periods[period]
        self.periods[period] = replace(
            terms, quantity=Decimal(quantity), unit_price=decimal_of(unit_price)
        )

    @event("AmendmentRejected")
    def _amendment_rejected(
        self, number: int, party_unit_id: str, reason: str, actor: Actor, timestamp: datetime
    ) -> None:
        self._answered(number, AmendmentStatus.REJECTED, party_unit_id, actor, timestamp, reason)

    @event("AmendmentEscalated")
    def _amendment_escalated(
        self,
        number: int,
        party_unit_id: str,
        mediator_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.amendments[number - 1] = replace(
            self.amendments[number - 1],
            status=AmendmentStatus.ESCALATED,
            mediator_unit_id=mediator_unit_id,
            escalated_by=party_unit_id,
            escalated_at=timestamp,
        )

    @event("AmendmentDecided")
    def _amendment_decided(
        self,
        number: int,
        mediator_unit_id: str,
        period: str,
        unit_price: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self._answered(number, AmendmentStatus.DECIDED, mediator_unit_id, actor, timestamp)
        self.amendments[number - 1] = replace(
            self.amendments[number - 1], unit_price=Decimal(unit_price)
        )
        self.periods[period] = replace(self.periods[period], unit_price=Decimal(unit_price))

    def _answered(
        self,
        number: int,
        status: AmendmentStatus,
        unit_id: str,
        actor: Actor,
        timestamp: datetime,
        reason: str | None = None,
    ) -> None:
        self.amendments[number - 1] = replace(
            self.amendments[number - 1],
            status=status,
            answered_by=unit_id,
            answered_at=timestamp,
            answer_reason=reason,
        )
