"""The coordination working groups as lists show them: each group, and which units and sectors
it holds, to filter on (paper §3.1.2)."""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

import json
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.bodies import (
    WorkingGroupDissolvedV1,
    WorkingGroupFormedV1,
    WorkingGroupRevisedV1,
)
from marketplace.events.public.meetings import MEETINGS_TOPIC
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import Delete, RowChange, Upsert
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

GROUPS = Table(
    "working_group_list_groups",
    columns=(
        Column("working_group_id", TEXT),
        Column("name", TEXT),
        Column("sectors", TEXT),  # JSON lists: lists show them, filters use LINKS
        Column("categories", TEXT),
        Column("members", TEXT),
        Column("lead_unit_id", TEXT),
        Column("status", TEXT),
        Column("formed_at", ColumnType.TIMESTAMP),
        Column("dissolved_at", ColumnType.TIMESTAMP, nullable=True),
        Column("reason", TEXT, nullable=True),
    ),
    key=("working_group_id",),
)
# One row per member unit (kind `member`) and per sector of the remit (kind `sector`).
LINKS = Table(
    "working_group_list_links",
    columns=(
        Column("working_group_id", TEXT),
        Column("kind", TEXT),
        Column("value", TEXT),
        # a column besides the key: a link named again by a revision is updated, not inserted
        Column("lead", ColumnType.BOOLEAN),
    ),
    key=("working_group_id", "kind", "value"),
    indexes=(("kind", "value"),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != MEETINGS_TOPIC:
        return []
    payload = payload_of(event)
    key = {"working_group_id": event.subject}
    match payload:
        case WorkingGroupFormedV1():
            values: dict[str, Any] = _composition(payload) | {
                "status": "active",
                "formed_at": event.time,
                "dissolved_at": None,
                "reason": None,
            }
            return [Upsert(GROUPS.name, key, values), *_links(key, payload)]
        case WorkingGroupRevisedV1():
            gone = [("member", u) for u in payload.members_removed]
            gone += [("sector", s) for s in payload.sectors_removed]
            removed: list[RowChange] = [
                Delete(LINKS.name, key | {"kind": k, "value": v}) for k, v in gone
            ]
            revised = Upsert(GROUPS.name, key, _composition(payload))
            return [revised, *removed, *_links(key, payload)]
        case WorkingGroupDissolvedV1():
            values = {"status": "dissolved", "dissolved_at": event.time, "reason": payload.reason}
            return [Upsert(GROUPS.name, key, values)]
    return []


def _composition(payload: WorkingGroupFormedV1 | WorkingGroupRevisedV1) -> dict[str, Any]:
    return {
        "name": payload.name,
        "sectors": json.dumps(payload.sectors),
        "categories": json.dumps(payload.categories),
        "members": json.dumps(payload.members),
        "lead_unit_id": payload.lead_unit_id,
    }


def _links(
    key: dict[str, str], payload: WorkingGroupFormedV1 | WorkingGroupRevisedV1
) -> list[RowChange]:
    pairs = [("member", u) for u in payload.members] + [("sector", s) for s in payload.sectors]
    lead = payload.lead_unit_id
    return [
        Upsert(LINKS.name, key | {"kind": k, "value": v}, {"lead": k == "member" and v == lead})
        for k, v in pairs
    ]


PROJECTION = Projection(
    name="working_group_list",
    version=1,
    topics=(MEETINGS_TOPIC,),
    tables=(GROUPS, LINKS),
    apply=apply,
)

BY_NAME = Order(GROUPS, ("name", "working_group_id"))


async def working_groups_page(
    reader: RowReader,
    page: PageRequest,
    *,
    unit_id: str | None = None,
    sector: str | None = None,
    status: str | None = None,
) -> Page:
    """A page of working groups by name: those `unit_id` is a member of, whose remit holds
    `sector`, of `status` (a filter given None is no filter)."""
    where = sql.Where()
    for kind, value in (("member", unit_id), ("sector", sector)):
        if value is not None:
            where.params.extend([kind, value])
            n = len(where.params)
            where.add(
                f"working_group_id IN (SELECT working_group_id FROM {LINKS.name} "
                f"WHERE kind = ${n - 1} AND value = ${n})"
            )
    where.equal("status", status)
    found = await fetch_page(reader, BY_NAME, where.conditions, where.params, page)
    for row in found.items:
        for column in ("sectors", "categories", "members"):
            row[column] = json.loads(str(row[column]))
    return found
