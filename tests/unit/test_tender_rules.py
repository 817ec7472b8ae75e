"""Tenders: invitation compliance at launch, bidding windows, sealed opening, ranking, award."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.bid import commitment
from marketplace.aggregates.ranking import OpenedBid, rank_bids
from marketplace.aggregates.tender import Tender, TenderStatus
from tests.unit.org_fixtures import ACTOR

T = datetime(2027, 3, 1, 9, tzinfo=UTC)
DEADLINE = T + timedelta(days=7)
AFTER = DEADLINE + timedelta(seconds=1)
DEMAND = {"demand_unit_id": "COAL-01", "demand_platform_id": "COAL", "demand_sector": "coal"}


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(DomainError) as info:
        yield
    assert info.value.code == code


def launch(invitees: list[str], filing: str | None = None, margin: str = "0") -> Tender:
    return Tender.launch(
        "ten-1",
        "need-1",
        DEMAND,
        "STEAM-LP",
        "cat-1",
        ["HEAT-02", "PWR-01"],
        invitees,
        filing,
        DEADLINE,
        "lowest_price",
        Decimal(margin),
        ACTOR,
        T,
    )


def test_inviting_every_catalog_supplier_is_compliant() -> None:
    tender = launch(["HEAT-02", "PWR-01", "SVC-01"])
    assert tender.compliance == "compliant" and tender.missing_catalog_suppliers == []


def test_leaving_one_out_is_refused_unless_filed() -> None:
    with pytest.raises(DomainError) as info:
        launch(["HEAT-02"])
    assert info.value.code == "catalog_suppliers_not_invited"
    assert info.value.details["missing_catalog_suppliers"] == ["PWR-01"]
    tender = launch(["HEAT-02"], filing="PWR-01 is in overhaul until May")
    assert tender.compliance == "exception_filed"
    assert tender.omission_filing == "PWR-01 is in overhaul until May"


def test_the_demand_unit_cannot_invite_itself_and_the_deadline_is_ahead() -> None:
    with refused("self_supply"):
        launch(["HEAT-02", "PWR-01", "COAL-01"])
    with refused("bid_deadline_in_past"):
        Tender.launch(
            "t", "n", DEMAND, "X", None, [], [], None, T, "lowest_price", Decimal(0), ACTOR, T
        )


def test_bids_count_until_the_deadline_and_the_latest_of_a_bidder_counts() -> None:
    tender = launch(["HEAT-02", "PWR-01"])
    tender.record_bid("b1", "HEAT-02", True, ACTOR, T)
    tender.record_bid("b2", "HEAT-02", True, ACTOR, DEADLINE)
    assert tender.current_bids == {"HEAT-02": "b2"} and tender.bid_count == 1
    with refused("bid_deadline_passed"):
        tender.record_bid("b3", "PWR-01", True, ACTOR, AFTER)


def test_opening_waits_for_the_deadline() -> None:
    tender = launch(["HEAT-02", "PWR-01"])
    with refused("bid_deadline_not_reached"):
        tender.open_bids([], ACTOR, DEADLINE)


def bids(*specs: tuple[str, bool, str]) -> list[OpenedBid]:
    return [
        OpenedBid(f"b-{name}", name, internal, Decimal(amount)) for name, internal, amount in specs
    ]


def order(places: list) -> list[str]:  # type: ignore[type-arg]
    return [p.bid.bidder for p in places]


def test_lowest_amount_first_without_margin() -> None:
    places = rank_bids(
        bids(("ext", False, "100"), ("int", True, "103"), ("int2", True, "99")), Decimal(0)
    )
    assert order(places) == ["int2", "ext", "int"]
    assert places[0].reason == "lowest amount"


def test_an_internal_bid_within_the_margin_ranks_above_the_best_external() -> None:
    places = rank_bids(
        bids(("ext", False, "100"), ("ext2", False, "103"), ("int", True, "104")), Decimal(5)
    )
    assert order(places) == ["int", "ext", "ext2"]
    assert "within 5% of the best external bid" in places[0].reason
    outside = rank_bids(bids(("ext", False, "100"), ("int", True, "106")), Decimal(5))
    assert order(outside) == ["ext", "int"]


def test_ties_go_to_the_internal_bidder() -> None:
    places = rank_bids(bids(("ext", False, "100.00"), ("int", True, "100.00")), Decimal(0))
    assert order(places) == ["int", "ext"]
    assert "tie" in places[0].reason


def test_only_internal_or_only_external_bids_rank_by_amount() -> None:
    assert order(rank_bids(bids(("a", True, "5"), ("b", True, "4")), Decimal(10))) == ["b", "a"]
    assert order(rank_bids(bids(("a", False, "5"), ("b", False, "4")), Decimal(10))) == ["b", "a"]


def opened(margin: str = "0") -> Tender:
    tender = launch(["HEAT-02", "PWR-01"], margin=margin)
    tender.record_bid("b-int", "HEAT-02", True, ACTOR, T)
    tender.record_bid("b-ext", "external:Outside Steam", False, ACTOR, T)
    revealed = [
        (
            OpenedBid("b-int", "HEAT-02", True, Decimal("103")),
            "n1",
            commitment(Decimal("103"), "n1"),
        ),
        (
            OpenedBid("b-ext", "external:Outside Steam", False, Decimal("100")),
            "n2",
            commitment(Decimal("100"), "n2"),
        ),
    ]
    tender.open_bids(revealed, ACTOR, AFTER)
    return tender


def test_awarding_an_external_bid_over_a_first_internal_needs_a_justification() -> None:
    tender = opened(margin="5")
    assert tender.ranking[0]["bidder"] == "HEAT-02"
    with refused("internal_bid_preferred"):
        tender.award("b-ext", None, None, ACTOR, AFTER)
    place = tender.award("b-ext", "certified grade only outside", None, ACTOR, AFTER)
    assert place["amount"] == "100" and tender.status is TenderStatus.AWARDED
    with refused("already_awarded"):
        tender.award("b-int", None, "con-1", ACTOR, AFTER)


def test_award_needs_opened_bids_and_a_known_bid() -> None:
    with refused("bids_not_opened"):
        launch(["HEAT-02", "PWR-01"]).award("b-int", None, None, ACTOR, AFTER)
    with refused("bid_not_found"):
        opened().award("b-nope", None, None, ACTOR, AFTER)


def test_the_commitment_binds_amount_and_nonce() -> None:
    assert commitment(Decimal("100.00"), "n") == commitment(Decimal("100.00"), "n")
    assert commitment(Decimal("100.00"), "n") != commitment(Decimal("100.01"), "n")
    assert commitment(Decimal("100.00"), "n") != commitment(Decimal("100.00"), "m")


def tender_cycle() -> list[object]:
    """Every public tender, bid and tender-related need event."""
    from datetime import date

    from marketplace.aggregates.bid import Bid
    from tests.unit.test_need_rules import need

    n = need(sourcing="tender")
    n.start_tender("ten-1", ACTOR, T)
    tender = opened(margin="5")
    bid = Bid(
        id="b-int",
        tender_id="ten-1",
        bidder="HEAT-02",
        internal=True,
        delivery_date=date(2027, 4, 1),
        sealed="sealed-bytes",
        commitment=commitment(Decimal("103"), "n1"),
        actor=ACTOR,
        timestamp=T,
    )
    place = tender.award("b-int", None, "con-1", ACTOR, AFTER)
    n.conclude_tender(
        "ten-1", place["bidder"], True, Decimal(place["amount"]), "con-1", ACTOR, AFTER
    )
    return [*n.collect_events()[1:], *tender.collect_events(), *bid.collect_events()]


def test_a_concluded_tender_awards_the_need() -> None:
    events = tender_cycle()
    assert [type(e).__name__ for e in events][:2] == ["TenderStarted", "TenderConcluded"]
