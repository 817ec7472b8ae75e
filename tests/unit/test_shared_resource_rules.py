"""Shared resources' rules (pure domain): windows in whole hours, days and months of the group's
time zone; overlapping bookings summed moment by moment against what the resource has (partial
overlaps, quantities above one); cancel before the start, hand over, take back, withdraw; and
the read models' reducers on the events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.aggregates.booking import booking_id_of, resource_of_booking
from marketplace.aggregates.booking_window import Stretch, WindowError, duration_in, usage
from marketplace.aggregates.shared_resource import SharedResource
from marketplace.events.wire import to_cloud_event
from marketplace.projections import resource_calendar, resource_list
from marketplace.projections.changes import Increment, Upsert
from tests.unit.org_fixtures import ACTOR, at

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def day(d: int, month: int = 3, hour: int = 0, zone: Any = SHANGHAI) -> datetime:
    return datetime(2027, month, d, hour, tzinfo=zone)


def listed(
    uom: str = "day", available: str = "1", rate: str = "1800.00", resource_id: str = "res_1"
) -> SharedResource:
    return SharedResource.list_for_sharing(
        resource_id, "ENG-02", "equipment", "Excavator", uom, Decimal(rate), Decimal(available),
        ACTOR, at(0),
    )  # fmt: skip


def book(
    r: SharedResource, start: datetime, end: datetime, quantity: str = "1", unit: str = "ENG-01"
) -> Any:
    return r.book(unit, start, end, Decimal(quantity), SHANGHAI, f"con_{len(r.bookings) + 1}",
                  ACTOR, at(1))  # fmt: skip


def refused(code: str, act: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        act()
    assert info.value.code == code
    return info.value


# ----- windows in units of time -----------------------------------------------------------


def test_durations_in_hours_days_and_months() -> None:
    assert duration_in("hour", day(1, hour=8), day(1, hour=17), SHANGHAI) == 9
    assert duration_in("day", day(1), day(5), SHANGHAI) == 4
    assert duration_in("day", day(28, 2), day(2), SHANGHAI) == 2  # across February's end
    assert duration_in("month", day(1, 1), day(1, 4), SHANGHAI) == 3
    assert duration_in("month", day(1, 11), datetime(2028, 2, 1, tzinfo=SHANGHAI), SHANGHAI) == 3
    # A day given in UTC is the group's midnight when it is one there.
    assert duration_in("day", datetime(2027, 2, 28, 16, tzinfo=UTC), day(3), SHANGHAI) == 2


def test_days_and_hours_across_a_clock_change() -> None:
    # Berlin skips 02:00-03:00 on 28 March 2027: that day has 23 hours, still one day.
    assert duration_in("day", day(27, zone=BERLIN), day(29, zone=BERLIN), BERLIN) == 2
    assert duration_in("hour", day(28, zone=BERLIN), day(28, hour=6, zone=BERLIN), BERLIN) == 5


@pytest.mark.parametrize(
    ("uom", "start", "end", "field"),
    [
        ("hour", day(1, hour=8) + timedelta(minutes=30), day(1, hour=10), "from"),
        ("hour", day(1, hour=8), day(1, hour=10) + timedelta(seconds=1), "to"),
        ("day", day(1, hour=8), day(3), "from"),
        ("day", day(1), day(3, hour=12), "to"),
        ("month", day(2), day(1, 4), "from"),
        ("month", day(1), day(15, 4), "to"),
        ("day", day(3), day(3), "to"),
        ("day", day(3), day(1), "to"),
    ],
)
def test_a_window_off_the_units_boundaries_names_its_bound(
    uom: str, start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(WindowError) as info:
        duration_in(uom, start, end, SHANGHAI)
    assert info.value.field == field


# ----- what is booked when ------------------------------------------------------------------


def test_usage_cuts_where_bookings_start_and_end_and_joins_equal_neighbours() -> None:
    one, two = Decimal(1), Decimal(2)
    windows = [(day(2), day(5), one), (day(4), day(8), two), (day(8), day(9), Decimal(3))]
    assert usage(windows, day(1), day(10)) == [
        Stretch(day(1), day(2), Decimal(0)),
        Stretch(day(2), day(4), one),
        Stretch(day(4), day(5), Decimal(3)),
        Stretch(day(5), day(8), two),
        Stretch(day(8), day(9), Decimal(3)),
        Stretch(day(9), day(10), Decimal(0)),
    ]
    # Only what falls inside the span, clipped to it; back-to-back equal bookings are one.
    assert usage([(day(1), day(3), one), (day(3), day(6), one)], day(2), day(4)) == [
        Stretch(day(2), day(4), one)
    ]
    assert usage([], day(1), day(2)) == [Stretch(day(1), day(2), Decimal(0))]


def test_a_booking_is_a_contract_amount_of_rate_duration_and_quantity() -> None:
    r = listed(available="3")
    b = book(r, day(1), day(5), "2")
    assert (b.booking_id, b.duration, b.quantity, b.amount) == (
        "res_1-B1",
        4,
        2,
        Decimal("14400.00"),
    )
    assert b.starts_at == day(1).astimezone(UTC) and b.ends_at.tzinfo is UTC
    assert b.status == "booked" and b.contract_id == "con_1"


def test_overlaps_beyond_the_quantity_are_refused_with_the_conflict_and_what_is_free() -> None:
    r = listed(available="3")
    book(r, day(1), day(5), "2")
    book(r, day(4), day(8), "1")  # partial overlap: 3 of 3 on the 4th
    book(r, day(5), day(8), "1")  # back to back with the first: 2 of 3 from the 5th
    refusal = refused("resource_unavailable", lambda: book(r, day(3), day(6), "1"))
    conflicts = [(c["from"], c["to"], c["booked"], c["free"]) for c in refusal.details["conflicts"]]
    utc = [day(d).astimezone(UTC).isoformat() for d in (4, 5)]  # the resource keeps UTC
    assert conflicts == [(*utc, "3", "0")]
    assert [(f["booked"], f["free"]) for f in refusal.details["free"]] == [
        ("2", "1"), ("3", "0"), ("2", "1")
    ]  # fmt: skip
    assert refusal.details["requested_quantity"] == "1"
    book(r, day(5), day(6), "1")  # what is left after the overlap fits
    refused("resource_unavailable", lambda: book(r, day(5), day(6), "1"))
    refused("resource_unavailable", lambda: book(r, day(10), day(11), "4"))  # more than it has
    book(r, day(8), day(9), "3")  # the window after the others: all of it free
    assert len(r.bookings) == 5


def test_quantities_are_decimals() -> None:
    r = listed(uom="hour", available="1.5", rate="320.00")
    book(r, day(1, hour=8), day(1, hour=12), "0.75")
    book(r, day(1, hour=10), day(1, hour=14), "0.75")
    refused("resource_unavailable", lambda: book(r, day(1, hour=11), day(1, hour=12), "0.0001"))
    assert r.booking("res_1-B2").amount == Decimal("960.00")  # 320 * 4 h * 0.75


def test_a_cancelled_booking_frees_its_window() -> None:
    r = listed()
    book(r, day(10), day(12))
    refused("resource_unavailable", lambda: book(r, day(11), day(13)))
    r.cancel_booking("res_1-B1", "Plans changed.", ACTOR, day(9))
    assert book(r, day(11), day(13)).booking_id == "res_1-B2"


def test_the_owner_does_not_book_its_own_and_a_withdrawn_resource_takes_none() -> None:
    r = listed()
    refused("self_supply", lambda: book(r, day(1), day(2), unit="ENG-02"))
    b = book(r, day(1), day(2))
    r.withdraw("Sold.", ACTOR, at(2))
    refused("resource_withdrawn", lambda: book(r, day(3), day(4)))
    refused("resource_withdrawn", lambda: r.withdraw("Again.", ACTOR, at(3)))
    assert r.booking(b.booking_id).status == "booked"  # made before: it stands


def test_an_amount_rounding_to_nothing_is_bad_input() -> None:
    r = listed(rate="0.01")
    with pytest.raises(WindowError) as info:
        book(r, day(1), day(2), "0.1")
    assert info.value.field == "quantity"


# ----- after the booking ------------------------------------------------------------------


def test_cancelled_only_before_the_start_and_before_a_handover() -> None:
    r = listed()
    b = book(r, day(10), day(12))
    refused("booking_started", lambda: r.cancel_booking(b.booking_id, "x", ACTOR, day(10)))
    r.hand_over(b.booking_id, "Full tank.", ACTOR, day(9))
    refused("booking_status", lambda: r.cancel_booking(b.booking_id, "x", ACTOR, day(9)))
    refused("booking_status", lambda: r.hand_over(b.booking_id, "Again.", ACTOR, day(9)))
    with pytest.raises(RecordNotFound):
        r.booking("res_1-B9")


def test_handed_over_then_taken_back_with_damage() -> None:
    r = listed()
    b = book(r, day(10), day(12))
    refused("booking_status", lambda: r.take_back(b.booking_id, "x", None, None, ACTOR, day(11)))
    r.hand_over(b.booking_id, "Tracks fine.", ACTOR, day(10))
    back = r.take_back(b.booking_id, "Bucket bent.", "Bucket tooth broken.", "inc_1", ACTOR,
                       day(12))  # fmt: skip
    assert (back.status, back.damaged, back.incident_id) == ("returned", True, "inc_1")
    assert (back.handover_condition, back.return_condition) == ("Tracks fine.", "Bucket bent.")
    refused("booking_status", lambda: r.take_back(b.booking_id, "x", None, None, ACTOR, day(12)))
    # A returned booking keeps its window: it was paid for.
    refused("resource_unavailable", lambda: book(r, day(11), day(12)))


def test_a_booking_id_names_its_resource() -> None:
    assert resource_of_booking(booking_id_of("res_0007", 3)) == "res_0007"
    assert resource_of_booking("res-B-x") is None
    assert resource_of_booking("con_0001") is None


def resource_cycle() -> list[Any]:
    """Every public resource event: two bookings (one cancelled, one handed over and returned
    damaged), then the resource withdrawn."""
    r = listed(available="2")
    kept = book(r, day(10), day(12), "2")
    dropped = book(r, day(20), day(21))
    r.cancel_booking(dropped.booking_id, "Not needed.", ACTOR, day(9))
    r.hand_over(kept.booking_id, "Clean.", ACTOR, day(10))
    r.take_back(kept.booking_id, "Dented.", "Dented boom.", "inc_1", ACTOR, day(12))
    r.withdraw("Sold.", ACTOR, day(13))
    return list(r.collect_events())


def test_the_reducers_list_the_resource_and_its_calendar() -> None:
    events = [to_cloud_event(e, i) for i, e in enumerate(resource_cycle(), 1)]
    listing = [c for e in events for c in resource_list.apply(e)]
    assert [type(c) for c in listing] == [Upsert, Increment, Increment, Increment, Upsert]
    assert [c.amounts["bookings"] for c in listing if isinstance(c, Increment)] == [1, 1, -1]
    assert listing[-1].values == {"status": "withdrawn"}  # type: ignore[union-attr]
    calendar = [c for e in events for c in resource_calendar.apply(e)]
    statuses = [
        (c.key["booking_id"], c.values["status"])
        for c in calendar
        if isinstance(c, Upsert) and c.table == resource_calendar.BOOKINGS.name
    ]
    assert statuses == [
        ("res_1-B1", "booked"), ("res_1-B2", "booked"), ("res_1-B2", "cancelled"),
        ("res_1-B1", "handed_over"), ("res_1-B1", "returned"),
    ]  # fmt: skip
    returned = calendar[-2]
    assert isinstance(returned, Upsert) and returned.values["incident_id"] == "inc_1"
