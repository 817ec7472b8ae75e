"""Routing: who is notified of each public event, the parties a subject's events accumulate,
and the directory facts unit events carry (pure, no I/O)."""

from __future__ import annotations

from functools import reduce
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.events.envelope import CloudEvent
from marketplace.events.public import units as u
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.notifications.routing import (
    LANGUAGE_CHANGED,
    ROUTED_TYPES,
    Parties,
    Routed,
    UnitFacts,
    approver_of,
    group_above,
    route,
)
from tests.unit.notification_cases import NEED, ROUTED, TENDER, UNROUTED, Case
from tests.unit.notification_events import (
    DEMAND,
    MATCHED,
    OTHER_MATCH,
    POOL_LEAD,
    RESOURCE_OWNER,
    UNITS,
    UNMATCHED,
    bid_received,
    booking_cancelled,
    by,
    event,
    framework_created,
    framework_signed,
    meeting_scheduled,
    need_posted,
    offer_received,
    offer_submitted,
    offer_withdrawn,
    period_closed,
    pool_joined,
    pool_launched,
    pool_opened,
    request_filed,
    resource_booked,
    resource_listed,
    resource_returned,
    resource_withdrawn,
    tender_launched,
    visit_planned,
)


@pytest.mark.parametrize("case", ROUTED, ids=lambda c: c.id)
def test_each_routed_event_reaches_exactly_the_units_the_contract_names(case: Case) -> None:
    routed = route(case.event, case.before, UNITS)
    assert routed.recipients == case.recipients
    assert routed.parties >= case.before
    assert routed.unit is None


def test_the_cases_cover_every_routed_type_and_only_public_ones() -> None:
    assert {case.event.type for case in ROUTED} == ROUTED_TYPES
    assert set(PUBLIC_TYPES) >= ROUTED_TYPES


@pytest.mark.parametrize("unrouted", UNROUTED, ids=lambda e: e.type)
def test_events_another_event_of_the_act_covers_reach_nobody(unrouted: CloudEvent) -> None:
    everyone = NEED | TENDER | {("offerer", MATCHED), ("supplier", MATCHED)}
    assert unrouted.type not in ROUTED_TYPES
    assert route(unrouted, everyone, UNITS).recipients == ()


def test_an_award_reaches_each_losing_supplier_through_its_own_offer_only() -> None:
    """need.awarded names the winner and its amount: no losing offerer may read that."""
    award = UNROUTED[0]
    assert award.type == "marketplace.need.awarded.v1" and award.data["amount"]
    assert route(award, NEED | {("offerer", OTHER_MATCH)}, UNITS).recipients == ()


def test_a_matched_need_never_reaches_the_demand_unit_or_an_unmatched_unit() -> None:
    routed = route(need_posted(suppliers=(MATCHED,)), frozenset(), UNITS)
    assert routed.recipients == (MATCHED,)
    assert routed.parties == {("demand", DEMAND), ("matched", MATCHED)}


def test_a_replacing_bid_leaves_the_count_and_notifies_nobody() -> None:
    replacing = bid_received(MATCHED, 3, replaces="bid-2")
    assert route(replacing, TENDER, UNITS).recipients == ()


def test_external_bids_are_counted_but_name_no_unit_to_notify_later() -> None:
    routed = route(bid_received("external:Acme Pipes Ltd", 2), TENDER, UNITS)
    assert routed.recipients == (DEMAND,)
    assert routed.parties == TENDER


@pytest.mark.parametrize(
    ("demand", "approver"),
    [(DEMAND, "PWR"), ("PWR-01-A", "PWR"), ("PWR", "HQ"), ("HQ", "HQ"), ("UNKNOWN", None)],
)
def test_the_approver_of_buying_outside_is_the_platform_above_else_hq(
    demand: str, approver: str | None
) -> None:
    assert approver_of(demand, UNITS) == approver


def test_a_request_of_an_unknown_demand_unit_reaches_nobody_rather_than_guessing() -> None:
    case = next(c for c in ROUTED if c.event.type.endswith("external_sourcing_requested.v1"))
    assert route(case.event, frozenset({("demand", "UNKNOWN")}), UNITS).recipients == ()


