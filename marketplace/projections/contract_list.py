"""Contracts as lists show them: parties, status, amounts and deliveries, per contract.

Fed by each contract's own events only (incidents, on the same topic, are other aggregates and
are skipped), so the rows are the same in any interleaving with other aggregates' events.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.contracts import (
    CONTRACTS_TOPIC,
    ContractActivatedV1,
    ContractCompletedV1,
    ContractCreatedV1,
    ContractDeliveredV1,
    ContractPricedV1,
    ContractTerminatedV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import Increment, RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT, DECIMAL = ColumnType.TEXT, ColumnType.DECIMAL
_OWN = "marketplace.contract."  # quality incidents share the topic, not the aggregate

CONTRACTS = Table(
    "contract_list_contracts",
    columns=(
        Column("contract_id", TEXT),
        Column("need_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("supply_unit_id", TEXT),
        Column("business_type", TEXT),
        Column("item_code", TEXT),
        Column("status", TEXT),
        Column("quantity", DECIMAL),
        Column("amount", DECIMAL),
        Column("delivered_quantity", DECIMAL),
        Column("delivered_amount", DECIMAL),
        Column("created_at", ColumnType.TIMESTAMP),
    ),
    key=("contract_id",),
    indexes=(("demand_unit_id", "created_at"), ("supply_unit_id", "created_at")),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != CONTRACTS_TOPIC or not kind.name.startswith(_OWN):
        return []
    payload = payload_of(event)
    key = {"contract_id": event.subject}
    match payload:
        case ContractCreatedV1():
            return [Upsert(CONTRACTS.name, key, _created(payload, event))]
        case ContractPricedV1():
            values: dict[str, Value] = {"amount": Decimal(payload.amount)}
            return [Upsert(CONTRACTS.name, key, values | {"status": "awaiting_signatures"})]
        case ContractActivatedV1():
            return [Upsert(CONTRACTS.name, key, {"status": "active"})]
        case ContractDeliveredV1():
            amounts = {
                "delivered_quantity": Decimal(payload.quantity),
                "delivered_amount": Decimal(payload.amount),
            }
            return [Increment(CONTRACTS.name, key, amounts)]
        case ContractCompletedV1():
            return [Upsert(CONTRACTS.name, key, {"status": "completed"})]
        case ContractTerminatedV1():
            return [Upsert(CONTRACTS.name, key, {"status": "terminated"})]
    return []


def _created(payload: ContractCreatedV1, event: CloudEvent) -> dict[str, Value]:
    return {
        "need_id": payload.need_id,
        "demand_unit_id": payload.demand_unit_id,
        "supply_unit_id": payload.supply_unit_id,
        "business_type": payload.business_type,
        "item_code": payload.item_code,
        "status": payload.status,
        "quantity": Decimal(payload.quantity),
        "amount": Decimal(payload.amount),
        "delivered_quantity": Decimal(0),
        "delivered_amount": Decimal(0),
        "created_at": event.time,
    }


PROJECTION = Projection(
    name="contract_list",
    version=1,
    topics=(CONTRACTS_TOPIC,),
    tables=(CONTRACTS,),
    apply=apply,
    types=types_of(
        ContractActivatedV1,
        ContractCompletedV1,
        ContractCreatedV1,
        ContractDeliveredV1,
        ContractPricedV1,
        ContractTerminatedV1,
    ),
)

NEWEST_FIRST = Order(CONTRACTS, ("created_at", "contract_id"), descending=True)


async def contracts_of(
    reader: RowReader,
    units: Collection[str] | None,
    role: str | None,
    status: str | None,
    page: PageRequest,
) -> Page:
    """A page of contracts, newest first, where one of `units` is the demand or supply side
    (`role`: only that side); `units` None: every contract."""
    where = sql.Where()
    sides = ("demand", "supply") if role is None else (role,)
    where.any_in([f"{side}_unit_id" for side in sides], units)
    where.equal("status", status)
    return await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)
