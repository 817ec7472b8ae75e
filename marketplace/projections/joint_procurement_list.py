"""Joint procurements as lists show them: each pool with its lead, item, status and total, and
each member's share (and, once awarded, its contract), from the pools' own events."""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.joint_procurements import (
    JOINT_PROCUREMENTS_TOPIC,
    JointProcurementAwardedV1,
    JointProcurementCancelledV1,
    JointProcurementJoinedV1,
    JointProcurementLaunchedV1,
    JointProcurementOpenedV1,
    JointProcurementWithdrawnV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import Delete, RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT, INTEGER, DECIMAL = ColumnType.TEXT, ColumnType.INTEGER, ColumnType.DECIMAL
TIMESTAMP = ColumnType.TIMESTAMP

POOLS = Table(
    "joint_procurement_list_pools",
    columns=(
        Column("pool_id", TEXT),
        Column("lead_unit_id", TEXT),
        Column("item_code", TEXT),
        Column("uom", TEXT),
        Column("title", TEXT),
        Column("status", TEXT),
        Column("join_until", TIMESTAMP),
        Column("opened_at", TIMESTAMP),
        Column("total_quantity", DECIMAL),
        Column("member_count", INTEGER),
        Column("need_id", TEXT, nullable=True),
        Column("supplier_unit_id", TEXT, nullable=True),
        Column("unit_price", DECIMAL, nullable=True),
    ),
    key=("pool_id",),
    indexes=(("lead_unit_id",), ("opened_at", "pool_id")),
)
# One row per member's share; its contract once the pool is awarded.
SHARES = Table(
    "joint_procurement_list_shares",
    columns=(
        Column("pool_id", TEXT),
        Column("unit_id", TEXT),
        Column("quantity", DECIMAL),
        Column("budget_amount", DECIMAL),
        Column("joined_at", TIMESTAMP),
        Column("contract_id", TEXT, nullable=True),
        Column("contract_quantity", DECIMAL, nullable=True),
        Column("amount", DECIMAL, nullable=True),
    ),
    key=("pool_id", "unit_id"),
    indexes=(("unit_id",),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != JOINT_PROCUREMENTS_TOPIC:
        return []
    payload = payload_of(event)
    key = {"pool_id": event.subject}
    match payload:
        case JointProcurementOpenedV1():
            item = payload.item
            values: dict[str, Value] = {
                "lead_unit_id": payload.lead_unit_id,
                "item_code": item.item_code,
                "uom": item.uom,
                "title": item.title,
                "status": "open",
                "join_until": payload.join_until,
                "opened_at": event.time,
                "total_quantity": Decimal(0),
                "member_count": 0,
                "need_id": None,
                "supplier_unit_id": None,
                "unit_price": None,
            }
            return [Upsert(POOLS.name, key, values)]
        case JointProcurementJoinedV1():
            share: dict[str, Value] = {
                "quantity": Decimal(payload.quantity),
                "budget_amount": Decimal(payload.budget_amount),
            }
            if not payload.replaced:  # a replaced share keeps its place in joining order
                share |= {"joined_at": event.time, "contract_id": None}
                share |= {"contract_quantity": None, "amount": None}
            return [
                Upsert(SHARES.name, key | {"unit_id": payload.unit_id}, share),
                Upsert(POOLS.name, key, _totals(payload.total_quantity, payload.member_count)),
            ]
        case JointProcurementWithdrawnV1():
            return [
                Delete(SHARES.name, key | {"unit_id": payload.unit_id}),
                Upsert(POOLS.name, key, _totals(payload.total_quantity, payload.member_count)),
            ]
        case JointProcurementCancelledV1():
            return [Upsert(POOLS.name, key, {"status": "cancelled"})]
        case JointProcurementLaunchedV1():
            return [Upsert(POOLS.name, key, {"status": "launched", "need_id": payload.need_id})]
        case JointProcurementAwardedV1():
            awarded: list[RowChange] = [
                Upsert(
                    POOLS.name,
                    key,
                    {
                        "status": "awarded",
                        "supplier_unit_id": payload.supplier_unit_id,
                        "unit_price": Decimal(payload.unit_price),
                    },
                )
            ]
            return awarded + [
                Upsert(
                    SHARES.name,
                    key | {"unit_id": c.unit_id},
                    {
                        "contract_id": c.contract_id,
                        "contract_quantity": Decimal(c.quantity),
                        "amount": Decimal(c.amount),
                    },
                )
                for c in payload.contracts
            ]
    return []


def _totals(total_quantity: str, member_count: int) -> dict[str, Value]:
    return {"total_quantity": Decimal(total_quantity), "member_count": member_count}


PROJECTION = Projection(
    name="joint_procurement_list",
    version=1,
    topics=(JOINT_PROCUREMENTS_TOPIC,),
    tables=(POOLS, SHARES),
    apply=apply,
)

NEWEST_FIRST = Order(POOLS, ("opened_at", "pool_id"), descending=True)
STATUSES = ("open", "launched", "awarded")


async def pools_of(
    reader: RowReader,
    units: Collection[str] | None,
    leads: Collection[str] | None,
    status: str | None,
    page: PageRequest,
) -> Page:
    """A page of pools, the latest opened first, led by one of `leads` or with a share of one
    of `units` (None: every pool), each with its shares in joining order."""
    where = sql.Where()
    if units is not None and leads is not None:
        led = sql.is_in("lead_unit_id", sorted(leads), where.params)
        among = sql.is_in("unit_id", sorted(units), where.params)
        where.add(f"({led} OR pool_id IN (SELECT pool_id FROM {SHARES.name} WHERE {among}))")
    where.equal("status", status)
    found = await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)
    shares = await shares_of(reader, [row["pool_id"] for row in found.items])
    items = [{**row, "shares": shares.get(row["pool_id"], [])} for row in found.items]
    return Page(items, found.next_cursor)


async def shares_of(reader: RowReader, pool_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The shares of these pools, each pool's in joining order."""
    if not pool_ids:
        return {}
    params: list[Any] = []
    among = sql.is_in("pool_id", pool_ids, params)
    columns = [c.name for c in SHARES.columns]
    rows = await reader.fetch(
        f"SELECT {', '.join(columns)} FROM {SHARES.name} WHERE {among} "
        "ORDER BY pool_id, joined_at, unit_id",
        params,
        SHARES.types,
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["pool_id"], []).append(
            {k: v for k, v in row.items() if k != "pool_id"}
        )
    return found
