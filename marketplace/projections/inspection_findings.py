"""Inspection findings per unit: open, rectified (late or not); overdue is read off the date.

Every row change comes from the finding's own events, which carry the unit's platform and
sector as they were, so a later restructuring does not move old findings.
"""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, Literal

from marketplace.aggregates.inspection import finding_status
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.inspections import (
    INSPECTIONS_TOPIC,
    InspectionFindingRecordedV1,
    InspectionFindingRectifiedV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert
from marketplace.projections.pages import MAX_PAGE, Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT
Status = Literal["open", "overdue", "rectified"]

FINDINGS = Table(
    "inspection_findings_rows",
    columns=(
        Column("finding_id", TEXT),
        Column("unit_id", TEXT),
        Column("platform_id", TEXT),
        Column("sector", TEXT),
        Column("issue", TEXT),
        Column("description", TEXT),
        Column("rectify_by", TEXT),
        Column("recorded_at", ColumnType.TIMESTAMP),
        Column("rectified", ColumnType.BOOLEAN),
        Column("rectified_at", ColumnType.TIMESTAMP, nullable=True),
        Column("late", ColumnType.BOOLEAN, nullable=True),
        Column("evidence", TEXT, nullable=True),
    ),
    key=("finding_id",),
    indexes=(("unit_id", "rectified"), ("platform_id", "rectified")),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != INSPECTIONS_TOPIC:
        return []
    payload = payload_of(event)
    key = {"finding_id": event.subject}
    match payload:
        case InspectionFindingRecordedV1():
            values: dict[str, Any] = {
                "unit_id": payload.unit_id,
                "platform_id": payload.context.get("platform_id", ""),
                "sector": payload.context.get("sector", ""),
                "issue": payload.issue,
                "description": payload.description,
                "rectify_by": payload.rectify_by.isoformat(),
                "recorded_at": event.time,
                "rectified": False,
                "rectified_at": None,
                "late": None,
                "evidence": None,
            }
            return [Upsert(FINDINGS.name, key, values)]
        case InspectionFindingRectifiedV1():
            values = {
                "rectified": True,
                "rectified_at": event.time,
                "late": payload.late,
                "evidence": payload.evidence,
            }
            return [Upsert(FINDINGS.name, key, values)]
    return []


PROJECTION = Projection(
    name="inspection_findings",
    version=1,
    topics=(INSPECTIONS_TOPIC,),
    tables=(FINDINGS,),
    apply=apply,
)


MOST_PRESSING_FIRST = Order(FINDINGS, ("rectify_by", "finding_id"))


async def findings_page(
    reader: RowReader,
    today: date,
    page: PageRequest,
    *,
    unit_id: str | None = None,
    platform_id: str | None = None,
    status: Status | None = None,
) -> Page:
    """A page of findings, oldest deadline first, each with its status on `today` (overdue:
    open after its deadline)."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("unit_id", unit_id), ("platform_id", platform_id)):
        if value is not None:
            params.append(value)
            where.append(f"{column} = ${len(params)}")
    if status == "rectified":
        where.append("rectified")
    elif status in ("open", "overdue"):
        params.append(today.isoformat())
        where.append(
            f"NOT rectified AND rectify_by {'>=' if status == 'open' else '<'} ${len(params)}"
        )
    found = await fetch_page(reader, MOST_PRESSING_FIRST, where, params, page)
    for row in found.items:
        rectify_by = date.fromisoformat(row["rectify_by"])
        row["status"] = finding_status(bool(row["rectified"]), rectify_by, today)
    return found


async def findings(
    reader: RowReader,
    today: date,
    *,
    unit_id: str | None = None,
    platform_id: str | None = None,
    status: Status | None = None,
    limit: int = MAX_PAGE,
) -> list[dict[str, Any]]:
    """The first `limit` findings of `findings_page`."""
    first = PageRequest(limit=limit)
    found = await findings_page(
        reader, today, first, unit_id=unit_id, platform_id=platform_id, status=status
    )
    return found.items


async def due_between(
    reader: RowReader, units: Sequence[str], first: date, after_last: date
) -> list[dict[str, Any]]:
    """Findings of `units` whose deadline falls in [first, after_last)."""
    params: list[Any] = [first.isoformat(), after_last.isoformat()]
    columns = ", ".join(c.name for c in FINDINGS.columns)
    return await reader.fetch(
        f"SELECT {columns} FROM {FINDINGS.name} WHERE rectify_by >= $1 AND rectify_by < $2 "
        f"AND {sql.is_in('unit_id', units, params)}",
        params,
        FINDINGS.types,
    )


async def due_counts_by_unit(
    reader: RowReader, first: date, after_last: date, on: date
) -> list[tuple[str, int, int]]:
    """(unit, findings due, of them rectified in time) of the findings whose deadline falls in
    [first, after_last), every unit at once. Due on the day `on`: rectified, or open past its
    deadline (overdue, `finding_status`); one still open before its deadline is not judged yet."""
    rows = await reader.fetch(
        "SELECT unit_id, "
        "SUM(CASE WHEN rectified OR rectify_by < $3 THEN 1 ELSE 0 END) AS due, "
        # A rectified finding with no `late` counts as in time.
        "SUM(CASE WHEN rectified AND late THEN 0 WHEN rectified THEN 1 ELSE 0 END) AS on_time "
        f"FROM {FINDINGS.name} WHERE rectify_by >= $1 AND rectify_by < $2 GROUP BY unit_id",
        [first.isoformat(), after_last.isoformat(), on.isoformat()],
        {"unit_id": TEXT, "due": ColumnType.INTEGER, "on_time": ColumnType.INTEGER},
    )
    return [(r["unit_id"], int(r["due"] or 0), int(r["on_time"] or 0)) for r in rows]


COUNTED = ("findings", "open", "overdue", "rectified", "rectified_late")


async def counts_by_unit(
    reader: RowReader, today: date, units: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """Per unit (of `units`; None: every unit), its findings: open (overdue included), overdue
    on `today`, rectified, and rectified after the deadline."""
    where = sql.Where()
    where.params.append(today.isoformat())
    where.any_in(("unit_id",), units)
    rows = await reader.fetch(
        "SELECT unit_id, COUNT(*) AS findings, "
        "SUM(CASE WHEN rectified THEN 0 ELSE 1 END) AS open, "
        "SUM(CASE WHEN NOT rectified AND rectify_by < $1 THEN 1 ELSE 0 END) AS overdue, "
        "SUM(CASE WHEN rectified THEN 1 ELSE 0 END) AS rectified, "
        "SUM(CASE WHEN rectified AND late THEN 1 ELSE 0 END) AS rectified_late "
        f"FROM {FINDINGS.name} WHERE {where.sql()} GROUP BY unit_id",
        where.params,
        {"unit_id": TEXT} | {c: ColumnType.INTEGER for c in COUNTED},
    )
    found = [{"unit_id": r["unit_id"]} | {c: int(r[c]) for c in COUNTED} for r in rows]
    return sorted(found, key=lambda r: r["unit_id"])
