"""Internal trade volume: one row per contract between group units, with the parties as they
were at the award; its amount counts once the contract is active, deliveries as they arrive.

Amounts are kept as integer minor units (fen: CNY has two decimals, as `inputs.Money` checks)
so the store sums them exactly in SQL: SQLite keeps decimals as text, and its SUM of text is
a float.
"""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
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
from marketplace.projections import sql
from marketplace.projections.changes import Increment, RowChange, Upsert, Value
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT
# The columns the dashboard sums a year of every contract by (the month chart asks a month at a
# time): each has an index in its order, which SQLite is told to read for a long period.
_ORDERED = ("supply_sector", "category", "demand_unit_id", "supply_unit_id", "trade_form")

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
        Column("trade_form", TEXT),
        Column("status", TEXT),
        Column("amount_minor", ColumnType.INTEGER),
        Column("delivered_minor", ColumnType.INTEGER),
        Column("activated_at", ColumnType.TIMESTAMP, nullable=True),
        Column("month", TEXT, nullable=True),
    ),
    key=("contract_id",),
    # Covering: the period's sums by any dimension read the index alone, no row (some 40 % less
    # time than the rows at 100,000 contracts in SQLite, measured on the dashboard's queries).
    # Beside it, one per dimension the dashboard groups a long period by, in that dimension's
    # order: the group's sums walk it without sorting (see _LONG). The units' two also find a
    # unit's subtree's contracts (SQLite looks each unit up in both: 217 -> 115 ms a platform's
    # dashboard).
    indexes=(
        (
            "activated_at",
            "supply_sector",
            "category",
            "demand_unit_id",
            "supply_unit_id",
            "amount_minor",
            "delivered_minor",
        ),
        *((column, "activated_at", "amount_minor", "delivered_minor") for column in _ORDERED),
    ),
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
                        "trade_form": payload.trade_form,
                        "status": payload.status,
                        "amount_minor": 0,
                        "delivered_minor": 0,
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
                        "amount_minor": minor_units(payload.amount),
                        "activated_at": event.time,
                        "month": event.time.strftime("%Y-%m"),
                    },
                )
            ]
        case ContractDeliveredV1():
            delivered = {"delivered_minor": minor_units(payload.amount)}
            return [Increment(CONTRACTS.name, key, delivered)]
        case ContractCompletedV1() | ContractTerminatedV1():
            status = "completed" if isinstance(payload, ContractCompletedV1) else "terminated"
            return [Upsert(CONTRACTS.name, key, {"status": status})]
    return []


_MINOR_PER_MAJOR = 100


def minor_units(amount: str) -> int:
    """An amount of CNY in fen; more than two decimals is refused, never rounded."""
    minor = Decimal(amount) * _MINOR_PER_MAJOR
    if not minor.is_finite() or minor != minor.to_integral_value():
        raise ValueError(f"not an amount of whole fen: {amount!r}")
    return int(minor)


def _major(minor: int) -> str:
    return f"{Decimal(minor) / _MINOR_PER_MAJOR:.2f}"


PROJECTION = Projection(
    name="trade_volume",
    version=4,
    topics=(CONTRACTS_TOPIC,),
    tables=(CONTRACTS,),
    apply=apply,
    types=types_of(
        ContractActivatedV1,
        ContractCompletedV1,
        ContractCreatedV1,
        ContractDeliveredV1,
        ContractTerminatedV1,
    ),
)

GroupBy = Literal[
    "sector", "demand_unit", "supply_unit", "category", "business_type", "trade_form", "month"
]
_COLUMN = {
    "sector": "supply_sector",
    "demand_unit": "demand_unit_id",
    "supply_unit": "supply_unit_id",
    "category": "category",
    "business_type": "business_type",
    "trade_form": "trade_form",
    "month": "month",
}


