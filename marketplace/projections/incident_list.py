"""Quality incidents as lists show them: the contract, both parties, kind, severity, status.

Fed by each incident's own events only, so the rows are the same in any interleaving."""

from __future__ import annotations

from collections.abc import Collection

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.contracts import (
    CONTRACTS_TOPIC,
    QualityIncidentEscalatedV1,
    QualityIncidentRecordedV1,
    QualityIncidentResolvedV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT
_SIDES = ("supplier", "demand")

INCIDENTS = Table(
    "incident_list_incidents",
    columns=(
        Column("incident_id", TEXT),
        Column("contract_id", TEXT),
        Column("supplier_unit_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("kind", TEXT),
        Column("severity", TEXT),
        Column("status", TEXT),
        Column("automatic", ColumnType.BOOLEAN),
        Column("occurred_at", ColumnType.TIMESTAMP),
        Column("recorded_at", ColumnType.TIMESTAMP),
        Column("dispute_id", TEXT, nullable=True),
    ),
    key=("incident_id",),
    indexes=(("supplier_unit_id", "recorded_at"), ("demand_unit_id", "recorded_at")),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != CONTRACTS_TOPIC:
        return []
    payload = payload_of(event)
    key = {"incident_id": event.subject}
    match payload:
        case QualityIncidentRecordedV1():
            values: dict[str, Value] = {
                "contract_id": payload.contract_id,
                "supplier_unit_id": payload.parties["supply_unit_id"],
                "demand_unit_id": payload.parties["demand_unit_id"],
                "kind": payload.kind,
                "severity": payload.severity,
                "status": "open",
                "automatic": payload.automatic,
                "occurred_at": payload.occurred_at,
                "recorded_at": event.time,
                "dispute_id": None,
            }
            return [Upsert(INCIDENTS.name, key, values)]
        case QualityIncidentResolvedV1():
            return [Upsert(INCIDENTS.name, key, {"status": "resolved"})]
        case QualityIncidentEscalatedV1():
            return [Upsert(INCIDENTS.name, key, {"dispute_id": payload.dispute_id})]
    return []


PROJECTION = Projection(
    name="incident_list",
    version=1,
    topics=(CONTRACTS_TOPIC,),
    tables=(INCIDENTS,),
    apply=apply,
    types=types_of(
        QualityIncidentEscalatedV1, QualityIncidentRecordedV1, QualityIncidentResolvedV1
    ),
)

NEWEST_FIRST = Order(INCIDENTS, ("recorded_at", "incident_id"), descending=True)


async def incidents_of(
    reader: RowReader,
    units: Collection[str] | None,
    supplier_unit_id: str | None,
    demand_unit_id: str | None,
    status: str | None,
    page: PageRequest,
    *,
    contract_id: str | None = None,
) -> Page:
    """A page of incidents, newest first, where one of `units` is a party (`units` None: any),
    narrowed to a supplier, a demand unit, a status and a contract when given."""
    where = sql.Where()
    where.any_in([f"{side}_unit_id" for side in _SIDES], units)
    where.equal("supplier_unit_id", supplier_unit_id)
    where.equal("demand_unit_id", demand_unit_id)
    where.equal("status", status)
    where.equal("contract_id", contract_id)
    return await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)
