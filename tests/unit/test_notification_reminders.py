# ruff: noqa: RUF001 - Chinese texts use full-width punctuation
"""Deadline reminders: the deadlines events set and clear, when a reminder is due, and the
reminder itself (a stable id, the data it names, its texts in both languages)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from marketplace.events.envelope import CloudEvent
from marketplace.events.public import catalog, inspections, tenders
from marketplace.notifications.reminders import (
    BID,
    CATALOG_SUBMISSION,
    RECTIFICATION,
    REMINDER_TYPES,
    Deadline,
    action,
    deadline_changes,
    end_of_day,
    reminder_event,
    reminder_id,
    reminder_of,
)
from marketplace.notifications.texts import render
from tests.unit.notification_events import (
    DEMAND,
    MATCHED,
    OTHER_MATCH,
    UNITS,
    bid_received,
    by,
    event,
    finding_recorded,
    need_posted,
    tender_launched,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEAD = timedelta(hours=24)
CJK = re.compile(r"[\u4e00-\u9fff]")
Held = dict[tuple[str, str, str], datetime]


def held_after(events: Iterable[CloudEvent]) -> Held:
    """The deadlines held after `events`, by (kind, subject, unit), as the notifier keeps them."""
    held: Held = {}
    for e in events:
        changes = deadline_changes(e, UNITS, SHANGHAI)
        for cleared in changes.cleared:
            for key in [k for k in held if k[:2] == (cleared.kind, cleared.subject)]:
                if cleared.unit_id in (None, key[2]):
                    del held[key]
        for d in changes.set:
            held[(d.kind, d.subject, d.unit_id)] = d.due
    return held


CLOSE = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)  # tender_launched's bid deadline


def bids_opened() -> CloudEvent:
    return event("ten-1", tenders.TenderBidsOpenedV1(bids=[], ranking=[], actor=by(DEMAND)), 9)


def tender_awarded() -> CloudEvent:
    payload = tenders.TenderAwardedV1(
        bid_id="bid-2",
        bidder=MATCHED,
        internal=True,
        amount="1.00",
        contract_id="con-1",
        justification=None,
        actor=by(DEMAND),
    )
    return event("ten-1", payload, 10)


def test_a_launch_sets_each_invitees_bid_deadline() -> None:
    assert held_after([tender_launched()]) == {
        (BID, "ten-1", MATCHED): CLOSE,
        (BID, "ten-1", OTHER_MATCH): CLOSE,
    }


def test_an_invitee_that_bid_has_acted_and_an_external_bid_clears_nobody() -> None:
    held = held_after(
        [tender_launched(), bid_received(MATCHED, 2), bid_received("external:Acme Ltd", 3)]
    )
    assert held == {(BID, "ten-1", OTHER_MATCH): CLOSE}


@pytest.mark.parametrize("closing", [bids_opened, tender_awarded])
def test_opening_or_awarding_clears_every_bid_deadline(closing: Callable[[], CloudEvent]) -> None:
    assert held_after([tender_launched(), closing()]) == {}


def opened(deadline: datetime = CLOSE) -> CloudEvent:
    payload = catalog.CatalogVersionOpenedV1(
        period="2027H2",
        effective_from=date(2027, 7, 1),
        effective_to=date(2027, 12, 31),
        submission_deadline=deadline,
        actor=by("HQ"),
    )
    return event("cat-2", payload, 1)


def submitted(platform: str) -> CloudEvent:
    payload = catalog.CatalogEntriesSubmittedV1(
        platform_unit_id=platform, entries=[], actor=by(platform)
    )
    return event("cat-2", payload, 2)


def published() -> CloudEvent:
    payload = catalog.CatalogVersionPublishedV1(
        period="2027H2",
        effective_from=date(2027, 7, 1),
        effective_to=date(2027, 12, 31),
        replaces=None,
        entry_count=0,
        actor=by("HQ"),
    )
    return event("cat-2", payload, 3)


def test_a_catalog_opening_sets_the_deadline_of_every_sector_platform_and_nobody_else() -> None:
    # The directory's platforms submit (PWR, COAL); the group and the enterprises do not.
    assert held_after([opened()]) == {
        (CATALOG_SUBMISSION, "cat-2", "COAL"): CLOSE,
        (CATALOG_SUBMISSION, "cat-2", "PWR"): CLOSE,
    }


def test_a_platform_that_submitted_has_acted_and_publication_clears_the_rest() -> None:
    assert held_after([opened(), submitted("PWR")]) == {
        (CATALOG_SUBMISSION, "cat-2", "COAL"): CLOSE
    }
    assert held_after([opened(), submitted("PWR"), published()]) == {}


def rectified() -> CloudEvent:
    payload = inspections.InspectionFindingRectifiedV1(
        unit_id=OTHER_MATCH, evidence="Rules adopted.", late=False, actor=by(OTHER_MATCH)
    )
    return event("fnd-1", payload, 2)


def test_a_finding_must_be_rectified_by_the_end_of_its_day_in_the_groups_zone() -> None:
    # rectify_by 2027-06-30: the day ends at midnight in Shanghai, 16:00 UTC.
    due = datetime(2027, 6, 30, 16, 0, tzinfo=UTC)
    assert held_after([finding_recorded()]) == {(RECTIFICATION, "fnd-1", OTHER_MATCH): due}
    assert held_after([finding_recorded(), rectified()]) == {}
    assert end_of_day(date(2027, 6, 30), UTC) == datetime(2027, 7, 1, tzinfo=UTC)


def test_events_of_other_kinds_set_and_clear_nothing() -> None:
    assert held_after([need_posted()]) == {}
    # A bid on another tender leaves this one's deadlines alone.
    other = bid_received(MATCHED, 2).model_copy(update={"subject": "ten-2"})
    assert held_after([tender_launched(), other]) == held_after([tender_launched()])


def test_a_reminder_is_due_within_the_lead_and_never_once_the_deadline_passed() -> None:
    assert action(CLOSE, CLOSE - LEAD - timedelta(seconds=1), LEAD) == "wait"
    assert action(CLOSE, CLOSE - LEAD, LEAD) == "remind"
    assert action(CLOSE, CLOSE - timedelta(seconds=1), LEAD) == "remind"
    assert action(CLOSE, CLOSE, LEAD) == "skip"
    assert action(CLOSE, CLOSE + timedelta(days=3), LEAD) == "skip"


BID_DEADLINE = Deadline(BID, "ten-1", MATCHED, CLOSE, {"need_id": "need-1", "item_code": "PIPE"})


def test_a_reminder_has_the_same_id_for_the_same_deadline_whenever_it_is_made() -> None:
    now = CLOSE - timedelta(hours=20)
    first = reminder_event(BID_DEADLINE, now, 7)
    again = reminder_event(BID_DEADLINE, now + timedelta(minutes=5), 90)
    assert first.id == again.id == reminder_id(BID_DEADLINE)
    # The same moment in another zone is the same deadline.
    shanghai = Deadline(BID, "ten-1", MATCHED, CLOSE.astimezone(SHANGHAI), BID_DEADLINE.facts)
    assert reminder_id(shanghai) == first.id
    other_unit = Deadline(BID, "ten-1", OTHER_MATCH, CLOSE, BID_DEADLINE.facts)
    moved = Deadline(BID, "ten-1", MATCHED, CLOSE + timedelta(hours=1), BID_DEADLINE.facts)
    assert len({first.id, reminder_id(other_unit), reminder_id(moved)}) == 3


def test_a_reminder_names_its_deadline_and_subject_and_reads_back() -> None:
    now = CLOSE - timedelta(hours=20)
    reminder = reminder_event(BID_DEADLINE, now, 7)
    assert reminder.type == "marketplace.reminder.bid_deadline.v1"
    assert (reminder.subject, reminder.time, reminder.sequence) == ("ten-1", now, 7)
    assert reminder.data == {
        "deadline": "bid",
        "tender_id": "ten-1",
        "unit_id": MATCHED,
        "due": "2027-03-08T09:00:00+00:00",
        "need_id": "need-1",
        "item_code": "PIPE",
    }
    back = reminder_of(CloudEvent.from_bytes(reminder.to_bytes()))
    assert (back.deadline, back.subject, back.unit_id, back.due) == ("bid", "ten-1", MATCHED, CLOSE)
    assert back.item_code == "PIPE"


def reminders() -> list[CloudEvent]:
    finding_due = end_of_day(date(2027, 3, 8), SHANGHAI)
    deadlines = [
        BID_DEADLINE,
        Deadline(CATALOG_SUBMISSION, "cat-2", "PWR", CLOSE, {"period": "2027H2"}),
        Deadline(
            RECTIFICATION,
            "fnd-1",
            OTHER_MATCH,
            finding_due,
            {"issue": "incomplete_rules", "rectify_by": "2027-03-08"},
        ),
    ]
    return [reminder_event(d, d.due - timedelta(hours=20), 7) for d in deadlines]


def test_every_reminder_type_is_written_in_both_languages_with_its_subject() -> None:
    made = reminders()
    assert {r.type for r in made} == REMINDER_TYPES
    for reminder in made:
        zh, en = render(reminder, "zh-CN"), render(reminder, "en")
        for text in (zh, en):
            assert reminder.subject in text.title + text.body
            assert not re.search(r"[{}]", text.title + text.body), text
            assert "20" in text.body  # the hours left
        assert CJK.search(zh.title) and CJK.search(zh.body)
        assert not CJK.search(en.title + en.body), en


def test_the_texts_say_the_deadline_in_the_groups_time_and_the_hours_left() -> None:
    bid, catalog_reminder, finding = reminders()
    assert "2027-03-08 17:00（UTC+08:00）" in render(bid, "zh-CN").body
    assert "close at 2027-03-08 17:00 (UTC+08:00), in about 20 h" in render(bid, "en").body
    assert "Submissions to the 2027H2 catalog" in render(catalog_reminder, "en").body
    en = render(finding, "en")
    assert "by the end of 2027-03-08" in en.body and "incomplete" in en.body
    assert "须于 2027-03-08 当日结束前完成整改" in render(finding, "zh-CN").body