# SUM of integers is exact on both stores: PostgreSQL sums bigints as NUMERIC, and SQLite's
# SUM of integers fails ("integer overflow") rather than round past 2**63, which 93 contracts
# of 10**17 fen reach. Then each amount is summed as two parts below 10**9 and 10**8, which
# cannot overflow before some 10**10 rows (a quarter slower, so only when needed).
_WHOLE = "SUM(amount_minor) AS amount, SUM(delivered_minor) AS delivered"
_SPLIT = 1_000_000_000
_PARTS = {"amount": "amount_minor", "delivered": "delivered_minor"}
_SUMS = ", ".join(
    f"SUM({column} / {_SPLIT}) AS {name}_high, SUM({column} % {_SPLIT}) AS {name}_low"
    for name, column in _PARTS.items()
)
_SUM_TYPES = {f"{name}_{part}": ColumnType.INTEGER for name in _PARTS for part in ("high", "low")}
_TYPES = {"key": TEXT, "contracts": ColumnType.INTEGER, "slice": ColumnType.INTEGER}

# SQLite has no statistics here (no ANALYZE): it reads a period's contracts from the time index
# and sorts them by the group, which for the group's year (some 100,000 contracts) takes twice
# as long as walking every contract in the group's own index (`_ORDERED`), unsorted: measured
# 38-50 ms against 18-21 ms a query. A `+` before the column keeps SQLite off the time index, so
# it takes the ordered one (or, on tables made before it, what it has). For a period of two
# months or less the time index, reading only those, stays the quicker (and PostgreSQL, which
# has statistics, chooses for itself).
_LONG = timedelta(days=62)


def _long(start: datetime | None, end: datetime | None) -> bool:
    return start is None or end is None or end - start > _LONG


