"""Work meetings' rules: one regular meeting a half year, one matter a request, minutes once,
an action item done once and overdue only after its due day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.meeting import (
    ActionItemSpec,
    DecisionSpec,
    Meeting,
    MeetingRequest,
    check_one_matter,
    half_year_of,
    regular_meeting_id,
)
from tests.unit.org_fixtures import ACTOR, T0, at

MEETING_AT = datetime(2027, 3, 15, 1, 0, tzinfo=UTC)


def regular(existing: Meeting | None = None, half_year: str = "2027H1") -> Meeting:
    return Meeting.schedule_regular(
        existing, half_year, MEETING_AT, ["Review"], ["PWR", "HEAT"], "wg_1", ACTOR, T0
    )


def decisions(due: date = date(2027, 4, 1)) -> list[DecisionSpec]:
    item = ActionItemSpec("act_1", "PWR-01", due, "Send the spare-parts list")
    return [DecisionSpec("Share spare parts", (item,)), DecisionSpec("Noted", ())]


def meeting_cycle() -> list[Any]:
    """Every public meeting event: a regular meeting with minutes and an item done, a request
    accepted (an ad-hoc meeting) and one declined."""
    meeting = regular()
    items = meeting.record_minutes(["PWR", "HEAT"], decisions(), ACTOR, at(1))
    items[0].mark_done("Sent on 2027-03-20", ACTOR, at(2))
    accepted = MeetingRequest.file("mrq_1", "PWR", "Spare capacity", "Report", ACTOR, at(3))
    ad_hoc = accepted.accept("mtg_1", MEETING_AT, "2027H1", ACTOR, at(4))
    declined = MeetingRequest.file("mrq_2", "HEAT", "Heat tariffs", "Report", ACTOR, at(5))
    declined.decline("Next regular meeting", ACTOR, at(6))
    events: list[Any] = []
    for aggregate in (meeting, *items, accepted, ad_hoc, declined):
        events += aggregate.collect_events()
    return events


def test_the_regular_meeting_of_a_half_year_has_the_half_years_id() -> None:
    assert regular().id == regular_meeting_id("2027H1") == "mtg_regular_2027H1"
    assert regular(half_year="2027H2").id != regular().id


def test_a_second_regular_meeting_for_the_half_year_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        regular(existing=regular())
    assert refused.value.code == "regular_meeting_exists"


def test_a_half_year_id_needs_a_half_year() -> None:
    with pytest.raises(ValueError, match="half year"):
        regular_meeting_id("2027Q1")


@pytest.mark.parametrize(
    ("day", "half"),
    [(date(2027, 1, 1), "2027H1"), (date(2027, 6, 30), "2027H1"), (date(2027, 7, 1), "2027H2")],
)
def test_a_day_is_in_its_half_year(day: date, half: str) -> None:
    assert half_year_of(day) == half


@pytest.mark.parametrize(
    "matter", ["Spare capacity", "共享备件库存", "Heat tariffs: the 2027 winter rates"]
)
def test_a_request_carries_one_matter(matter: str) -> None:
    check_one_matter(matter)


@pytest.mark.parametrize(
    "matter",
    [
        "",
        "   ",
        "Spare capacity\nHeat tariffs",
        "Spare capacity; heat tariffs",
        "备件\uff1b热价",
        "1. Spare capacity",
        "- Spare capacity",
        "x" * 201,
    ],
)
def test_several_matters_or_none_are_refused(matter: str) -> None:
    with pytest.raises(DomainError) as refused:
        MeetingRequest.file("mrq_1", "PWR", matter, "Report", ACTOR, T0)
    assert refused.value.code == "one_matter"


def test_an_answered_request_is_not_answered_again() -> None:
    request = MeetingRequest.file("mrq_1", "PWR", "Spare capacity", "Report", ACTOR, T0)
    meeting = request.accept("mtg_1", MEETING_AT, "2027H1", ACTOR, at(1))
    assert (meeting.kind, meeting.invitees, meeting.agenda) == (
        "ad_hoc",
        ["PWR"],
        ["Spare capacity"],
    )
    for answer in (
        lambda: request.accept("mtg_2", MEETING_AT, "2027H1", ACTOR, at(2)),
        lambda: request.decline("No", ACTOR, at(2)),
    ):
        with pytest.raises(DomainError) as refused:
            answer()
        assert refused.value.code == "request_answered"


def test_minutes_are_recorded_once_and_make_the_action_items() -> None:
    meeting = regular()
    items = meeting.record_minutes(["PWR"], decisions(), ACTOR, at(1))
    assert [(i.id, i.owner_unit_id, i.meeting_id) for i in items] == [
        ("act_1", "PWR-01", meeting.id)
    ]
    with pytest.raises(DomainError) as refused:
        meeting.record_minutes(["PWR"], decisions(), ACTOR, at(2))
    assert refused.value.code == "minutes_recorded"


def test_an_action_item_is_done_once() -> None:
    (item,) = regular().record_minutes(["PWR"], decisions(), ACTOR, at(1))
    item.mark_done("Sent", ACTOR, at(2))
    with pytest.raises(DomainError) as refused:
        item.mark_done("Sent again", ACTOR, at(3))
    assert refused.value.code == "action_item_done"


def test_an_item_is_overdue_only_after_its_due_day_and_never_once_done() -> None:
    (item,) = regular().record_minutes(["PWR"], decisions(date(2027, 4, 1)), ACTOR, at(1))
    assert item.status_on(date(2027, 4, 1)) == "open"
    assert item.status_on(date(2027, 4, 2)) == "overdue"
    item.mark_done("Sent late", ACTOR, at(2))
    assert item.status_on(date(2027, 4, 2)) == "done"


def test_a_due_day_already_past_at_the_minutes_is_overdue_at_once() -> None:
    (item,) = regular().record_minutes(["PWR"], decisions(date(2027, 1, 1)), ACTOR, at(1))
    assert item.status_on(date(2027, 3, 16)) == "overdue"
