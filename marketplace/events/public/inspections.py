"""The inspection findings' public events."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from marketplace.aggregates.inspection import InspectionFinding
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

INSPECTIONS_TOPIC = "marketplace.inspections"


class InspectionFindingRecordedV1(Payload):
    """An inspection found a unit at fault; it must be rectified by `rectify_by`."""

    unit_id: str
    context: dict[str, str] = Field(description="The unit's platform_id and sector then.")
    issue: str = Field(
        description="no_synergy_system, incomplete_rules, not_following_plan or prohibited_conduct"
    )
    description: str
    rectify_by: date
    actor: ActorV1


class InspectionFindingRectifiedV1(Payload):
    """The unit rectified the finding; `late` when after its deadline."""

    unit_id: str
    evidence: str
    late: bool
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(InspectionFinding, "Recorded"),
        "marketplace.inspection.finding_recorded.v1",
        INSPECTIONS_TOPIC,
        InspectionFindingRecordedV1,
    ),
    PublicType(
        domain_event(InspectionFinding, "Rectified"),
        "marketplace.inspection.finding_rectified.v1",
        INSPECTIONS_TOPIC,
        InspectionFindingRectifiedV1,
    ),
)