# The directory: unit events carry the facts routing and texts need.


def unit_event(payload: u.Payload, name: str | None = None) -> CloudEvent:
    return event("organisation", payload, 9, name)


def test_a_registered_unit_enters_the_directory_in_the_default_language() -> None:
    registered = unit_event(
        u.UnitRegisteredV1(
            unit_id="HEAT",
            name="Heat",
            level="platform",
            parent_id="HQ",
            sector="heat",
            actor=by("HQ"),
        )
    )
    assert route(registered, frozenset(), UNITS) == Routed(
        (), frozenset(), UnitFacts("HEAT", "HQ", "platform", "zh-CN")
    )


def test_a_moved_unit_keeps_its_language_under_its_new_parent() -> None:
    moved = unit_event(
        u.UnitMovedV1(unit_id=MATCHED, parent_id="COAL", previous_parent_id="PWR", actor=by("HQ"))
    )
    assert route(moved, frozenset(), UNITS).unit == UnitFacts(MATCHED, "COAL", "enterprise", "en")


def test_a_language_change_is_read_by_its_type_name() -> None:
    changed = CloudEvent.model_validate(
        {
            **unit_event(u.UnitDeactivatedV1(unit_id=DEMAND, actor=by("HQ"))).model_dump(),
            "type": LANGUAGE_CHANGED,
            "dataschema": f"urn:marketplace:schema:{LANGUAGE_CHANGED}",
            "data": {
                "unit_id": DEMAND,
                "language": "en",
                "previous_language": "zh-CN",
                "actor": {"unit_id": "HQ", "token_id": "tok_1"},
            },
        }
    )
    assert route(changed, frozenset(), UNITS).unit == UnitFacts(DEMAND, "PWR", "enterprise", "en")


@pytest.mark.parametrize(
    "payload",
    [
        u.UnitRenamedV1(unit_id=DEMAND, name="N", previous_name="O", actor=by("HQ")),
        u.UnitDeactivatedV1(unit_id=DEMAND, actor=by("HQ")),
        u.UnitMovedV1(unit_id="NEW-9", parent_id="PWR", previous_parent_id=None, actor=by("HQ")),
    ],
    ids=["renamed", "deactivated", "unknown unit"],
)
def test_other_unit_events_leave_the_directory_facts_alone(payload: u.Payload) -> None:
    assert route(unit_event(payload), frozenset(), UNITS) == Routed((), frozenset(), None)


# Folding a subject's events: parties accumulate, and each event still reaches only its units.


def fold(events: list[CloudEvent]) -> tuple[Parties, list[Routed]]:
    def step(acc: tuple[Parties, list[Routed]], e: CloudEvent) -> tuple[Parties, list[Routed]]:
        routed = route(e, acc[0], UNITS)
        return routed.parties, [*acc[1], routed]

    return reduce(step, events, (frozenset(), []))


suppliers = st.sampled_from([MATCHED, OTHER_MATCH, UNMATCHED, "PWR-01-A"])


@given(
    matched=st.lists(st.sampled_from([MATCHED, OTHER_MATCH, "PWR-01-A"]), unique=True),
    offers=st.lists(st.tuples(suppliers, st.booleans()), max_size=8),
)
def test_a_needs_events_accumulate_its_parties_and_reach_only_its_own_units(
    matched: list[str], offers: list[tuple[str, bool]]
) -> None:
    events = [need_posted(suppliers=tuple(matched))]
    for i, (supplier, withdrawn) in enumerate(offers):
        events.append(offer_received(supplier, f"off-{i}", len(events) + 1))
        if withdrawn:
            events.append(offer_withdrawn(supplier, f"off-{i}", len(events) + 1))
    parties, routed = fold(events)

    assert parties == {("demand", DEMAND)} | {("matched", s) for s in matched} | {
        ("offerer", s) for s, _ in offers
    }
    assert all(a.parties <= b.parties for a, b in pairwise(routed))
    assert routed[0].recipients == tuple(sorted(matched))
    # Offers come and go to the demand side only: no supplier hears of another's offer.
    assert all(r.recipients == (DEMAND,) for r in routed[1:])


