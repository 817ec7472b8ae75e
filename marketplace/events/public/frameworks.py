"""The framework agreements' public events (paper section 4: recurring supply on a schedule)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from marketplace.aggregates.framework import Framework
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

FRAMEWORKS_TOPIC = "marketplace.frameworks"


class ScheduledPeriodV1(Payload):
    """One period of the schedule, its days cut to the agreement's."""

    period: str = Field(description="A month `2027-01` or a quarter `2027Q1`.")
    first_day: date
    last_day: date
    quantity: str
    unit_price: str | None = Field(description="Null: to be agreed later (no call-off till then).")


class FrameworkCreatedV1(Payload):
    """A framework agreement was drawn up; both parties sign it before any call-off."""

    demand_unit_id: str
    supply_unit_id: str
    item_code: str
    uom: str
    category: str
    business_type: str = Field(examples=["regular", "special_task"])
    directive_id: str | None = Field(description="A special task's approved directive.")
    valid_from: date
    valid_to: date
    schedule: list[ScheduledPeriodV1]
    shortfall_tolerance_pct: str = Field(
        description="A closed period short by more than this share of its quantity records a "
        "delivery_delay incident against the supplier."
    )
    actor: ActorV1


class FrameworkSignedV1(Payload):
    """A party signed the agreement for its side."""

    party_unit_id: str
    actor: ActorV1


class FrameworkActivatedV1(Payload):
    """Both parties signed: the demand unit may call off."""

    actor: ActorV1


class FrameworkCalledOffV1(Payload):
    """The demand unit called off part of a period: contract `contract_id` (created active in
    the same commit, `trade_form` `framework`, `source_id` = `call_off_id`)."""

    call_off_id: str = Field(description="`<framework id>/<period>/<n>`.")
    contract_id: str
    period: str
    quantity: str
    unit_price: str
    amount: str
    period_called_off: str = Field(description="The period's quantity called off, this included.")
    delivery_date: date = Field(description="The period's last day: the contract's due day.")
    actor: ActorV1


class AmendmentProposedV1(Payload):
    """A party proposed a new quantity and/or unit price for a period."""

    number: int = Field(description="The amendment's number in the agreement, from 1.")
    period: str
    quantity: str | None
    unit_price: str | None
    reason: str
    party_unit_id: str
    previous_quantity: str
    previous_unit_price: str | None
    actor: ActorV1


class AmendmentAcceptedV1(Payload):
    """The other party consented: the period's terms are now these."""

    number: int
    party_unit_id: str
    period: str
    quantity: str
    unit_price: str | None
    actor: ActorV1


class AmendmentRejectedV1(Payload):
    """The other party refused the amendment; the period keeps its terms."""

    number: int
    party_unit_id: str
    reason: str
    actor: ActorV1


class AmendmentEscalatedV1(Payload):
    """A special task's price the parties could not agree went to their superiors."""

    number: int
    party_unit_id: str
    mediator_unit_id: str
    actor: ActorV1


class AmendmentDecidedV1(Payload):
    """The superiors set the period's unit price."""

    number: int
    mediator_unit_id: str
    period: str
    unit_price: str
    actor: ActorV1


class PeriodClosedV1(Payload):
    """The demand unit closed an ended period: the supplier's shortfall in it."""

    period: str
    scheduled: str
    called_off: str
    delivered: str = Field(description="Delivered on the period's call-off contracts then.")
    shortfall: str = Field(description="Scheduled minus delivered, never below zero.")
    shortfall_pct: str
    tolerance_pct: str
    incident_id: str | None = Field(
        description="The delivery_delay incident recorded against the supplier (on the period's "
        "last call-off contract) when the shortfall was past the tolerance."
    )
    completed: bool = Field(description="Every period is closed now: the agreement is completed.")
    actor: ActorV1


def _row(name: str, verb: str, payload: type[Payload]) -> PublicType:
    return PublicType(
        domain_event(Framework, name), f"marketplace.framework.{verb}.v1", FRAMEWORKS_TOPIC, payload
    )


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    _row("Created", "created", FrameworkCreatedV1),
    _row("Signed", "signed", FrameworkSignedV1),
    _row("Activated", "activated", FrameworkActivatedV1),
    _row("CalledOff", "called_off", FrameworkCalledOffV1),
    _row("AmendmentProposed", "amendment_proposed", AmendmentProposedV1),
    _row("AmendmentAccepted", "amendment_accepted", AmendmentAcceptedV1),
    _row("AmendmentRejected", "amendment_rejected", AmendmentRejectedV1),
    _row("AmendmentEscalated", "amendment_escalated", AmendmentEscalatedV1),
    _row("AmendmentDecided", "amendment_decided", AmendmentDecidedV1),
    _row("PeriodClosed", "period_closed", PeriodClosedV1),
)
