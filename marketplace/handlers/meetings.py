"""Use cases of work meetings (paper §3.4.2③): HQ schedules the half year's regular meeting;
a platform asks for an ad-hoc one and HQ accepts or declines; HQ records the minutes; an action
item's owner unit (or a superior of it) marks it done; the lists by role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.meeting import (
    ActionItem,
    ActionItemSpec,
    DecisionSpec,
    Meeting,
    MeetingRequest,
    half_year_of,
    regular_meeting_id,
)
from marketplace.aggregates.organisation import Level
from marketplace.handlers import bodies
from marketplace.handlers.auth import Principal, acts_for, require_role
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.handlers.reach import reach_of
from marketplace.projections import meeting_list
from marketplace.projections.pages import Page, PageRequest


@dataclass(frozen=True)
class ItemIn:
    owner_unit_id: str
    due: date
    text: str


@dataclass(frozen=True)
class DecisionIn:
    text: str
    action_items: list[ItemIn]


def _known_units(svc: Services, field: str, unit_ids: list[str]) -> None:
    """Every unit named is in the chart: a meeting invites, and minutes name, real units."""
    units = chart(svc).units
    for n, unit_id in enumerate(unit_ids):
        if unit_id not in units:
            raise InvalidField(field.format(n=n), f"There is no unit {unit_id!r}.", "unknown_unit")


def load_meeting(svc: Services, meeting_id: str, *, reading: bool = False) -> Meeting:
    return svc.load(Meeting, meeting_id, "Meeting", reading=reading)


def load_request(svc: Services, request_id: str, *, reading: bool = False) -> MeetingRequest:
    return svc.load(MeetingRequest, request_id, "Meeting request", reading=reading)


def load_action_item(svc: Services, item_id: str, *, reading: bool = False) -> ActionItem:
    return svc.load(ActionItem, item_id, "Action item", reading=reading)


def schedule_regular(
    svc: Services,
    principal: Principal,
    half_year: str,
    scheduled_for: datetime,
    agenda: list[str],
    invitees: list[str],
    working_group_id: str | None,
) -> Meeting:
    """HQ schedules the half year's one regular meeting. Its id comes from the half year, so of
    two requests racing for it the store saves one; the other, retried, finds it and is refused."""
    require_role(principal, Role.HQ_ADMIN)
    _known_units(svc, "invitees.{n}", invitees)
    if working_group_id is not None and not bodies.working_group_exists(svc, working_group_id):
        raise InvalidField(
            "working_group_id",
            f"There is no working group {working_group_id!r}.",
            "unknown_working_group",
        )

    def attempt() -> Meeting:
        existing = svc.store.get(regular_meeting_id(half_year), Meeting)
        meeting = Meeting.schedule_regular(
            existing,
            half_year,
            scheduled_for,
            agenda,
            invitees,
            working_group_id,
            principal.actor,
            svc.clock(),
        )
        svc.store.save(meeting)
        return meeting

    return svc.retrying(attempt)


def _own_platform(svc: Services, principal: Principal) -> str:
    org = chart(svc)
    unit = org.units.get(principal.unit_id or "")
    if not principal.has(Role.PLATFORM_ADMIN) or unit is None or unit.level is not Level.PLATFORM:
        raise Forbidden(
            "A platform's admin asks for an ad-hoc meeting, for its own platform.",
            {"required_roles": ["platform_admin"]},
        )
    return unit.id


def file_request(svc: Services, principal: Principal, matter: str, report: str) -> MeetingRequest:
    """A platform asks HQ in writing for an ad-hoc meeting on one matter."""
    platform = _own_platform(svc, principal)
    request = MeetingRequest.file(
        svc.new_id("mrq"), platform, matter, report, principal.actor, svc.clock()
    )
    svc.store.save(request)
    return request


def accept_request(
    svc: Services, principal: Principal, request_id: str, scheduled_for: datetime
) -> Meeting:
    """HQ accepts: the ad-hoc meeting, saved with the answered request."""
    require_role(principal, Role.HQ_ADMIN)
    meeting_id = svc.new_id("mtg")

    def attempt() -> Meeting:
        request = load_request(svc, request_id)
        half_year = half_year_of(scheduled_for.astimezone(svc.zone).date())
        meeting = request.accept(meeting_id, scheduled_for, half_year, principal.actor, svc.clock())
        svc.store.save(request, meeting)
        return meeting

    return svc.retrying(attempt)


def decline_request(
    svc: Services, principal: Principal, request_id: str, reason: str
) -> MeetingRequest:
    require_role(principal, Role.HQ_ADMIN)

    def attempt() -> MeetingRequest:
        request = load_request(svc, request_id)
        request.decline(reason, principal.actor, svc.clock())
        svc.store.save(request)
        return request

    return svc.retrying(attempt)


def may_read_request(svc: Services, principal: Principal, request: MeetingRequest) -> None:
    """HQ and auditors, and the requesting platform's admins."""
    if not reach_of(principal, chart(svc)).covers(request.platform_unit_id):
        raise Forbidden("Only the requesting platform and HQ see a meeting request.")


