"""Tenders: launch (invitation compliance), sealed bids, opening after the deadline, award."""

from __future__ import annotations

import base64
import os
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from marketplace.aggregates.bid import Bid, commitment
from marketplace.aggregates.contract import Contract
from marketplace.aggregates.tender import Tender
from marketplace.handlers import tenders
from marketplace.handlers.errors import Forbidden
from tests.unit.handlers.steps import DEADLINE, launched, posted, steam
from tests.unit.handlers.world import AUDITOR, Command, World, operator, platform_admin

AFTER = DEADLINE + timedelta(hours=1)


def launch(need_id: str, invitees: list[str], filing: str | None = None) -> Command[Tender]:
    return lambda s: tenders.launch_tender(
        s, operator("COAL-01"), need_id, invitees, DEADLINE, "lowest_price", Decimal(2), filing
    )


def bid(tender_id: str, amount: str, unit: str | None, by: str | None = None) -> Command[Bid]:
    """`unit` bids for itself; without one, the demand unit records an external bid."""
    who = by or unit or "COAL-01"
    external = None if unit else "Outside Steam Ltd"
    return lambda s: tenders.submit_bid(
        s, operator(who), tender_id, unit, external, Decimal(amount), date(2027, 4, 1)
    )


def test_a_tender_inviting_every_catalog_supplier_is_compliant(market: World) -> None:
    need = posted(market, steam(sourcing="tender"))
    outcome = market.when(launch(need.id, ["HEAT-02", "PWR-01", "SVC-01"]))
    tender = outcome.appended("Tender.Launched", "Need.TenderStarted")
    outcome.event(
        "Tender.Launched",
        required_suppliers=["HEAT-02", "PWR-01"],
        invitees=["HEAT-02", "PWR-01", "SVC-01"],
        missing_catalog_suppliers=[],
        compliance="compliant",
        omission_filing=None,
    )
    outcome.event("Need.TenderStarted", tender_id=tender.id)


def test_an_uninvited_catalog_supplier_needs_a_filed_omission(market: World) -> None:
    need = posted(market, steam(sourcing="tender"))
    refusal = market.when(launch(need.id, ["HEAT-02"])).refused("catalog_suppliers_not_invited")
    assert refusal.details == {"missing_catalog_suppliers": ["PWR-01"]}
    outcome = market.when(launch(need.id, ["HEAT-02"], "PWR-01 in overhaul"))
    outcome.event(
        "Tender.Launched",
        compliance="exception_filed",
        missing_catalog_suppliers=["PWR-01"],
        omission_filing="PWR-01 in overhaul",
    )


def test_launch_refusals(market: World) -> None:
    direct = posted(market)
    market.when(launch(direct.id, ["HEAT-02", "PWR-01"])).refused("need_not_for_tender")
    need = posted(market, steam(sourcing="tender"))
    market.when(launch(need.id, ["HEAT-02", "PWR-01", "COAL-01"])).refused("self_supply")
    market.when(
        lambda s: tenders.launch_tender(
            s, operator("HEAT-02"), need.id, ["PWR-01"], DEADLINE, "lowest_price", Decimal(0), "x"
        )
    ).refused("forbidden", Forbidden)
    market.at(AFTER)
    market.when(launch(need.id, ["HEAT-02", "PWR-01"])).refused("bid_deadline_in_past")


def test_an_invited_supplier_bids_sealed(market: World) -> None:
    tender = launched(market)
    outcome = market.when(bid(tender.id, "216000.00", "HEAT-02"))
    sealed = outcome.appended("Bid.Submitted", "Tender.BidReceived")
    outcome.event("Tender.BidReceived", bidder="HEAT-02", internal=True, replaces=None)
    submitted = outcome.event("Bid.Submitted", bidder="HEAT-02")
    assert "216000" not in repr(vars(submitted))  # only the seal and the commitment
    assert sealed.sealed.startswith("v2.")


def test_a_new_bid_replaces_the_bidders_previous_one(market: World) -> None:
    tender = launched(market)
    first = market.given(bid(tender.id, "216000.00", "HEAT-02"))
    outcome = market.when(bid(tender.id, "210000.00", "HEAT-02"))
    outcome.event("Tender.BidReceived", bidder="HEAT-02", replaces=first.id)


def test_bid_refusals(market: World) -> None:
    tender = launched(market)
    market.when(bid(tender.id, "1", "SVC-01")).refused("forbidden")  # not invited
    market.when(bid(tender.id, "1", "HEAT-02", by="PWR-01")).refused("forbidden")
    market.when(bid(tender.id, "1", None, by="HEAT-02")).refused("forbidden")  # external: demand
    market.at(AFTER)
    market.when(bid(tender.id, "1", "HEAT-02")).refused("bid_deadline_passed")


def test_sealed_amounts_all_have_one_length(market: World) -> None:
    tender = launched(market)
    amounts = ["0.01", "7", "1005.83", "12345678.9", "999999999999999.99"]
    assert len({len(market.given(bid(tender.id, a, "HEAT-02")).sealed) for a in amounts}) == 1