@given(
    invitees=st.lists(st.sampled_from([MATCHED, OTHER_MATCH, UNMATCHED]), min_size=1, unique=True),
    bidders=st.lists(st.sampled_from([MATCHED, OTHER_MATCH, UNMATCHED, "external:Acme"])),
)
def test_a_tenders_award_reaches_every_internal_bidder_and_no_other_invitee(
    invitees: list[str], bidders: list[str]
) -> None:
    award = next(c.event for c in ROUTED if c.event.type == "marketplace.tender.awarded.v1")
    bids = [bid_received(b, i + 2) for i, b in enumerate(bidders)]
    parties, routed = fold([tender_launched(tuple(invitees)), *bids])
    internal = {b for b in bidders if not b.startswith("external:")}

    assert routed[0].recipients == tuple(sorted(invitees))
    assert route(award, parties, UNITS).recipients == tuple(sorted(internal))


def test_an_offer_subject_learns_both_sides_from_its_submission() -> None:
    parties, routed = fold([offer_submitted("off-7", UNMATCHED)])
    assert routed[0].recipients == ()
    assert parties == {("demand", DEMAND), ("supplier", UNMATCHED)}


# Coordination: meetings, requests and visits.


def test_an_ad_hoc_meeting_reaches_the_platform_that_asked_for_it() -> None:
    """Accepting a request invites the requester (MeetingRequest.accept): it hears of both."""
    ad_hoc = meeting_scheduled(("COAL",), request_id="mrq-1")
    assert route(ad_hoc, frozenset(), UNITS).recipients == ("COAL",)


def test_a_meeting_request_reaches_hq_and_its_answer_the_requester_only() -> None:
    answer = next(c.event for c in ROUTED if c.event.type.endswith("meeting_request.declined.v1"))
    parties, routed = fold([request_filed("PWR"), answer])
    assert [r.recipients for r in routed] == [("HQ",), ("PWR",)]
    assert parties == {("requester", "PWR")}


@pytest.mark.parametrize(
    ("unit", "group"), [("COAL", "HQ"), ("PWR-01-A", "HQ"), ("HQ", "HQ"), ("UNKNOWN", None)]
)
def test_the_group_above_a_unit_is_the_top_of_its_chart(unit: str, group: str | None) -> None:
    assert group_above(unit, UNITS) == group


def test_a_request_of_a_platform_the_directory_does_not_know_reaches_nobody() -> None:
    assert route(request_filed("UNKNOWN"), frozenset(), UNITS).recipients == ()


def test_a_visit_held_or_called_off_reaches_the_units_its_plan_named() -> None:
    held = next(c.event for c in ROUTED if c.event.type == "marketplace.visit.held.v1")
    cancelled = next(c.event for c in ROUTED if c.event.type == "marketplace.visit.cancelled.v1")
    _, routed = fold([visit_planned(), held])
    assert routed[0].recipients == routed[1].recipients == (OTHER_MATCH, DEMAND, MATCHED)
    _, routed = fold([visit_planned(), cancelled])
    assert routed[1].recipients == (OTHER_MATCH, DEMAND, MATCHED)


def test_minutes_reach_the_attendees_not_every_invitee() -> None:
    minutes = next(c for c in ROUTED if c.event.type.endswith("minutes_recorded.v1"))
    _, routed = fold([meeting_scheduled(("PWR", "COAL")), minutes.event])
    assert "COAL" in routed[0].recipients and "COAL" not in routed[1].recipients


# Trade forms: the unit that must act or whose obligations changed, never the actor's own.


def activated(version: int, actor: str) -> CloudEvent:
    return next(
        c.event for c in ROUTED if c.event.type == "marketplace.framework.activated.v1"
    ).model_copy(
        update={
            "id": f"fwk-1/{version}",
            "aggregateversion": version,
            "data": {"actor": by(actor).model_dump()},
        }
    )


def test_each_signature_asks_the_other_party_and_the_last_one_tells_it_of_the_activation() -> None:
    parties, routed = fold(
        [
            framework_created(),
            framework_signed(OTHER_MATCH, 2),
            framework_signed(DEMAND, 3),
            activated(4, DEMAND),
        ]
    )
    assert [r.recipients for r in routed] == [(OTHER_MATCH,), (DEMAND,), (), (OTHER_MATCH,)]
    assert parties == {
        ("demand", DEMAND),
        ("supply", OTHER_MATCH),
        ("signed", DEMAND),
        ("signed", OTHER_MATCH),
    }