def may_read_meeting(svc: Services, principal: Principal) -> None:
    """The group's meetings are read by anyone with lists (not BI readers)."""
    reach_of(principal, chart(svc))


def record_minutes(
    svc: Services,
    principal: Principal,
    meeting_id: str,
    attendees: list[str],
    decisions: list[DecisionIn],
) -> Meeting:
    """HQ records the minutes once; each action item becomes an item of its own, saved with it."""
    require_role(principal, Role.HQ_ADMIN)
    _known_units(svc, "attendees.{n}", attendees)
    for i, d in enumerate(decisions):
        owners = [a.owner_unit_id for a in d.action_items]
        _known_units(svc, f"decisions.{i}.action_items.{{n}}.owner_unit_id", owners)
    specs = [
        DecisionSpec(
            d.text,
            tuple(
                ActionItemSpec(svc.new_id("act"), a.owner_unit_id, a.due, a.text)
                for a in d.action_items
            ),
        )
        for d in decisions
    ]

    def attempt() -> Meeting:
        meeting = load_meeting(svc, meeting_id)
        items = meeting.record_minutes(attendees, specs, principal.actor, svc.clock())
        svc.store.save(meeting, *items)
        return meeting

    return svc.retrying(attempt)


def may_mark_done(svc: Services, principal: Principal, item: ActionItem) -> None:
    """The owner unit, or a superior of it: its platform's admin, or HQ."""
    if not acts_for(principal, item.owner_unit_id, chart(svc)):
        raise Forbidden(
            "Only the owner unit, its platform admin or HQ marks an action item done.",
            {"owner_unit_id": item.owner_unit_id},
        )


def mark_done(svc: Services, principal: Principal, item_id: str, evidence: str) -> ActionItem:
    def attempt() -> ActionItem:
        item = load_action_item(svc, item_id)
        may_mark_done(svc, principal, item)
        item.mark_done(evidence, principal.actor, svc.clock())
        svc.store.save(item)
        return item

    return svc.retrying(attempt)


async def meetings(
    svc: Services, principal: Principal, models: ReadModels, half_year: str | None,
    page: PageRequest,
) -> Page:  # fmt: skip
    may_read_meeting(svc, principal)
    reader = await models.reader(meeting_list.PROJECTION.name)
    return await meeting_list.meetings_of(reader, half_year, page)


async def requests(
    svc: Services, principal: Principal, models: ReadModels, status: str | None,
    page: PageRequest,
) -> Page:  # fmt: skip
    """HQ and auditors: every request; a platform admin: its platform's."""
    reach = reach_of(principal, chart(svc))
    reader = await models.reader(meeting_list.PROJECTION.name)
    return await meeting_list.requests_of(reader, reach.units, status, page)


async def action_items(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    owner_unit_id: str | None,
    status: str | None,
    page: PageRequest,
    due_from: date | None = None,
    due_to: date | None = None,
) -> Page:
    """Action items of the owner unit (default: any within reach), earliest due first; the
    status is the one on the group's day today."""
    reach = reach_of(principal, chart(svc))
    reach.require(owner_unit_id, "owner_unit_id")
    reader = await models.reader(meeting_list.PROJECTION.name)
    return await meeting_list.action_items_of(
        reader, reach.narrowed(owner_unit_id), status, svc.today(), page, due_from, due_to
    )