async def volume(
    reader: RowReader,
    group_by: GroupBy,
    start: datetime | None,
    end: datetime | None,
    units: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Active (or since completed/terminated) contracts grouped: count, amount, delivered;
    with `units`, only contracts one of them is a party to (None: every contract).

    Grouped and summed by the store; only one row per group comes back."""
    column = _COLUMN[group_by]
    activated = "activated_at"
    if units is None and column in _ORDERED and _long(start, end) and sql.on_sqlite(reader):
        activated = "+activated_at"  # SQLite: not by the time index (see _long)
    where = sql.Where()
    where.add(f"{activated} IS NOT NULL")
    where.within(activated, start, end)
    where.any_in(("demand_unit_id", "supply_unit_id"), units)
    select = (
        f"SELECT {column} AS key, COUNT(*) AS contracts, {{sums}} "
        f"FROM trade_volume_contracts WHERE {where.sql()} GROUP BY {column}"
    )
    sums = await _sums(reader, select, where.params)
    totals = [
        {
            "key": key,
            "contracts": contracts,
            "amount": _major(amount),
            "delivered_amount": _major(delivered),
        }
        for (_, key), contracts, amount, delivered in sums
    ]
    # Sorted here, by code point as before, whatever the store's collation.
    return sorted(totals, key=lambda t: t["key"])


async def volumes(
    reader: RowReader,
    group_bys: Sequence[GroupBy],
    start: datetime | None,
    end: datetime | None,
    units: Collection[str] | None = None,
) -> dict[GroupBy, list[dict[str, Any]]]:
    """`volume` by each of `group_bys`: on PostgreSQL in one pass over the period's contracts
    (GROUPING SETS: a year of the group's 100,000 contracts by four dimensions in about the
    time of two of the four queries), on SQLite, which has no grouping sets, one query each."""
    if sql.on_sqlite(reader):
        return {g: await volume(reader, g, start, end, units) for g in group_bys}
    columns = [_COLUMN[g] for g in group_bys]
    where = sql.Where()
    where.add("activated_at IS NOT NULL")
    where.within("activated_at", start, end)
    where.any_in(("demand_unit_id", "supply_unit_id"), units)
    sets = ", ".join(f"({c})" for c in columns)
    rows = await reader.fetch(
        f"SELECT {', '.join(columns)}, GROUPING({', '.join(columns)}) AS grouped, "
        f"COUNT(*) AS contracts, {_WHOLE} FROM trade_volume_contracts "
        f"WHERE {where.sql()} GROUP BY GROUPING SETS ({sets})",
        where.params,
        {c: TEXT for c in columns}
        | {n: ColumnType.INTEGER for n in ("grouped", "contracts", "amount", "delivered")},
    )
    found: dict[GroupBy, list[dict[str, Any]]] = {g: [] for g in group_bys}
    for r in rows:
        # GROUPING(...) has a bit set for each column the row is *not* grouped by, the first
        # column's the highest: the one bit clear names the row's dimension.
        at = next(i for i in range(len(columns)) if not r["grouped"] >> (len(columns) - 1 - i) & 1)
        found[group_bys[at]].append(
            {
                "key": r[columns[at]],
                "contracts": int(r["contracts"]),
                "amount": _major(int(r["amount"])),
                "delivered_amount": _major(int(r["delivered"])),
            }
        )
    for totals in found.values():
        totals.sort(key=lambda t: t["key"])
    return found


async def volume_by_slice(
    reader: RowReader,
    group_by: GroupBy,
    slices: Sequence[tuple[datetime, datetime]],
    units: Collection[str] | None = None,
) -> list[list[dict[str, Any]]]:
    """`volume` of each of `slices` (back-to-back [start, end) windows, in order: the
    dashboard's months), in one query rather than one per slice."""
    sql.back_to_back(slices)
    if not sql.slices_in_one_query(reader):
        return [await volume(reader, group_by, *window, units) for window in slices]
    if not slices:
        return []
    column = _COLUMN[group_by]
    where = sql.Where()
    where.add("activated_at IS NOT NULL")
    where.any_in(("demand_unit_id", "supply_unit_id"), units)
    case = where.slices("activated_at", slices)
    select = (
        f"SELECT {case} AS slice, {column} AS key, COUNT(*) AS contracts, "
        f"{{sums}} FROM trade_volume_contracts WHERE {where.sql()} GROUP BY slice, {column}"
    )
    found: list[list[dict[str, Any]]] = [[] for _ in slices]
    for (at, key), contracts, amount, delivered in await _sums(reader, select, where.params):
        assert at is not None  # every row is within the slices (the WHERE says so)
        found[at].append(
            {
                "key": key,
                "contracts": contracts,
                "amount": _major(amount),
                "delivered_amount": _major(delivered),
            }
        )
    for totals in found:
        totals.sort(key=lambda t: t["key"])
    return found


async def _sums(
    reader: RowReader, select: str, params: Sequence[Value]
) -> list[tuple[Group, int, int, int]]:
    """((slice, key), contracts, amount, delivered) per group of `select` (slice None when it
    selects none), in fen: whole sums, or parts where SQLite's overflow (see _WHOLE). int()
    takes PostgreSQL's Decimal and SQLite's int."""
    types = {**_TYPES, "amount": ColumnType.INTEGER, "delivered": ColumnType.INTEGER}
    try:
        rows = await reader.fetch(select.format(sums=_WHOLE), params, types)
    except sqlite3.OperationalError as exc:
        if "integer overflow" not in str(exc):
            raise
    else:
        return [
            (_group(r), int(r["contracts"]), int(r["amount"]), int(r["delivered"])) for r in rows
        ]
    rows = await reader.fetch(select.format(sums=_SUMS), params, {**_TYPES, **_SUM_TYPES})
    return [
        (
            _group(r),
            int(r["contracts"]),
            int(r["amount_high"]) * _SPLIT + int(r["amount_low"]),
            int(r["delivered_high"]) * _SPLIT + int(r["delivered_low"]),
        )
        for r in rows
    ]


Group = tuple[int | None, str | None]  # (slice, key)


def _group(row: dict[str, Any]) -> Group:
    at = row.get("slice")
    return (None if at is None else int(at), row["key"])
