"""Report facts (paper §3.4.2): one row per reportable fact — a contract activated or delivered,
a tender launched, an external-sourcing request and its decision, a quality incident, a dispute —
with its unit and time, so a quarterly report can sum any unit's subtree over any quarter.

Facts of a need's or a dispute's later events name their unit through the need's or the
dispute's first event, kept in this projection's own lookup tables: one aggregate's events
arrive in order, so the rows never depend on how other aggregates' events interleave.
"""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from marketplace.aggregates.quality_incident import DAMAGE
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.contracts import (
    CONTRACTS_TOPIC,
    ContractActivatedV1,
    ContractDeliveredV1,
    QualityIncidentRecordedV1,
    QualityIncidentResolvedV1,
)
from marketplace.events.public.disputes import (
    DISPUTES_TOPIC,
    DisputeMediationRequestedV1,
    DisputeRaisedV1,
    DisputeResolvedV1,
    DisputeSettledV1,
    DisputeWithdrawnV1,
)
from marketplace.events.public.needs import (
    NEEDS_TOPIC,
    ExternalSourcingApprovedV1,
    ExternalSourcingRejectedV1,
    ExternalSourcingRequestedV1,
    NeedClosedExternalV1,
    NeedPostedV1,
    NeedPostedV2,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.tenders import TENDERS_TOPIC, TenderLaunchedV1
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

FACTS = Table(
    "report_facts_rows",
    columns=(
        Column("fact_id", TEXT),
        Column("metric", TEXT),
        Column("at", ColumnType.TIMESTAMP),
        Column("amount", ColumnType.DECIMAL),
        Column("unit_id", TEXT, nullable=True),
        Column("need_id", TEXT, nullable=True),
        Column("dispute_id", TEXT, nullable=True),
    ),
    key=("fact_id",),
    indexes=(("at",),),
)
NEEDS = Table(
    "report_facts_needs",
    columns=(Column("need_id", TEXT), Column("demand_unit_id", TEXT)),
    key=("need_id",),
)
DISPUTES = Table(
    "report_facts_disputes",
    columns=(
        Column("dispute_id", TEXT),
        Column("raiser_unit_id", TEXT),
        Column("against_unit_id", TEXT),
    ),
    key=("dispute_id",),
)


def _fact(
    event: CloudEvent,
    metric: str,
    *,
    unit_id: str | None = None,
    need_id: str | None = None,
    dispute_id: str | None = None,
    amount: Decimal = Decimal(0),
) -> Upsert:
    fact_id = f"{event.subject}:{event.aggregateversion}:{metric}"
    values: dict[str, Value] = {
        "metric": metric,
        "at": event.time,
        "amount": amount,
        "unit_id": unit_id,
        "need_id": need_id,
        "dispute_id": dispute_id,
    }
    return Upsert(FACTS.name, {"fact_id": fact_id}, values)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None:
        return []
    payload = payload_of(event)
    subject = event.subject
    match payload:
        case ContractActivatedV1() | ContractDeliveredV1():
            prefix = "" if isinstance(payload, ContractActivatedV1) else "delivered_"
            amount = Decimal(payload.amount)
            return [
                _fact(
                    event, f"{prefix}sold", unit_id=payload.parties["supply_unit_id"], amount=amount
                ),
                _fact(
                    event,
                    f"{prefix}bought",
                    unit_id=payload.parties["demand_unit_id"],
                    amount=amount,
                ),
            ]
        case TenderLaunchedV1():
            unit = payload.demand["demand_unit_id"]
            facts: list[RowChange] = [_fact(event, "tenders", unit_id=unit)]
            if payload.required_suppliers:  # a catalog item: its compliance is judged
                facts.append(_fact(event, f"tenders_{payload.compliance}", unit_id=unit))
            return facts
        case NeedPostedV1() | NeedPostedV2():  # v1: relayed before v2 existed
            return [
                Upsert(
                    NEEDS.name,
                    {"need_id": subject},
                    {"demand_unit_id": payload.spec.demand_unit_id},
                )
            ]
        case ExternalSourcingRequestedV1():
            return [_fact(event, "external_requested", need_id=subject)]
        case ExternalSourcingApprovedV1() | ExternalSourcingRejectedV1():
            approved = isinstance(payload, ExternalSourcingApprovedV1)
            return [
                _fact(
                    event, "external_approved" if approved else "external_rejected", need_id=subject
                )
            ]
        case NeedClosedExternalV1():
            return [_fact(event, "closed_external", need_id=subject)]
        # A shared resource's damage is the booking unit's fault, not its supplier's quality.
        case QualityIncidentRecordedV1() if payload.kind != DAMAGE:
            return [
                _fact(event, "incidents_against", unit_id=payload.parties["supply_unit_id"]),
                _fact(event, "incidents_raised", unit_id=payload.parties["demand_unit_id"]),
            ]
        case QualityIncidentResolvedV1() if payload.kind != DAMAGE:
            return [_fact(event, "incidents_resolved", unit_id=payload.parties["supply_unit_id"])]
        case DisputeRaisedV1():
            return [
                Upsert(
                    DISPUTES.name,
                    {"dispute_id": subject},
                    {
                        "raiser_unit_id": payload.raiser_unit_id,
                        "against_unit_id": payload.against_unit_id,
                    },
                ),
                _fact(event, "disputes_raised", dispute_id=subject),
            ]
        case DisputeMediationRequestedV1():
            return [_fact(event, "disputes_to_mediation", dispute_id=subject)]
        case DisputeResolvedV1() | DisputeSettledV1() | DisputeWithdrawnV1():
            return [_fact(event, "disputes_closed", dispute_id=subject)]
    return []


PROJECTION = Projection(
    name="report_facts",
    version=1,
    topics=(CONTRACTS_TOPIC, TENDERS_TOPIC, NEEDS_TOPIC, DISPUTES_TOPIC),
    tables=(FACTS, NEEDS, DISPUTES),
    apply=apply,
    types=types_of(
        ContractActivatedV1,
        ContractDeliveredV1,
        DisputeMediationRequestedV1,
        DisputeRaisedV1,
        DisputeResolvedV1,
        DisputeSettledV1,
        DisputeWithdrawnV1,
        ExternalSourcingApprovedV1,
        ExternalSourcingRejectedV1,
        ExternalSourcingRequestedV1,
        NeedClosedExternalV1,
        NeedPostedV1,
        NeedPostedV2,
        QualityIncidentRecordedV1,
        QualityIncidentResolvedV1,
        TenderLaunchedV1,
    ),
)


async def totals(
    reader: RowReader, units: Sequence[str], start: datetime, end: datetime
) -> dict[str, tuple[int, Decimal]]:
    """Per metric: how many facts, and their summed amount, of `units` in [start, end).

    A dispute counts once even when both its parties are among `units`.
    """
    params: list[Value] = [start, end]
    unit_facts = await reader.fetch(
        "SELECT f.metric AS metric, f.amount AS amount FROM report_facts_rows f "
        "LEFT JOIN report_facts_needs n ON n.need_id = f.need_id "
        "WHERE f.at >= $1 AND f.at < $2 AND f.dispute_id IS NULL AND "
        + sql.is_in("COALESCE(f.unit_id, n.demand_unit_id)", units, params),
        params,
        {"metric": TEXT, "amount": ColumnType.DECIMAL},
    )
    params = [start, end]
    raiser = sql.is_in("d.raiser_unit_id", units, params)
    against = sql.is_in("d.against_unit_id", units, params)
    dispute_facts = await reader.fetch(
        "SELECT f.metric AS metric, f.fact_id AS fact_id FROM report_facts_rows f "
        "JOIN report_facts_disputes d ON d.dispute_id = f.dispute_id "
        f"WHERE f.at >= $1 AND f.at < $2 AND ({raiser} OR {against})",
        params,
        {"metric": TEXT, "fact_id": TEXT},
    )
    # Summed here: SQLite keeps decimals as text, and sums must stay exact.
    found: dict[str, tuple[int, Decimal]] = {}
    for row in [*unit_facts, *({"metric": r["metric"], "amount": 0} for r in dispute_facts)]:
        count, amount = found.get(row["metric"], (0, Decimal(0)))
        found[row["metric"]] = (count + 1, amount + Decimal(row["amount"]))
    return found


class FactCount(NamedTuple):
    """How many facts of a metric one unit has (`unit_id`: its own, or its needs'), or one pair
    of dispute parties has (`raiser_unit_id`, `against_unit_id`; `unit_id` None)."""

    unit_id: str | None
    raiser_unit_id: str | None
    against_unit_id: str | None
    metric: str
    facts: int


async def counts(
    reader: RowReader, metrics: Sequence[str], start: datetime, end: datetime
) -> list[FactCount]:
    """The facts of `metrics` in [start, end) counted by unit and by dispute parties, in one
    pass over the rows: `totals` of any units is the sum of the counts of those units, and
    of the disputes where either party is one of them (once a dispute)."""
    params: list[Value] = [start, end]
    rows = await reader.fetch(
        "SELECT COALESCE(f.unit_id, n.demand_unit_id) AS unit_id, "
        "CASE WHEN f.dispute_id IS NULL THEN 0 ELSE 1 END AS of_dispute, "
        "d.raiser_unit_id AS raiser, d.against_unit_id AS against, f.metric AS metric, "
        "COUNT(*) AS facts FROM report_facts_rows f "
        "LEFT JOIN report_facts_needs n ON n.need_id = f.need_id "
        "LEFT JOIN report_facts_disputes d ON d.dispute_id = f.dispute_id "
        "WHERE f.at >= $1 AND f.at < $2 AND "
        + sql.is_in("f.metric", metrics, params)
        + " GROUP BY COALESCE(f.unit_id, n.demand_unit_id), "
        "CASE WHEN f.dispute_id IS NULL THEN 0 ELSE 1 END, d.raiser_unit_id, d.against_unit_id, "
        "f.metric",
        params,
        {
            "unit_id": TEXT,
            "of_dispute": ColumnType.INTEGER,
            "raiser": TEXT,
            "against": TEXT,
            "metric": TEXT,
            "facts": ColumnType.INTEGER,
        },
    )
    found = []
    for r in rows:
        if int(r["of_dispute"]):  # a dispute's fact counts through its parties
            if r["raiser"] is not None:  # (its dispute is known)
                found.append(
                    FactCount(None, r["raiser"], r["against"], r["metric"], int(r["facts"]))
                )
        elif r["unit_id"] is not None:
            found.append(FactCount(r["unit_id"], None, None, r["metric"], int(r["facts"])))
    return found
