"""The demo's joint procurement (paper 1.2.1): the power platform pools the three plants'
distribution transformers (catalog item TRF-1250KVA, priced by quantity) and awards one need
for the total, so each plant has its own contract; HQ's group-wide pool of safety training is
still taking shares."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.need import DeliveryLocation
from marketplace.handlers import contracts, needs
from marketplace.handlers import joint_procurement as pools
from marketplace.handlers.auth import Principal
from marketplace.handlers.pool_contracts import load_pool
from marketplace.handlers.ports import Services

TRANSFORMER_SHARES = [
    # (plant, quantity, budget): 6 reach the 5-piece tier alone, 11 together the 10-piece one
    ("PWR-01", "6", "570000.00"),
    ("PWR-02", "3", "300000.00"),
    ("PWR-03", "2", "200000.00"),
]
TRAINING_SHARES = [("HEAT-01", "10", "12000.00"), ("COAL-02", "15", "18000.00")]


def _as(unit_id: str, role: Role) -> Principal:
    return Principal("demo", unit_id, frozenset({role}))


def seed_joint_procurement(svc: Services, hq: Principal) -> None:
    """The transformers' pool awarded to ENG-02 at 87,500.00 a piece (three signed share
    contracts, trade form `joint`); HQ's training pool open for two more weeks."""
    now = svc.clock()
    pwr = _as("PWR", Role.PLATFORM_ADMIN)
    pool = pools.open_pool(
        svc,
        pwr,
        pools.OpenPool(
            "TRF-1250KVA",
            "pc",
            "Distribution transformers for the three plants' substations",
            now + timedelta(days=7),
            required_by=(now + timedelta(days=60)).date(),
            delivery_location=DeliveryLocation("PWR central store", "1 Power Road"),
        ),
    )
    for plant, quantity, budget in TRANSFORMER_SHARES:
        operator = _as(plant, Role.UNIT_OPERATOR)
        pools.join(svc, operator, pool.id, plant, Decimal(quantity), Decimal(budget))
    _, need = pools.launch(svc, pwr, pool.id, "direct", None)
    supplier = _as("ENG-02", Role.UNIT_OPERATOR)
    offer = needs.submit_offer(
        svc,
        supplier,
        need.id,
        "ENG-02",
        needs.OfferTerms(
            Decimal("87500.00"),
            need.spec.quantity,
            (now + timedelta(days=50)).date(),
            now + timedelta(days=14),
        ),
    )
    needs.award(svc, pwr, need.id, offer.id)
    for share in load_pool(svc, pool.id, reading=True).contracts.values():
        contracts.sign(svc, supplier, share.contract_id, None)
        contracts.sign(svc, _as(share.unit_id, Role.UNIT_OPERATOR), share.contract_id, None)
    training = pools.open_pool(
        svc,
        hq,
        pools.OpenPool(
            "SAFETY-CERT",
            "person",
            "Group-wide safety certification of new operators",
            now + timedelta(days=14),
            required_by=(now + timedelta(days=45)).date(),
        ),
    )
    for unit, quantity, budget in TRAINING_SHARES:
        operator = _as(unit, Role.UNIT_OPERATOR)
        pools.join(svc, operator, training.id, unit, Decimal(quantity), Decimal(budget))
