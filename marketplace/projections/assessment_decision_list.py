"""HQ's rewards and penalties by unit and year, as the assessment, the unit's page, the quarterly
report and the dashboard show them: each decision with its standing (in effect, superseded by
a correction, withdrawn)."""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.rules import RULES_TOPIC, DecisionRecordedV1, DecisionWithdrawnV1
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

DECISIONS = Table(
    "assessment_decision_list_decisions",
    columns=(
        Column("decision_id", TEXT),
        Column("year", ColumnType.INTEGER),
        Column("unit_id", TEXT),
        Column("kind", TEXT),
        Column("amount", ColumnType.DECIMAL, nullable=True),
        Column("reason", TEXT),
        Column("supersedes", TEXT, nullable=True),
        Column("status", TEXT),
        Column("recorded_at", ColumnType.TIMESTAMP),
        Column("recorded_by_unit_id", TEXT, nullable=True),
        Column("superseded_by", TEXT, nullable=True),
        Column("withdrawal_reason", TEXT, nullable=True),
        Column("withdrawn_at", ColumnType.TIMESTAMP, nullable=True),
    ),
    key=("decision_id",),
    indexes=(("unit_id", "year"), ("year",)),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != RULES_TOPIC:
        return []
    payload = payload_of(event)
    key = {"decision_id": event.subject}
    match payload:
        case DecisionRecordedV1():
            values: dict[str, Any] = {
                "year": payload.year,
                "unit_id": payload.unit_id,
                "kind": payload.kind,
                "amount": payload.amount,
                "reason": payload.reason,
                "supersedes": payload.supersedes,
                "status": "in_effect",
                "recorded_at": event.time,
                "recorded_by_unit_id": payload.actor.unit_id,
                "superseded_by": None,
                "withdrawal_reason": None,
                "withdrawn_at": None,
            }
            return [Upsert(DECISIONS.name, key, values)]
        case DecisionWithdrawnV1():
            # The decision's own stream recorded it first, so its row is there to update.
            withdrawn = {
                "status": "withdrawn" if payload.superseded_by is None else "superseded",
                "superseded_by": payload.superseded_by,
                "withdrawal_reason": payload.reason,
                "withdrawn_at": event.time,
            }
            return [Upsert(DECISIONS.name, key, withdrawn)]
    return []


PROJECTION = Projection(
    name="assessment_decision_list",
    version=1,
    topics=(RULES_TOPIC,),
    tables=(DECISIONS,),
    apply=apply,
)


async def decisions(
    reader: RowReader, units: list[str], *, year: int | None = None
) -> list[dict[str, Any]]:
    """The decisions of `units` (of `year`, or every year), the latest year first, then the
    latest recorded first."""
    where = sql.Where()
    where.any_in(("unit_id",), units)
    where.equal("year", year)
    columns = ", ".join(c.name for c in DECISIONS.columns)
    return await reader.fetch(
        f"SELECT {columns} FROM {DECISIONS.name} WHERE {where.sql()} "
        "ORDER BY year DESC, recorded_at DESC, decision_id",
        where.params,
        DECISIONS.types,
    )
