"""Invitation compliance (paper §3.4.1③): per tender for a catalog item, whether every catalog
supplier was invited or the omission filed. Each row comes from one `tender.launched` event,
which carries the demand unit's platform as it was, so the figures are order-independent."""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Literal

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.tenders import TENDERS_TOPIC, TenderLaunchedV1
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

TENDERS = Table(
    "invitation_compliance_tenders",
    columns=(
        Column("tender_id", TEXT),
        Column("need_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("demand_platform_id", TEXT),
        Column("item_code", TEXT),
        Column("launched_at", ColumnType.TIMESTAMP),
        Column("compliance", TEXT),
        Column("missing_catalog_suppliers", TEXT),
        Column("omission_filing", TEXT, nullable=True),
    ),
    key=("tender_id",),
    indexes=(("launched_at",), ("demand_unit_id", "launched_at")),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != TENDERS_TOPIC:
        return []
    payload = payload_of(event)
    if not isinstance(payload, TenderLaunchedV1) or not payload.required_suppliers:
        return []  # only tenders for catalog items are judged
    return [
        Upsert(
            TENDERS.name,
            {"tender_id": event.subject},
            {
                "need_id": payload.need_id,
                "demand_unit_id": payload.demand["demand_unit_id"],
                "demand_platform_id": payload.demand.get("demand_platform_id", ""),
                "item_code": payload.item_code,
                "launched_at": event.time,
                "compliance": payload.compliance,
                "missing_catalog_suppliers": ";".join(payload.missing_catalog_suppliers),
                "omission_filing": payload.omission_filing,
            },
        )
    ]


PROJECTION = Projection(
    name="invitation_compliance",
    version=1,
    topics=(TENDERS_TOPIC,),
    tables=(TENDERS,),
    apply=apply,
    types=types_of(TenderLaunchedV1),
)

GroupBy = Literal["demand_unit", "platform"]
_COLUMN = {"demand_unit": "demand_unit_id", "platform": "demand_platform_id"}


def _window(
    start: datetime | None, end: datetime | None, units: Collection[str] | None = None
) -> tuple[str, list[Value]]:
    """Tenders launched in [start, end), by one of `units` when given (None: by any unit)."""
    where = sql.Where()
    where.within("launched_at", start, end)
    where.any_in(("demand_unit_id",), units)
    return where.sql(), where.params


async def rates(
    reader: RowReader,
    group_by: GroupBy,
    start: datetime | None,
    end: datetime | None,
    units: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Per key: tenders, compliant, exception_filed, rate (compliant / tenders)."""
    where, params = _window(start, end, units)
    column = _COLUMN[group_by]
    rows = await reader.fetch(
        f"SELECT {column} AS key, {_COUNTS} "
        f"FROM invitation_compliance_tenders WHERE {where} GROUP BY {column} ORDER BY {column}",
        params,
        _COUNT_TYPES,
    )
    return [_rate(r) for r in rows]


async def rates_by_slice(
    reader: RowReader,
    group_by: GroupBy,
    slices: Sequence[tuple[datetime, datetime]],
    units: Collection[str] | None = None,
) -> list[list[dict[str, Any]]]:
    """`rates` of each of `slices` (back-to-back [start, end) windows, in order: the
    dashboard's months), in one query rather than one per slice."""
    sql.back_to_back(slices)
    if not sql.slices_in_one_query(reader):
        return [await rates(reader, group_by, *window, units) for window in slices]
    if not slices:
        return []
    where = sql.Where()
    where.any_in(("demand_unit_id",), units)
    case = where.slices("launched_at", slices)
    column = _COLUMN[group_by]
    rows = await reader.fetch(
        f"SELECT {case} AS slice, {column} AS key, {_COUNTS} "
        f"FROM invitation_compliance_tenders WHERE {where.sql()} "
        f"GROUP BY slice, {column} ORDER BY slice, {column}",
        where.params,
        {**_COUNT_TYPES, "slice": ColumnType.INTEGER},
    )
    found: list[list[dict[str, Any]]] = [[] for _ in slices]
    for r in rows:
        found[int(r["slice"])].append(_rate(r))
    return found


_COUNTS = (
    "COUNT(*) AS tenders, SUM(CASE WHEN compliance = 'compliant' THEN 1 ELSE 0 END) AS compliant"
)
_COUNT_TYPES = {"key": TEXT, "tenders": ColumnType.INTEGER, "compliant": ColumnType.INTEGER}


def _rate(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": r["key"],
        "tenders": int(r["tenders"]),
        "compliant": int(r["compliant"]),
        "exception_filed": int(r["tenders"]) - int(r["compliant"]),
        "rate": f"{int(r['compliant']) / int(r['tenders']):.4f}",
    }


NEWEST_FIRST = Order(TENDERS, ("launched_at", "tender_id"), descending=True)


async def exceptions(
    reader: RowReader,
    start: datetime | None,
    end: datetime | None,
    page: PageRequest | None = None,
    units: Collection[str] | None = None,
) -> Page:
    """A page of the tenders launched with a filed omission, with the reasons, newest first."""
    where, params = _window(start, end, units)
    conditions = [where, "compliance = 'exception_filed'"]
    found = await fetch_page(reader, NEWEST_FIRST, conditions, params, page or PageRequest())
    for row in found.items:
        row["missing_catalog_suppliers"] = [
            u for u in str(row["missing_catalog_suppliers"]).split(";") if u
        ]
    return found
