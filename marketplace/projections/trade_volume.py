"""Internal trade volume: one row per contract between group units, with the parties as they
were at the award; its amount counts once the contract is active, deliveries as they arrive."""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.contracts import (
    CONTRACTS_TOPIC,
    ContractActivatedV1,
    ContractCompletedV1,
    ContractCreatedV1,
    ContractDeliveredV1,
    ContractTerminatedV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections.changes import Increment, RowChange, Upsert, Value
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

CONTRACTS = Table(
    "trade_volume_contracts",
    columns=(
        Column("contract_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("supply_unit_id", TEXT),
        Column("demand_sector", TEXT),
        Column("supply_sector", TEXT),
        Column("category", TEXT),
        Column("business_type", TEXT),
        Column("status", TEXT),
        Column("amount", ColumnType.DECIMAL),
        Column("delivered_amount", ColumnType.DECIMAL),
        Column("activated_at", ColumnType.TIMESTAMP, nullable=True),
        Column("month", TEXT, nullable=True),
    ),
    key=("contract_id",),
    indexes=(("activated_at",),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if (
        kind is None
        or kind.topic != CONTRACTS_TOPIC
        or not event.type.startswith("marketplace.contract.")
    ):
        return []
    payload = payload_of(event)
    key = {"contract_id": event.subject}
    match payload:
        case ContractCreatedV1():
            p = payload.parties
            return [
                Upsert(
                    CONTRACTS.name,
                    key,
                    {
                        "demand_unit_id": payload.demand_unit_id,
                        "supply_unit_id": payload.supply_unit_id,
                        "demand_sector": p.get("demand_sector", ""),
                        "supply_sector": p.get("supply_sector", ""),
                        "category": p.get("category", ""),
                        "business_type": payload.business_type,
                        "status": payload.status,
                        "amount": Decimal(0),
                        "delivered_amount": Decimal(0),
                        "activated_at": None,
                        "month": None,
                    },
                )
            ]
        case ContractActivatedV1():
            return [
                Upsert(
                    CONTRACTS.name,
                    key,
                    {
                        "status": "active",
                        "amount": Decimal(payload.amount),
                        "activated_at": event.time,
                        "month": event.time.strftime("%Y-%m"),
                    },
                )
            ]
        case ContractDeliveredV1():
            return [Increment(CONTRACTS.name, key, {"delivered_amount": Decimal(payload.amount)})]
        case ContractCompletedV1() | ContractTerminatedV1():
            status = "completed" if isinstance(payload, ContractCompletedV1) else "terminated"
            return [Upsert(CONTRACTS.name, key, {"status": status})]
    return []


PROJECTION = Projection(
    name="trade_volume", version=1, topics=(CONTRACTS_TOPIC,), tables=(CONTRACTS,), apply=apply
)

GroupBy = Literal["sector", "demand_unit", "supply_unit", "category", "business_type", "month"]
_COLUMN = {
    "sector": "supply_sector",
    "demand_unit": "demand_unit_id",
    "supply_unit": "supply_unit_id",
    "category": "category",
    "business_type": "business_type",
    "month": "month",
}


async def volume(
    reader: RowReader, group_by: GroupBy, start: datetime | None, end: datetime | None
) -> list[dict[str, Any]]:
    """Active (or since completed/terminated) contracts grouped: count, amount, delivered."""
    where: list[str] = ["activated_at IS NOT NULL"]
    params: list[Value] = []
    for op, bound in ((">=", start), ("<", end)):
        if bound is not None:
            params.append(bound)
            where.append(f"activated_at {op} ${len(params)}")
    column = _COLUMN[group_by]
    rows = await reader.fetch(
        f"SELECT {column} AS key, contract_id, amount, delivered_amount "
        f"FROM trade_volume_contracts WHERE {' AND '.join(where)}",
        params,
        {
            "key": TEXT,
            "contract_id": TEXT,
            "amount": ColumnType.DECIMAL,
            "delivered_amount": ColumnType.DECIMAL,
        },
    )
    # Summed here: SQLite keeps decimals as text, and sums must stay exact.
    totals: dict[str, dict[str, Any]] = {}
    for r in rows:
        t = totals.setdefault(
            r["key"],
            {"key": r["key"], "contracts": 0, "amount": Decimal(0), "delivered_amount": Decimal(0)},
        )
        t["contracts"] += 1
        t["amount"] += Decimal(r["amount"])
        t["delivered_amount"] += Decimal(r["delivered_amount"])
    return [
        {**t, "amount": f"{t['amount']:.2f}", "delivered_amount": f"{t['delivered_amount']:.2f}"}
        for _, t in sorted(totals.items())
    ]
