"""The award of a joint procurement's need: one contract per member for its share, at the
awarded unit price, instead of one contract for the lead (paper 1.2.1)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate
from marketplace.aggregates.contract import Contract, TradeForm
from marketplace.aggregates.joint_procurement import JointProcurement, ShareContract
from marketplace.aggregates.need import Need
from marketplace.aggregates.organisation import Organisation
from marketplace.handlers.ports import Services


def load_pool(svc: Services, pool_id: str, *, reading: bool = False) -> JointProcurement:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(JointProcurement, pool_id, "Joint procurement", reading=reading)


def to_source(need: Need) -> Decimal:
    """What the award covers: the need's quantity less what was bought outside the group."""
    outside = sum((Decimal(p["quantity"]) for p in need.external_purchases), Decimal(0))
    return need.spec.quantity - outside


def share_out(
    svc: Services,
    org: Organisation,
    need: Need,
    contract: Contract,
    to_cover: Decimal,
    actor: Actor,
    timestamp: datetime,
) -> list[MarketAggregate]:
    """What an award saves besides the need and the offer or tender: `[contract]` for a need
    of its own; for a pool's need, the pool (its award recorded) and one contract per member
    for its part of `to_cover` at `contract`'s unit price and terms, the first member's under
    `contract`'s id (the id the need's award names).

    Refused: an award covering less than `to_cover` (`offer_short_of_pool`: a member would
    be left short without knowing it), and a supplier that is itself a member
    (`supplier_in_pool`: it would contract with itself)."""
    if need.spec.pool_id is None:
        return [contract]
    pool = load_pool(svc, need.spec.pool_id)
    if contract.quantity < to_cover:
        raise DomainError(
            "offer_short_of_pool",
            f"The offer covers {contract.quantity} of the {to_cover} the pool's members need; "
            "ask for an offer of the whole quantity.",
            {"offer_quantity": str(contract.quantity), "pool_quantity": str(to_cover)},
        )
    supplier = contract.supply_unit_id
    if supplier in pool.shares:
        raise DomainError(
            "supplier_in_pool",
            f"{supplier!r} has a share in this joint procurement and cannot supply it.",
            {"supplier_unit_id": supplier},
        )
    contracts = [
        Contract.award(
            contract.id if n == 0 else svc.new_id("con"),
            need.id,
            contract.offer_id,
            unit_id,
            supplier,
            contract.business_type,
            contract.item_code,
            quantity,
            contract.unit_price,
            org.context_of(unit_id, "demand") | org.context_of(supplier, "supply"),
            actor,
            timestamp,
            category=contract.parties.get("category", ""),
            delivery_date=contract.delivery_date,
            trade_form=TradeForm.JOINT,
            source_id=pool.id,
            reference=contract.reference,
        )
        for n, (unit_id, quantity) in enumerate(pool.allocation(to_cover))
    ]
    shares = [ShareContract(c.demand_unit_id, c.quantity, c.id, c.amount) for c in contracts]
    pool.record_award(supplier, contract.unit_price, shares, actor, timestamp)
    return [pool, *contracts]
