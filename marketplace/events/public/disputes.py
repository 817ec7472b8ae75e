"""The disputes' public events."""

from __future__ import annotations

from pydantic import Field

from marketplace.aggregates.dispute import Dispute
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

DISPUTES_TOPIC = "marketplace.disputes"


class DisputeRaisedV1(Payload):
    """A party raised a dispute; the parties negotiate first."""

    raiser_unit_id: str
    against_unit_id: str
    subject_type: str
    subject_id: str
    kind: str
    claim: str
    context: dict[str, str] = Field(description="Both parties' platforms and sectors then.")
    actor: ActorV1


class DisputeMediationRequestedV1(Payload):
    """Mediation was requested; `rule` says why this mediator."""

    party_unit_id: str
    mediator_unit_id: str
    rule: str = Field(
        description="lowest_common_superior, different_sectors or only_common_superior"
    )
    actor: ActorV1


class DisputeResolvedV1(Payload):
    """The mediator decided."""

    decision: str
    mediator_unit_id: str
    actor: ActorV1


class DisputeSettlementStatedV1(Payload):
    """A party stated the settlement it accepts."""

    party_unit_id: str
    settlement: str
    actor: ActorV1


class DisputeSettledV1(Payload):
    """Both parties stated the same settlement."""

    settlement: str
    actor: ActorV1


class DisputeWithdrawnV1(Payload):
    """The raiser withdrew the dispute."""

    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(Dispute, "Raised"),
        "marketplace.dispute.raised.v1",
        DISPUTES_TOPIC,
        DisputeRaisedV1,
    ),
    PublicType(
        domain_event(Dispute, "MediationRequested"),
        "marketplace.dispute.mediation_requested.v1",
        DISPUTES_TOPIC,
        DisputeMediationRequestedV1,
    ),
    PublicType(
        domain_event(Dispute, "Resolved"),
        "marketplace.dispute.resolved.v1",
        DISPUTES_TOPIC,
        DisputeResolvedV1,
    ),
    PublicType(
        domain_event(Dispute, "SettlementStated"),
        "marketplace.dispute.settlement_stated.v1",
        DISPUTES_TOPIC,
        DisputeSettlementStatedV1,
    ),
    PublicType(
        domain_event(Dispute, "Settled"),
        "marketplace.dispute.settled.v1",
        DISPUTES_TOPIC,
        DisputeSettledV1,
    ),
    PublicType(
        domain_event(Dispute, "Withdrawn"),
        "marketplace.dispute.withdrawn.v1",
        DISPUTES_TOPIC,
        DisputeWithdrawnV1,
    ),
)
