"""The synergy benefit (paper 2.1) and the arm's-length check: one row per contract between
group units, with the parties as they were at the award and, from its activation, the benefit
the rules in force then recorded on the event (a pure copy: nothing is looked up).

Amounts are integer fen, summed exactly by the store (as trade_volume's).
"""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from marketplace.aggregates.synergy import excess_pct
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.contracts import (
    CONTRACTS_TOPIC,
    ContractActivatedV1,
    ContractCreatedV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table
from marketplace.projections.trade_volume import minor_units

TEXT = ColumnType.TEXT
INTEGER = ColumnType.INTEGER

CONTRACTS = Table(
    "synergy_benefit_contracts",
    columns=(
        Column("contract_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("supply_unit_id", TEXT),
        Column("demand_sector", TEXT),
        Column("supply_sector", TEXT),
        Column("category", TEXT),
        Column("activated_at", ColumnType.TIMESTAMP, nullable=True),
        Column("month", TEXT, nullable=True),
        Column("reference_source", TEXT, nullable=True),
        Column("reference_unit_price", TEXT, nullable=True),
        Column("unit_price", TEXT, nullable=True),
        Column("quantity", TEXT, nullable=True),
        Column("benefit_minor", INTEGER, nullable=True),
        Column("demand_minor", INTEGER, nullable=True),
        Column("supply_minor", INTEGER, nullable=True),
        Column("tolerance_pct", TEXT, nullable=True),
        Column("excess_pct", TEXT, nullable=True),
        Column("beyond_tolerance", INTEGER),
    ),
    key=("contract_id",),
    indexes=(("activated_at",), ("beyond_tolerance", "activated_at")),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != CONTRACTS_TOPIC:
        return []
    payload = payload_of(event)
    key = {"contract_id": event.subject}
    match payload:
        case ContractCreatedV1():
            p = payload.parties
            created: dict[str, Value] = {
                "demand_unit_id": payload.demand_unit_id,
                "supply_unit_id": payload.supply_unit_id,
                "demand_sector": p.get("demand_sector", ""),
                "supply_sector": p.get("supply_sector", ""),
                "category": p.get("category", ""),
                "activated_at": None,
                "month": None,
                "beyond_tolerance": 0,
            }
            return [Upsert(CONTRACTS.name, key, created | _benefit(None))]
        case ContractActivatedV1():
            activated: dict[str, Value] = {
                "activated_at": event.time,
                "month": event.time.strftime("%Y-%m"),
            }
            return [Upsert(CONTRACTS.name, key, activated | _benefit(payload))]
    return []


def _benefit(payload: ContractActivatedV1 | None) -> dict[str, Value]:
    """The activation's benefit columns (all null without a reference: none claimed)."""
    s = None if payload is None else payload.synergy
    if s is None or s.reference_unit_price is None or s.benefit is None:
        return {
            "reference_source": None,
            "reference_unit_price": None,
            "unit_price": None if s is None else s.unit_price,
            "quantity": None if s is None else s.quantity,
            "benefit_minor": None,
            "demand_minor": None,
            "supply_minor": None,
            "tolerance_pct": None if s is None else s.arm_length_tolerance_pct,
            "excess_pct": None,
            "beyond_tolerance": 0,
        }
    reference, price = Decimal(s.reference_unit_price), Decimal(s.unit_price)
    excess = excess_pct(reference, price) if reference > 0 else None
    tolerance = Decimal(s.arm_length_tolerance_pct)
    return {
        "reference_source": s.reference_source,
        "reference_unit_price": s.reference_unit_price,
        "unit_price": s.unit_price,
        "quantity": s.quantity,
        "benefit_minor": minor_units(s.benefit),
        "demand_minor": minor_units(str(s.demand_share)),
        "supply_minor": minor_units(str(s.supply_share)),
        "tolerance_pct": s.arm_length_tolerance_pct,
        "excess_pct": None if excess is None else str(excess),
        "beyond_tolerance": int(excess is not None and excess > tolerance),
    }


PROJECTION = Projection(
    name="synergy_benefit",
    version=1,
    topics=(CONTRACTS_TOPIC,),
    tables=(CONTRACTS,),
    apply=apply,
    types=types_of(ContractActivatedV1, ContractCreatedV1),
)

GroupBy = Literal["sector", "demand_unit", "supply_unit", "month", "category"]
_COLUMN = {
    "sector": "supply_sector",
    "demand_unit": "demand_unit_id",
    "supply_unit": "supply_unit_id",
    "month": "month",
    "category": "category",
}
_TYPES = {
    "key": TEXT,
    "contracts": INTEGER,
    "no_reference": INTEGER,
    "benefit": INTEGER,
    "demand": INTEGER,
    "supply": INTEGER,
}


def _major(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}"


def _window(start: datetime | None, end: datetime | None) -> sql.Where:
    where = sql.Where()
    where.add("activated_at IS NOT NULL")
    where.within("activated_at", start, end)
    return where


async def benefit(
    reader: RowReader, group_by: GroupBy, start: datetime | None, end: datetime | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per group and in total, of the contracts activated in the window: the contracts with a
    reference, the benefit and its demand and supply shares, and the contracts without one."""
    column = _COLUMN[group_by]
    where = _window(start, end)
    select = (
        f"SELECT {column} AS key, COUNT(benefit_minor) AS contracts, "
        "COUNT(*) - COUNT(benefit_minor) AS no_reference, "
        "COALESCE(SUM(benefit_minor), 0) AS benefit, COALESCE(SUM(demand_minor), 0) AS demand, "
        "COALESCE(SUM(supply_minor), 0) AS supply "
        f"FROM synergy_benefit_contracts WHERE {where.sql()} GROUP BY {column}"
    )
    rows = [_row(r) for r in await reader.fetch(select, where.params, _TYPES)]
    rows.sort(key=lambda r: "" if r["key"] is None else str(r["key"]))
    total = {name: sum(r[name] for r in rows) for name in ("contracts", "no_reference")} | {
        name: _major(sum(r[f"_{name}"] for r in rows))
        for name in ("benefit", "demand_share", "supply_share")
    }
    for r in rows:
        for name in ("benefit", "demand_share", "supply_share"):
            del r[f"_{name}"]
    return rows, total


def _row(r: dict[str, Any]) -> dict[str, Any]:
    minor = {"benefit": int(r["benefit"]), "demand_share": int(r["demand"])}
    minor["supply_share"] = int(r["supply"])
    return {
        "key": r["key"],
        "contracts": int(r["contracts"]),
        "no_reference": int(r["no_reference"]),
        **{name: _major(value) for name, value in minor.items()},
        **{f"_{name}": value for name, value in minor.items()},
    }


_EXCEPTION_COLUMNS = (
    "contract_id",
    "demand_unit_id",
    "supply_unit_id",
    "category",
    "activated_at",
    "reference_source",
    "reference_unit_price",
    "unit_price",
    "quantity",
    "tolerance_pct",
    "excess_pct",
)


def _exceptions_where(
    start: datetime | None, end: datetime | None, units: Collection[str] | None
) -> sql.Where:
    where = _window(start, end)
    where.add("beyond_tolerance = 1")
    where.any_in(("demand_unit_id", "supply_unit_id"), units)
    return where


async def exceptions(
    reader: RowReader,
    start: datetime | None,
    end: datetime | None,
    *,
    units: Collection[str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The contracts activated in the window priced above their reference by more than the
    tolerance in force at their activation, newest first; with `units`, those one of them is a
    party to; the first `limit` only when given."""
    where = _exceptions_where(start, end, units)
    select = (
        f"SELECT {', '.join(_EXCEPTION_COLUMNS)} FROM synergy_benefit_contracts "
        f"WHERE {where.sql()} ORDER BY activated_at DESC, contract_id"
    )
    if limit is not None:
        select += f" LIMIT {int(limit)}"
    types = {c.name: c.type for c in CONTRACTS.columns if c.name in _EXCEPTION_COLUMNS}
    return await reader.fetch(select, where.params, types)


async def count_exceptions(
    reader: RowReader,
    start: datetime | None,
    end: datetime | None,
    units: Collection[str] | None = None,
) -> int:
    """How many `exceptions` there are (a page shows the first few and says of how many)."""
    where = _exceptions_where(start, end, units)
    select = f"SELECT COUNT(*) AS n FROM synergy_benefit_contracts WHERE {where.sql()}"
    rows = await reader.fetch(select, where.params, {"n": INTEGER})
    return int(rows[0]["n"])
