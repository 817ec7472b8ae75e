"""The special-task directives' public events."""

from __future__ import annotations

from marketplace.aggregates.directive import Directive
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

DIRECTIVES_TOPIC = "marketplace.directives"


class DirectiveApprovedV1(Payload):
    """A superior approved a special task between two units."""

    demand_unit_id: str
    supply_unit_id: str
    item_code: str
    quantity: str
    rationale: str
    approver_unit_id: str
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(Directive, "Approved"),
        "marketplace.directive.approved.v1",
        DIRECTIVES_TOPIC,
        DirectiveApprovedV1,
    ),
)
