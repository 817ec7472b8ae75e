"""Exchange visits as lists show them, their leads, the needs posted from each lead and the
contracts those needs became (lead → need → contract), and the held visits per sector pair.

Each table is fed by one kind of fact only — a visit's own events, a need's `posted` (which
names its lead) and a need's award (which names its contract) — keyed so that the rows come out
the same in any interleaving of the topics; the chain is joined when read."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.needs import (
    NEEDS_TOPIC,
    NeedAwardedV1,
    NeedPostedV2,
    NeedTenderConcludedV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.visits import (
    VISITS_TOPIC,
    VisitCancelledV1,
    VisitHeldV1,
    VisitPlannedV1,
)
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT, INTEGER, TIMESTAMP = ColumnType.TEXT, ColumnType.INTEGER, ColumnType.TIMESTAMP

VISITS = Table(
    "visit_list_visits",
    columns=(
        Column("visit_id", TEXT),
        Column("host_unit_id", TEXT),
        Column("visitor_unit_ids", TEXT),  # space-separated, sorted
        Column("topic", TEXT),
        Column("status", TEXT),
        Column("planned_for", TIMESTAMP),
        Column("lead_count", INTEGER),
        Column("planned_at", TIMESTAMP),
        Column("held_at", TIMESTAMP, nullable=True),
    ),
    key=("visit_id",),
    indexes=(("planned_for", "visit_id"),),
)
# Whom a visit concerns (the host and each visitor): what a list filtered on a unit reads.
UNITS = Table(
    "visit_list_units",
    columns=(Column("unit_id", TEXT), Column("visit_id", TEXT), Column("role", TEXT)),
    key=("unit_id", "visit_id"),
    indexes=(("visit_id",),),
)
LEADS = Table(
    "visit_list_leads",
    columns=(
        Column("lead_id", TEXT),
        Column("visit_id", TEXT),
        Column("position", INTEGER),
        Column("item_code", TEXT, nullable=True),
        Column("text", TEXT),
    ),
    key=("lead_id",),
    indexes=(("visit_id", "position"),),
)
# Needs posted from a lead (a need.posted naming `lead_id`).
LEAD_NEEDS = Table(
    "visit_list_lead_needs",
    columns=(
        Column("need_id", TEXT),
        Column("lead_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("title", TEXT),
        Column("item_code", TEXT),
        Column("posted_at", TIMESTAMP),
    ),
    key=("need_id",),
    indexes=(("lead_id", "posted_at"),),
)
# Every need's contracts (an award, or a tender won inside the group): one row a contract,
# joined to the needs above when read (a need's award may arrive before its lead is known to
# this model only on another topic, so the rows do not depend on it).
NEED_CONTRACTS = Table(
    "visit_list_need_contracts",
    columns=(
        Column("need_id", TEXT),
        Column("contract_id", TEXT),
        Column("supply_unit_id", TEXT),
        Column("awarded_at", TIMESTAMP),
    ),
    key=("need_id", "contract_id"),
)
# A held visit's sector pairs (host sector, each distinct visitor sector), by the visit's day.
SECTOR_PAIRS = Table(
    "visit_list_sector_pairs",
    columns=(
        Column("visit_id", TEXT),
        Column("host_sector", TEXT),
        Column("visitor_sector", TEXT),
        Column("planned_for", TIMESTAMP),
    ),
    key=("visit_id", "host_sector", "visitor_sector"),
    indexes=(("planned_for",),),
)


def _visit(event: CloudEvent) -> list[RowChange]:
    payload = payload_of(event)
    key = {"visit_id": event.subject}
    match payload:
        case VisitPlannedV1():
            values: dict[str, Value] = {
                "host_unit_id": payload.host_unit_id,
                "visitor_unit_ids": " ".join(payload.visitor_unit_ids),
                "topic": payload.topic,
                "status": "planned",
                "planned_for": payload.planned_for,
                "lead_count": 0,
                "planned_at": event.time,
                "held_at": None,
            }
            units: list[RowChange] = [
                Upsert(UNITS.name, {"unit_id": payload.host_unit_id, **key}, {"role": "host"})
            ]
            units += [
                Upsert(UNITS.name, {"unit_id": u, **key}, {"role": "visitor"})
                for u in payload.visitor_unit_ids
            ]
            return [Upsert(VISITS.name, key, values), *units]
        case VisitHeldV1():
            held: list[RowChange] = [
                Upsert(
                    VISITS.name,
                    key,
                    {"status": "held", "held_at": event.time, "lead_count": len(payload.leads)},
                )
            ]
            held += [
                Upsert(
                    LEADS.name,
                    {"lead_id": lead.lead_id},
                    {**key, "position": n, "item_code": lead.item_code, "text": lead.text},
                )
                for n, lead in enumerate(payload.leads, start=1)
            ]
            held += [
                Upsert(
                    SECTOR_PAIRS.name,
                    {**key, "host_sector": payload.host_sector, "visitor_sector": sector},
                    {"planned_for": payload.planned_for},
                )
                for sector in payload.visitor_sectors
            ]
            return held
        case VisitCancelledV1():
            return [Upsert(VISITS.name, key, {"status": "cancelled"})]
    return []


def _need(event: CloudEvent) -> list[RowChange]:
    payload = payload_of(event)
    key = {"need_id": event.subject}
    match payload:
        case NeedPostedV2() if payload.spec.lead_id is not None:
            spec = payload.spec
            values: dict[str, Value] = {
                "lead_id": spec.lead_id,
                "demand_unit_id": spec.demand_unit_id,
                "title": spec.title,
                "item_code": spec.item_code,
                "posted_at": event.time,
            }
            return [Upsert(LEAD_NEEDS.name, key, values)]
        case NeedAwardedV1():
            contract = {**key, "contract_id": payload.contract_id}
            awarded: dict[str, Value] = {
                "supply_unit_id": payload.supplier_unit_id,
                "awarded_at": event.time,
            }
            return [Upsert(NEED_CONTRACTS.name, contract, awarded)]
        case NeedTenderConcludedV1() if payload.internal and payload.contract_id is not None:
            contract = {**key, "contract_id": payload.contract_id}
            won: dict[str, Value] = {"supply_unit_id": payload.bidder, "awarded_at": event.time}
            return [Upsert(NEED_CONTRACTS.name, contract, won)]
    return []


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.deprecated is not None:
        return []
    if kind.topic == VISITS_TOPIC:
        return _visit(event)
    if kind.topic == NEEDS_TOPIC:
        return _need(event)
    return []


PROJECTION = Projection(
    name="visit_list",
    version=1,
    topics=(VISITS_TOPIC, NEEDS_TOPIC),
    tables=(VISITS, UNITS, LEADS, LEAD_NEEDS, NEED_CONTRACTS, SECTOR_PAIRS),
    apply=apply,
    types=types_of(NeedAwardedV1, NeedPostedV2, NeedTenderConcludedV1, topics=(VISITS_TOPIC,)),
)

NEWEST_FIRST = Order(VISITS, ("planned_for", "visit_id"), descending=True)


async def visits_of(
    reader: RowReader,
    units: Collection[str] | None,
    start: datetime | None,
    end: datetime | None,
    page: PageRequest,
) -> Page:
    """A page of visits, the latest planned first, whose host or a visitor is one of `units`
    (None: every visit), planned for a time in [start, end)."""
    where = sql.Where()
    if units is not None:
        among = sql.is_in("unit_id", sorted(units), where.params)
        where.add(f"visit_id IN (SELECT visit_id FROM {UNITS.name} WHERE {among})")  # noqa: S608
    where.within("planned_for", start, end)
    return await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)


async def lead_trail(reader: RowReader, visit_id: str) -> dict[str, list[dict[str, Any]]]:
    """Per lead of the visit: the needs posted from it, each with the contracts it became."""
    needs = await reader.fetch(
        "SELECT n.need_id, n.lead_id, n.demand_unit_id, n.title, n.item_code, n.posted_at "  # noqa: S608
        f"FROM {LEAD_NEEDS.name} n JOIN {LEADS.name} l ON l.lead_id = n.lead_id "
        "WHERE l.visit_id = $1 ORDER BY n.posted_at, n.need_id",
        [visit_id],
        {"need_id": TEXT, "lead_id": TEXT, "demand_unit_id": TEXT, "title": TEXT,
         "item_code": TEXT, "posted_at": TIMESTAMP},
    )  # fmt: skip
    contracts = await reader.fetch(
        "SELECT c.need_id, c.contract_id, c.supply_unit_id, c.awarded_at "  # noqa: S608
        f"FROM {NEED_CONTRACTS.name} c JOIN {LEAD_NEEDS.name} n ON n.need_id = c.need_id "
        f"JOIN {LEADS.name} l ON l.lead_id = n.lead_id "
        "WHERE l.visit_id = $1 ORDER BY c.awarded_at, c.contract_id",
        [visit_id],
        {"need_id": TEXT, "contract_id": TEXT, "supply_unit_id": TEXT, "awarded_at": TIMESTAMP},
    )
    by_need: dict[str, list[dict[str, Any]]] = {}
    for c in contracts:
        by_need.setdefault(c["need_id"], []).append(
            {k: c[k] for k in ("contract_id", "supply_unit_id", "awarded_at")}
        )
    trail: dict[str, list[dict[str, Any]]] = {}
    for n in needs:
        trail.setdefault(n["lead_id"], []).append(
            {**{k: v for k, v in n.items() if k != "lead_id"},
             "contracts": by_need.get(n["need_id"], [])}
        )  # fmt: skip
    return trail


async def sector_pairs(reader: RowReader, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Held visits planned for a time in [start, end), counted per (host sector, visitor
    sector): pairs across sectors first, then within one sector, each by sector names."""
    rows = await reader.fetch(
        "SELECT host_sector, visitor_sector, COUNT(*) AS held_visits "  # noqa: S608
        f"FROM {SECTOR_PAIRS.name} WHERE planned_for >= $1 AND planned_for < $2 "
        "GROUP BY host_sector, visitor_sector",
        [start, end],
        {"host_sector": TEXT, "visitor_sector": TEXT, "held_visits": INTEGER},
    )
    found = [
        {
            "host_sector": r["host_sector"],
            "visitor_sector": r["visitor_sector"],
            "cross_sector": r["host_sector"] != r["visitor_sector"],
            "held_visits": int(r["held_visits"]),
        }
        for r in rows
    ]
    return sorted(
        found, key=lambda r: (not r["cross_sector"], r["host_sector"], r["visitor_sector"])
    )