def test_an_agreement_a_superior_draws_up_and_signs_for_both_reaches_both_parties() -> None:
    """HQ acts for both: neither party acted, so each hears what it is bound to."""
    _, routed = fold(
        [
            framework_created(actor="HQ"),
            framework_signed(DEMAND, 2, actor="HQ"),
            framework_signed(OTHER_MATCH, 3, actor="HQ"),
            activated(4, "HQ"),
        ]
    )
    both = (OTHER_MATCH, DEMAND)
    assert [r.recipients for r in routed] == [both, (OTHER_MATCH,), (), both]


@pytest.mark.parametrize(
    ("shortfall_pct", "incident", "completed", "recipients"),
    [
        ("20", "inc-7", False, (OTHER_MATCH,)),
        ("20", None, False, (OTHER_MATCH,)),  # nothing called off: no contract for an incident
        ("5", None, False, ()),  # within the tolerance: nothing for the supplier to do
        ("0", None, True, (OTHER_MATCH,)),  # the last period: the agreement is completed
    ],
)
def test_a_closed_period_reaches_the_supplier_when_short_past_the_tolerance_or_the_last(
    shortfall_pct: str, incident: str | None, completed: bool, recipients: tuple[str, ...]
) -> None:
    _, routed = fold([framework_created(), period_closed(shortfall_pct, incident, completed)])
    assert routed[1].recipients == recipients


def test_a_pools_shares_reach_its_lead_and_its_launch_every_member() -> None:
    parties, routed = fold(
        [
            pool_opened(),
            pool_joined(DEMAND, 2),
            pool_joined("PWR-01-A", 3, actor=POOL_LEAD),  # the lead added it: it knows
            pool_joined(MATCHED, 4),
            pool_launched(),
        ]
    )
    assert [r.recipients for r in routed] == [
        (),
        (POOL_LEAD,),
        (),
        (POOL_LEAD,),
        (DEMAND, "PWR-01-A", MATCHED),
    ]
    assert parties == {("lead", POOL_LEAD)}


def test_a_booking_reaches_the_owner_and_each_step_the_other_side() -> None:
    parties, routed = fold(
        [
            resource_listed(),
            resource_booked(DEMAND, 1, 2),
            resource_booked(MATCHED, 2, 3),
            booking_cancelled(DEMAND, 1, 4, actor=DEMAND),
            resource_returned(MATCHED, 2, 5),
        ]
    )
    owner = (RESOURCE_OWNER,)
    assert [r.recipients for r in routed] == [(), owner, owner, owner, owner]
    assert {role for role, _ in parties} == {
        "owner",
        "booking res-1-B1",
        "ended res-1-B1",
        "booking res-1-B2",
        "ended res-1-B2",
    }


def test_a_cancellation_by_a_unit_above_both_sides_reaches_both() -> None:
    _, routed = fold([resource_listed(), resource_booked(), booking_cancelled(DEMAND, 1, 3, "HQ")])
    assert routed[2].recipients == (RESOURCE_OWNER, DEMAND)


def test_a_withdrawal_reaches_the_units_whose_bookings_stand_only() -> None:
    """PWR-01's first booking was cancelled and PWR-02's returned: only PWR-01's second and
    PWR-01-A's stand."""
    events = [
        resource_listed(),
        resource_booked(DEMAND, 1, 2),
        resource_booked(MATCHED, 2, 3),
        resource_booked(DEMAND, 3, 4),
        resource_booked("PWR-01-A", 4, 5),
        booking_cancelled(DEMAND, 1, 6, actor=RESOURCE_OWNER),
        resource_returned(MATCHED, 2, 7),
        resource_withdrawn(8),
    ]
    _, routed = fold(events)
    assert routed[-1].recipients == (DEMAND, "PWR-01-A")
    assert route(resource_withdrawn(2), frozenset(), UNITS).recipients == ()
