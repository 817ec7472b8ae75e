"""The exchange visits' public events (paper §3.4.2④)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from marketplace.aggregates.visit import ExchangeVisit
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

VISITS_TOPIC = "marketplace.visits"


class VisitPlannedV1(Payload):
    """A platform admin or HQ planned an exchange visit: visitor units go to a host unit."""

    host_unit_id: str
    visitor_unit_ids: list[str] = Field(description="Sorted, without duplicates.")
    planned_for: datetime
    topic: str
    sectors: dict[str, str] = Field(description="Each named unit's sector when planned.")
    actor: ActorV1


class LeadV1(Payload):
    """A cooperation lead the visit found; a need posted from it names `lead_id`."""

    lead_id: str
    item_code: str | None = Field(description="The item that could be traded, when known.")
    text: str


class VisitHeldV1(Payload):
    """The visit took place: its outcome and leads, with the sectors HQ counts it under."""

    outcome: str
    leads: list[LeadV1]
    host_sector: str
    visitor_sectors: list[str] = Field(description="The visitors' sectors, sorted, distinct.")
    planned_for: datetime
    actor: ActorV1


class VisitCancelledV1(Payload):
    """A planned visit was called off."""

    reason: str
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(ExchangeVisit, "Planned"),
        "marketplace.visit.planned.v1",
        VISITS_TOPIC,
        VisitPlannedV1,
    ),
    PublicType(
        domain_event(ExchangeVisit, "Held"),
        "marketplace.visit.held.v1",
        VISITS_TOPIC,
        VisitHeldV1,
    ),
    PublicType(
        domain_event(ExchangeVisit, "Cancelled"),
        "marketplace.visit.cancelled.v1",
        VISITS_TOPIC,
        VisitCancelledV1,
    ),
)
