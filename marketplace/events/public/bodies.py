"""The synergy management bodies' public events: the leadership group and the coordination
working groups (paper §3.1.1-3.1.2), on the meetings' topic (the bodies that meet)."""

from __future__ import annotations

from pydantic import Field

from marketplace.aggregates.bodies import LeadershipGroup, WorkingGroup
from marketplace.events.public.meetings import MEETINGS_TOPIC
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event


class WorkingGroupFormedV1(Payload):
    """HQ set up a coordination working group (协调工作组)."""

    name: str
    sectors: list[str] = Field(description="Sectors in its remit (unit sector codes).")
    categories: list[str] = Field(
        description="Catalog categories in its remit: product, engineering, service, resource."
    )
    members: list[str] = Field(description="Member unit ids.")
    lead_unit_id: str = Field(description="The member unit that leads it.")
    actor: ActorV1


class WorkingGroupRevisedV1(Payload):
    """HQ renamed a working group or changed its remit, members or lead: the state after."""

    name: str
    sectors: list[str]
    categories: list[str]
    members: list[str]
    lead_unit_id: str
    members_removed: list[str] = Field(description="Units that are members no more.")
    sectors_removed: list[str] = Field(description="Sectors no longer in its remit.")
    actor: ActorV1


class WorkingGroupDissolvedV1(Payload):
    """HQ dissolved a working group; it can no longer be changed."""

    reason: str
    actor: ActorV1


class LeadershipGroupConstitutedV1(Payload):
    """HQ constituted the group's synergy leadership group (协同领导小组)."""

    group_unit_id: str = Field(description="The group unit (HQ) it belongs to.")
    members: list[str] = Field(description="Member unit ids.")
    office_unit_id: str = Field(description="The unit serving as its office (办公室).")
    actor: ActorV1


class LeadershipGroupRecomposedV1(Payload):
    """HQ changed the leadership group's members or office: the state after."""

    members: list[str]
    office_unit_id: str
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(WorkingGroup, "Formed"),
        "marketplace.working_group.formed.v1",
        MEETINGS_TOPIC,
        WorkingGroupFormedV1,
    ),
    PublicType(
        domain_event(WorkingGroup, "Revised"),
        "marketplace.working_group.revised.v1",
        MEETINGS_TOPIC,
        WorkingGroupRevisedV1,
    ),
    PublicType(
        domain_event(WorkingGroup, "Dissolved"),
        "marketplace.working_group.dissolved.v1",
        MEETINGS_TOPIC,
        WorkingGroupDissolvedV1,
    ),
    PublicType(
        domain_event(LeadershipGroup, "Constituted"),
        "marketplace.leadership_group.constituted.v1",
        MEETINGS_TOPIC,
        LeadershipGroupConstitutedV1,
    ),
    PublicType(
        domain_event(LeadershipGroup, "Recomposed"),
        "marketplace.leadership_group.recomposed.v1",
        MEETINGS_TOPIC,
        LeadershipGroupRecomposedV1,
    ),
)
