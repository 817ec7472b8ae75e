"""Use cases of tenders: launch (invitation compliance), sealed bids, opening, award."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.bid import Bid, commitment
from marketplace.aggregates.contract import Contract
from marketplace.aggregates.ranking import OpenedBid
from marketplace.aggregates.tender import Tender, bidder_key
from marketplace.handlers.auth import Principal, acts_for, require_acts_for
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.needs import catalog_matches, load_need
from marketplace.handlers.organisation import active_unit, chart
from marketplace.handlers.pool_contracts import share_out
from marketplace.handlers.ports import Sealer, Services
from marketplace.handlers.rules import default_margin
from marketplace.handlers.synergy import reference_of


def load_tender(svc: Services, tender_id: str, *, reading: bool = False) -> Tender:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(Tender, tender_id, "Tender", reading=reading)


def _sealer(svc: Services) -> Sealer:
    if svc.sealer is None:
        raise RuntimeError("no sealer configured: bids cannot be sealed")
    return svc.sealer


def launch_tender(
    svc: Services,
    principal: Principal,
    need_id: str,
    invitees: list[str],
    bid_deadline: datetime,
    evaluation: str,
    margin_pct: Decimal | None,
    omission_filing: str | None,
) -> Tender:
    """The catalog suppliers in force at launch must be invited, or their omission filed;
    `margin_pct` None: the group rules' default in force."""
    org = chart(svc)
    for unit_id in invitees:
        active_unit(org, unit_id)
    tender_id = svc.new_id("ten")

    def attempt() -> Tender:
        need = load_need(svc, need_id)
        require_acts_for(principal, need.demand_unit_id, org)
        now = svc.clock()
        version_id, matches = catalog_matches(svc, need.spec.item_code, need.demand_unit_id)
        need.start_tender(tender_id, principal.actor, now)
        tender = Tender.launch(
            tender_id,
            need_id,
            org.context_of(need.demand_unit_id, "demand"),
            need.spec.item_code,
            version_id,
            sorted({m.supplier_unit_id for m in matches}),
            invitees,
            omission_filing,
            bid_deadline,
            evaluation,
            default_margin(svc, now) if margin_pct is None else margin_pct,
            principal.actor,
            now,
        )
        svc.store.save(need, tender)
        return tender

    return svc.retrying(attempt)


def submit_bid(
    svc: Services,
    principal: Principal,
    tender_id: str,
    supplier_unit_id: str | None,
    external_supplier: str | None,
    amount: Decimal,
    delivery_date: date,
) -> Bid:
    """An invited supplier bids for itself; the demand unit records external bids. Sealed."""
    org = chart(svc)
    tender = load_tender(svc, tender_id)
    if supplier_unit_id:
        require_acts_for(principal, supplier_unit_id, org)
        if supplier_unit_id not in tender.invitees:
            raise Forbidden(
                f"{supplier_unit_id!r} is not invited to this tender.",
                {"supplier_unit_id": supplier_unit_id},
            )
    else:
        require_acts_for(principal, tender.demand_unit_id, org)
    nonce = secrets.token_hex(16)
    sealed = _sealer(svc).seal(json.dumps({"amount": str(amount), "nonce": nonce}))
    bid_id = svc.new_id("bid")
    bidder = bidder_key(supplier_unit_id, external_supplier)

    def attempt() -> Bid:
        tender = load_tender(svc, tender_id)
        now = svc.clock()
        tender.record_bid(bid_id, bidder, bool(supplier_unit_id), principal.actor, now)
        bid = Bid(
            id=bid_id,
            tender_id=tender_id,
            bidder=bidder,
            internal=bool(supplier_unit_id),
            delivery_date=delivery_date,
            sealed=sealed,
            commitment=commitment(amount, nonce),
            actor=principal.actor,
            timestamp=now,
        )
        svc.store.save(tender, bid)
        return bid

    return svc.retrying(attempt)


def open_bids(svc: Services, principal: Principal, tender_id: str) -> Tender:
    """After the deadline the demand unit opens: amounts are unsealed, checked, ranked."""

    def attempt() -> Tender:
        tender = load_tender(svc, tender_id)
        require_acts_for(principal, tender.demand_unit_id, chart(svc))
        revealed = []
        for bid_id in tender.current_bids.values():
            bid = svc.store.get(bid_id, Bid)
            assert bid is not None
            opened = json.loads(_sealer(svc).unseal(bid.sealed))
            amount = Decimal(opened["amount"])
            if commitment(amount, opened["nonce"]) != bid.commitment:
                raise DomainError("seal_broken", f"Bid {bid_id!r} does not match its commitment.")
            revealed.append(
                (
                    OpenedBid(bid_id, bid.bidder, bid.internal, amount),
                    opened["nonce"],
                    bid.commitment,
                )
            )
        tender.open_bids(revealed, principal.actor, svc.clock())
        svc.store.save(tender)
        return tender

    return svc.retrying(attempt)


def award_tender(
    svc: Services, principal: Principal, tender_id: str, bid_id: str, justification: str | None
) -> tuple[Tender, Contract | None]:
    """Internal winner → contract; external winner → the need is bought outside under it."""
    org = chart(svc)
    contract_id = svc.new_id("con")

    def attempt() -> tuple[Tender, Contract | None]:
        tender = load_tender(svc, tender_id)
        require_acts_for(principal, tender.demand_unit_id, org)
        need = load_need(svc, tender.need_id)
        now = svc.clock()
        place = tender.award(bid_id, justification, contract_id, principal.actor, now)
        amount = Decimal(place["amount"])
        contract, made = None, []
        if place["internal"]:
            quantity = need.open_quantity
            contract = Contract.award(
                contract_id,
                need.id,
                bid_id,
                need.demand_unit_id,
                place["bidder"],
                need.spec.business_type,
                need.spec.item_code,
                quantity,
                amount / quantity,
                org.context_of(need.demand_unit_id, "demand")
                | org.context_of(place["bidder"], "supply"),
                principal.actor,
                now,
                category=need.spec.category,
                delivery_date=need.spec.required_by,
                reference=reference_of(svc, need, place["bidder"], tender, quantity),
            )
            # A joint procurement's need: a contract per member instead (contract's id first).
            made = share_out(svc, org, need, contract, quantity, principal.actor, now)
        need.conclude_tender(
            tender_id,
            place["bidder"],
            place["internal"],
            amount,
            contract.id if contract else None,
            principal.actor,
            now,
        )
        svc.store.save(tender, need, *made)
        return tender, next((c for c in made if isinstance(c, Contract)), None)

    return svc.retrying(attempt)


def may_read(svc: Services, principal: Principal, tender: Tender) -> None:
    org = chart(svc)
    if principal.has(Role.AUDITOR) or acts_for(principal, tender.demand_unit_id, org):
        return
    if any(acts_for(principal, u, org) for u in tender.invitees):
        return
    raise Forbidden("Only the demand side, invitees, HQ and auditors read a tender.")
