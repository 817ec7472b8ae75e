"""Supplier quality (paper §3.4.1④): per supplier unit, contracts, incidents, open incidents,
by kind and by severity. All counters are additive, so any interleaving gives the same rows."""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from marketplace.aggregates.quality_incident import DAMAGE
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.contracts import (
    CONTRACTS_TOPIC,
    ContractCreatedV1,
    QualityIncidentRecordedV1,
    QualityIncidentResolvedV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import Increment, RowChange
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

KINDS = ("management", "product_quality", "delivery_delay")
SEVERITIES = ("minor", "major", "critical")
COUNTERS = ("contracts", "incidents", "open", *KINDS, *SEVERITIES)

SUPPLIERS = Table(
    "supplier_quality_suppliers",
    columns=(
        Column("supplier_unit_id", ColumnType.TEXT),
        *(Column(c, ColumnType.INTEGER) for c in COUNTERS),
    ),
    key=("supplier_unit_id",),
)


def _counts(supplier: str, **changes: int) -> Increment:
    # Every counter is named, so a first increment creates a complete row.
    return Increment(
        SUPPLIERS.name, {"supplier_unit_id": supplier}, {c: changes.get(c, 0) for c in COUNTERS}
    )


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != CONTRACTS_TOPIC:
        return []
    payload = payload_of(event)
    match payload:
        case ContractCreatedV1():
            return [_counts(payload.supply_unit_id, contracts=1)]
        # A shared resource's damage is against the unit that booked it, not its supplier.
        case QualityIncidentRecordedV1() if payload.kind != DAMAGE:
            return [
                _counts(
                    payload.parties["supply_unit_id"],
                    incidents=1,
                    open=1,
                    **{payload.kind: 1, payload.severity: 1},
                )
            ]
        case QualityIncidentResolvedV1() if payload.kind != DAMAGE:
            return [_counts(payload.parties["supply_unit_id"], open=-1)]
    return []


PROJECTION = Projection(
    name="supplier_quality",
    version=1,
    topics=(CONTRACTS_TOPIC,),
    tables=(SUPPLIERS,),
    apply=apply,
    types=types_of(ContractCreatedV1, QualityIncidentRecordedV1, QualityIncidentResolvedV1),
)


async def suppliers(
    reader: RowReader, supplier_unit_id: str | None, units: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """Per supplier (one, when named; of `units`, when given) its counts, by supplier id."""
    columns = ", ".join(c.name for c in SUPPLIERS.columns)
    where = sql.Where()
    where.equal("supplier_unit_id", supplier_unit_id or None)
    where.any_in(("supplier_unit_id",), units)
    rows = await reader.fetch(
        f"SELECT {columns} FROM supplier_quality_suppliers "
        f"WHERE {where.sql()} ORDER BY supplier_unit_id",
        where.params,
        SUPPLIERS.types,
    )
    return [
        {
            "supplier_unit_id": r["supplier_unit_id"],
            "incidents": r["incidents"],
            "open": r["open"],
            "by_kind": {k: r[k] for k in KINDS},
            "by_severity": {s: r[s] for s in SEVERITIES},
            "contracts": r["contracts"],
            "incidents_per_contract": (
                f"{r['incidents'] / r['contracts']:.4f}" if r["contracts"] else None
            ),
        }
        for r in rows
    ]
