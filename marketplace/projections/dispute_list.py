"""Disputes as lists show them: both parties, the subject, status and the mediator unit.

Fed by each dispute's own events only, so the rows are the same in any interleaving."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.disputes import (
    DISPUTES_TOPIC,
    DisputeMediationRequestedV1,
    DisputeRaisedV1,
    DisputeResolvedV1,
    DisputeSettledV1,
    DisputeWithdrawnV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT
# Whom a dispute concerns: both parties and, once mediation is asked for, the mediator.
CONCERNED = ("raiser_unit_id", "against_unit_id", "mediator_unit_id")

DISPUTES = Table(
    "dispute_list_disputes",
    columns=(
        Column("dispute_id", TEXT),
        Column("raiser_unit_id", TEXT),
        Column("against_unit_id", TEXT),
        Column("subject_type", TEXT),
        Column("subject_id", TEXT),
        Column("kind", TEXT),
        Column("status", TEXT),
        Column("mediator_unit_id", TEXT, nullable=True),
        Column("raised_at", ColumnType.TIMESTAMP),
        # When it was resolved, settled or withdrawn: how long disputes take to close.
        Column("closed_at", ColumnType.TIMESTAMP, nullable=True),
    ),
    key=("dispute_id",),
    indexes=tuple((c, "raised_at") for c in CONCERNED),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != DISPUTES_TOPIC:
        return []
    payload = payload_of(event)
    key = {"dispute_id": event.subject}
    match payload:
        case DisputeRaisedV1():
            values: dict[str, Value] = {
                "raiser_unit_id": payload.raiser_unit_id,
                "against_unit_id": payload.against_unit_id,
                "subject_type": payload.subject_type,
                "subject_id": payload.subject_id,
                "kind": payload.kind,
                "status": "negotiating",
                "mediator_unit_id": None,
                "raised_at": event.time,
                "closed_at": None,
            }
            return [Upsert(DISPUTES.name, key, values)]
        case DisputeMediationRequestedV1():
            mediation = {"status": "in_mediation", "mediator_unit_id": payload.mediator_unit_id}
            return [Upsert(DISPUTES.name, key, mediation)]
        case DisputeResolvedV1():
            return [Upsert(DISPUTES.name, key, {"status": "resolved", "closed_at": event.time})]
        case DisputeSettledV1():
            return [Upsert(DISPUTES.name, key, {"status": "settled", "closed_at": event.time})]
        case DisputeWithdrawnV1():
            return [Upsert(DISPUTES.name, key, {"status": "withdrawn", "closed_at": event.time})]
    return []


PROJECTION = Projection(
    name="dispute_list", version=2, topics=(DISPUTES_TOPIC,), tables=(DISPUTES,), apply=apply
)

NEWEST_FIRST = Order(DISPUTES, ("raised_at", "dispute_id"), descending=True)


async def disputes_of(
    reader: RowReader, units: Collection[str] | None, status: str | None, page: PageRequest
) -> Page:
    """A page of disputes, newest first, that concern one of `units` as a party or as the
    mediator (`units` None: every dispute), of one status when given."""
    where = sql.Where()
    where.any_in(CONCERNED, units)
    where.equal("status", status)
    return await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)


async def counts(
    reader: RowReader,
    start: datetime | None,
    end: datetime | None,
    units: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Disputes raised in [start, end) that concern one of `units` (None: any), counted per
    status and mediator unit (null before mediation is asked for)."""
    where = sql.Where()
    where.within("raised_at", start, end)
    where.any_in(CONCERNED, units)
    rows = await reader.fetch(
        "SELECT status, mediator_unit_id, COUNT(*) AS disputes "  # noqa: S608 - fixed names
        f"FROM {DISPUTES.name} WHERE {where.sql()} "
        "GROUP BY status, mediator_unit_id",
        where.params,
        {"status": TEXT, "mediator_unit_id": TEXT, "disputes": ColumnType.INTEGER},
    )
    found = [{**r, "disputes": int(r["disputes"])} for r in rows]
    return sorted(found, key=lambda r: (r["status"], r["mediator_unit_id"] or ""))


async def closings(
    reader: RowReader,
    start: datetime | None,
    end: datetime | None,
    units: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Disputes closed in [start, end) that concern one of `units` (None: any): each one's
    mediator unit (null when the parties closed it without mediation), raised and closed."""
    where = sql.Where()
    where.add("closed_at IS NOT NULL")
    where.within("closed_at", start, end)
    where.any_in(CONCERNED, units)
    return await reader.fetch(
        "SELECT mediator_unit_id, raised_at, closed_at "  # noqa: S608 - fixed names
        f"FROM {DISPUTES.name} WHERE {where.sql()} "
        "ORDER BY closed_at, dispute_id",
        where.params,
        {"mediator_unit_id": TEXT, "raised_at": ColumnType.TIMESTAMP,
         "closed_at": ColumnType.TIMESTAMP},
    )  # fmt: skip
