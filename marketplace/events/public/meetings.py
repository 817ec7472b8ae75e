"""The work meetings' public events: meetings, their minutes, action items, meeting requests."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from marketplace.aggregates.meeting import ActionItem, Meeting, MeetingRequest
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

MEETINGS_TOPIC = "marketplace.meetings"


class MeetingScheduledV1(Payload):
    """HQ scheduled a meeting: the half year's regular one, or an ad-hoc one it accepted."""

    kind: str = Field(examples=["regular", "ad_hoc"])
    half_year: str = Field(examples=["2027H1"])
    scheduled_for: datetime
    agenda: list[str]
    invitees: list[str] = Field(description="The units invited.")
    working_group_id: str | None = None
    request_id: str | None = Field(default=None, description="The request an ad-hoc one answers.")
    actor: ActorV1


class DecisionActionItemV1(Payload):
    action_item_id: str
    owner_unit_id: str
    due: date = Field(description="A day in the group's time zone.")
    text: str


class MinutesDecisionV1(Payload):
    text: str
    action_items: list[DecisionActionItemV1]


class MeetingMinutesRecordedV1(Payload):
    """The meeting's minutes: who attended and what was decided (once)."""

    attendees: list[str]
    decisions: list[MinutesDecisionV1]
    actor: ActorV1


class ActionItemAssignedV1(Payload):
    """A decision asks a unit to do something by a day."""

    meeting_id: str
    owner_unit_id: str
    due: date = Field(description="A day in the group's time zone; overdue after it.")
    text: str
    actor: ActorV1


class ActionItemDoneV1(Payload):
    """The owner unit (or a superior of it) marked the item done, with evidence."""

    evidence: str
    actor: ActorV1


class MeetingRequestFiledV1(Payload):
    """A platform asked in writing for an ad-hoc meeting on one matter."""

    platform_unit_id: str
    matter: str
    report: str
    actor: ActorV1


class MeetingRequestAcceptedV1(Payload):
    """HQ accepted the request: the ad-hoc meeting `meeting_id`."""

    meeting_id: str
    scheduled_for: datetime
    actor: ActorV1


class MeetingRequestDeclinedV1(Payload):
    """HQ declined the request, saying why."""

    reason: str
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(Meeting, "Scheduled"),
        "marketplace.meeting.scheduled.v1",
        MEETINGS_TOPIC,
        MeetingScheduledV1,
    ),
    PublicType(
        domain_event(Meeting, "MinutesRecorded"),
        "marketplace.meeting.minutes_recorded.v1",
        MEETINGS_TOPIC,
        MeetingMinutesRecordedV1,
    ),
    PublicType(
        domain_event(ActionItem, "Assigned"),
        "marketplace.action_item.assigned.v1",
        MEETINGS_TOPIC,
        ActionItemAssignedV1,
    ),
    PublicType(
        domain_event(ActionItem, "Done"),
        "marketplace.action_item.done.v1",
        MEETINGS_TOPIC,
        ActionItemDoneV1,
    ),
    PublicType(
        domain_event(MeetingRequest, "Filed"),
        "marketplace.meeting_request.filed.v1",
        MEETINGS_TOPIC,
        MeetingRequestFiledV1,
    ),
    PublicType(
        domain_event(MeetingRequest, "Accepted"),
        "marketplace.meeting_request.accepted.v1",
        MEETINGS_TOPIC,
        MeetingRequestAcceptedV1,
    ),
    PublicType(
        domain_event(MeetingRequest, "Declined"),
        "marketplace.meeting_request.declined.v1",
        MEETINGS_TOPIC,
        MeetingRequestDeclinedV1,
    ),
)
