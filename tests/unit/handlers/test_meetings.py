"""Work meetings: HQ schedules one regular meeting a half year and records minutes; a
platform's admin asks for an ad-hoc one; an action item's owner (or a superior) marks it done;
overdue is judged on the group's day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from marketplace.aggregates.meeting import Meeting
from marketplace.handlers import meetings
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.projections import meeting_list
from tests.unit.handlers.world import (
    AUDITOR,
    HQ_ADMIN,
    Command,
    World,
    operator,
    platform_admin,
)

MEETING_AT = datetime(2027, 3, 15, 1, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def schedule(by: Principal = HQ_ADMIN, half_year: str = "2027H1") -> Command[Meeting]:
    return lambda s: meetings.schedule_regular(
        s, by, half_year, MEETING_AT, ["Review the half year"], ["PWR", "HEAT"], None
    )


def minutes(
    meeting_id: str, by: Principal = HQ_ADMIN, due: date = date(2027, 4, 1)
) -> Command[Meeting]:
    decision = meetings.DecisionIn(
        "Share spare parts", [meetings.ItemIn("PWR-01", due, "Send the spare-parts list")]
    )
    return lambda s: meetings.record_minutes(s, by, meeting_id, ["PWR", "HEAT"], [decision])


def item_of(world: World, due: date = date(2027, 4, 1)) -> str:
    meeting = world.given(schedule())
    recorded = world.given(minutes(meeting.id, due=due))
    assert recorded.minutes is not None
    decisions: Any = recorded.minutes["decisions"]
    return str(decisions[0]["action_items"][0]["action_item_id"])


def test_hq_schedules_the_regular_meeting_of_a_half_year(group: World) -> None:
    outcome = group.when(schedule())
    outcome.appended("Meeting.Scheduled")
    assert outcome.ok().id == "mtg_regular_2027H1"
    group.when(schedule(half_year="2027H2")).appended("Meeting.Scheduled")


def test_a_second_regular_meeting_for_the_half_year_is_refused(group: World) -> None:
    group.given(schedule())
    group.when(schedule()).refused("regular_meeting_exists")


@pytest.mark.parametrize("by", [platform_admin("PWR"), operator("PWR-01"), AUDITOR])
def test_only_hq_schedules(group: World, by: Principal) -> None:
    group.when(schedule(by)).refused("forbidden", Forbidden)


def test_a_meeting_invites_units_of_the_chart(group: World) -> None:
    unknown = lambda s: meetings.schedule_regular(  # noqa: E731
        s, HQ_ADMIN, "2027H1", MEETING_AT, ["Review"], ["PWR", "NOPE"], None
    )
    group.when(unknown).refused("invalid_request", InvalidField)


def test_a_platform_admin_files_a_request_for_its_platform(group: World) -> None:
    filed = group.when(
        lambda s: meetings.file_request(s, platform_admin("PWR"), "Spare capacity", "R")
    )
    filed.appended("MeetingRequest.Filed")
    assert filed.ok().platform_unit_id == "PWR"


@pytest.mark.parametrize("by", [HQ_ADMIN, operator("PWR-01"), platform_admin("PWR-01")])
def test_only_a_platforms_admin_files_a_request(group: World, by: Principal) -> None:
    group.when(lambda s: meetings.file_request(s, by, "Spare capacity", "R")).refused(
        "forbidden", Forbidden
    )


def test_hq_accepts_a_request_with_an_ad_hoc_meeting_once(group: World) -> None:
    request = group.given(
        lambda s: meetings.file_request(s, platform_admin("PWR"), "Spare capacity", "R")
    )
    accept = lambda s: meetings.accept_request(s, HQ_ADMIN, request.id, MEETING_AT)  # noqa: E731
    accepted = group.when(accept)
    accepted.appended("MeetingRequest.Accepted", "Meeting.Scheduled")
    meeting = accepted.ok()
    assert (meeting.kind, meeting.half_year, meeting.request_id) == ("ad_hoc", "2027H1", request.id)
    group.when(accept).refused("request_answered")
    decline = lambda s: meetings.decline_request(s, HQ_ADMIN, request.id, "No")  # noqa: E731
    group.when(decline).refused("request_answered")


def test_only_hq_answers_a_request(group: World) -> None:
    request = group.given(
        lambda s: meetings.file_request(s, platform_admin("PWR"), "Spare capacity", "R")
    )
    group.when(
        lambda s: meetings.decline_request(s, platform_admin("PWR"), request.id, "No")
    ).refused("forbidden", Forbidden)


def test_only_hq_records_minutes_and_only_once(group: World) -> None:
    meeting = group.given(schedule())
    group.when(minutes(meeting.id, platform_admin("PWR"))).refused("forbidden", Forbidden)
    recorded = group.when(minutes(meeting.id))
    recorded.appended("Meeting.MinutesRecorded", "ActionItem.Assigned")
    group.when(minutes(meeting.id)).refused("minutes_recorded")


@pytest.mark.parametrize("by", [operator("PWR-01"), platform_admin("PWR"), HQ_ADMIN])
def test_the_owner_or_a_superior_marks_an_item_done(group: World, by: Principal) -> None:
    item = item_of(group)
    group.when(lambda s: meetings.mark_done(s, by, item, "Sent")).appended("ActionItem.Done")
    group.when(lambda s: meetings.mark_done(s, by, item, "Again")).refused("action_item_done")


@pytest.mark.parametrize(
    "by", [operator("PWR-02"), platform_admin("HEAT"), operator("PWR"), AUDITOR]
)
def test_others_do_not_mark_an_item_done(group: World, by: Principal) -> None:
    item = item_of(group)
    group.when(lambda s: meetings.mark_done(s, by, item, "Sent")).refused("forbidden", Forbidden)


@pytest.mark.parametrize(
    ("now", "status"),
    [
        # 2027-04-01 23:59 in Shanghai (UTC+8): still the due day.
        (datetime(2027, 4, 1, 15, 59, tzinfo=UTC), "open"),
        # 2027-04-02 00:00 in Shanghai, though still 2027-04-01 in UTC.
        (datetime(2027, 4, 1, 16, 0, tzinfo=UTC), "overdue"),
    ],
)
def test_overdue_is_judged_on_the_groups_day_around_midnight(
    group: World, now: datetime, status: str
) -> None:
    item = item_of(group, due=date(2027, 4, 1))
    group.svc.zone = SHANGHAI
    group.at(now)
    item_read = meetings.load_action_item(group.svc, item, reading=True)
    assert item_read.status_on(group.svc.today()) == status
    rows = group.rows(meeting_list.PROJECTION)[meeting_list.ACTION_ITEMS.name]
    (row,) = rows.values()
    assert meeting_list.item_status(row, group.svc.today()) == status