def test_bids_open_only_after_the_deadline_by_the_demand_side(market: World) -> None:
    tender = launched(market)
    market.given(bid(tender.id, "216000.00", "HEAT-02"))
    open_ = lambda s: tenders.open_bids(s, operator("COAL-01"), tender.id)  # noqa: E731
    market.when(open_).refused("bid_deadline_not_reached")
    market.at(AFTER)
    market.when(lambda s: tenders.open_bids(s, operator("HEAT-02"), tender.id)).refused("forbidden")
    market.when(open_).appended("Tender.BidsOpened")
    market.when(open_).refused("tender_not_open")


class UnpaddedSealer:
    """The sealed format from before padding, byte for byte (a bid already stored)."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(self.key).encrypt(nonce, plaintext.encode(), b"marketplace.bid")
        return base64.urlsafe_b64encode(sealed).decode()

    def unseal(self, token: str) -> str:
        raise AssertionError("the previous version never opens bids here")


def test_opened_bids_reveal_amounts_matching_their_commitments(market: World) -> None:
    tender = launched(market)
    sealer = market.svc.sealer
    market.svc.sealer = UnpaddedSealer(bytes(32))  # the world's key
    before = market.given(bid(tender.id, "1020.37", "HEAT-02"))
    market.svc.sealer = sealer
    market.given(bid(tender.id, "1005.83", "PWR-01"))
    market.given(bid(tender.id, "0.01", None))
    assert not before.sealed.startswith("v2.")
    outcome = market.at(AFTER).when(lambda s: tenders.open_bids(s, operator("COAL-01"), tender.id))
    opened: Any = outcome.event("Tender.BidsOpened")
    assert {b["bidder"]: b["amount"] for b in opened.bids} == {
        "HEAT-02": "1020.37",
        "PWR-01": "1005.83",
        "external:Outside Steam Ltd": "0.01",
    }
    for b in opened.bids:  # what anyone can check against the commitment made before
        assert commitment(Decimal(b["amount"]), b["nonce"]) == b["commitment"]
        stored = market.store.get(b["bid_id"], Bid)
        assert stored is not None and stored.commitment == b["commitment"]


def test_an_internal_bid_within_the_margin_ranks_first(market: World) -> None:
    tender = launched(market)
    internal = market.given(bid(tender.id, "101", "HEAT-02"))
    market.given(bid(tender.id, "100", None))
    outcome = market.at(AFTER).when(lambda s: tenders.open_bids(s, operator("COAL-01"), tender.id))
    ranking: Any = outcome.event("Tender.BidsOpened").ranking
    assert ranking[0]["bid_id"] == internal.id


def test_an_internal_winner_gets_a_contract(market: World) -> None:
    tender = launched(market)
    winner = market.given(bid(tender.id, "216000.00", "HEAT-02"))
    market.at(AFTER).given(lambda s: tenders.open_bids(s, operator("COAL-01"), tender.id))
    award = lambda s: tenders.award_tender(s, operator("COAL-01"), tender.id, winner.id, None)  # noqa: E731
    market.when(
        lambda s: tenders.award_tender(s, platform_admin("HEAT"), tender.id, winner.id, None)
    ).refused("forbidden")
    outcome = market.when(award)
    _, contract = outcome.appended("Tender.Awarded", "Need.TenderConcluded", "Contract.Created")
    assert contract is not None
    outcome.event("Need.TenderConcluded", bidder="HEAT-02", internal=True, contract_id=contract.id)
    created = outcome.event("Contract.Created", supply_unit_id="HEAT-02", offer_id=winner.id)
    assert (created.quantity, created.unit_price, created.amount) == ("1200", "180.00", "216000.00")
    market.when(award).refused("already_awarded")


def test_an_external_winner_over_an_internal_first_needs_a_justification(market: World) -> None:
    tender = launched(market)
    market.given(bid(tender.id, "101", "HEAT-02"))
    outside = market.given(bid(tender.id, "100", None))

    def award(why: str | None) -> Command[tuple[Tender, Contract | None]]:
        return lambda s: tenders.award_tender(s, operator("COAL-01"), tender.id, outside.id, why)

    market.when(award(None)).refused("bids_not_opened")
    market.at(AFTER).given(lambda s: tenders.open_bids(s, operator("COAL-01"), tender.id))
    market.when(award(None)).refused("internal_bid_preferred")
    market.when(
        lambda s: tenders.award_tender(s, operator("COAL-01"), tender.id, "bid_404", "x")
    ).refused("bid_not_found")
    outcome = market.when(award("delivery certainty"))
    outcome.appended("Tender.Awarded", "Need.TenderConcluded")
    outcome.event("Need.TenderConcluded", internal=False, contract_id=None)


def test_the_demand_side_invitees_and_auditors_read_a_tender(market: World) -> None:
    tender = launched(market)
    for reader in (operator("COAL-01"), operator("HEAT-02"), AUDITOR, platform_admin("COAL")):
        tenders.may_read(market.svc, reader, tender)
    outcome = market.when(lambda s: tenders.may_read(s, operator("SVC-01"), tender))
    outcome.refused("forbidden")
