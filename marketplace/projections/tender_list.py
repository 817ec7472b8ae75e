"""Tenders as lists show them: each tender, its invitees, and whether each invitee has bid.

Fed by the tender's own events only, so the rows come out the same in any interleaving with
other aggregates. Sealed means sealed: no amount is kept here at all (amounts are on the bus only
from the opening on, and the tender itself shows the ranking then).
"""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.tenders import (
    TENDERS_TOPIC,
    TenderAwardedV1,
    TenderBidReceivedV1,
    TenderBidsOpenedV1,
    TenderLaunchedV1,
)
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import Increment, RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

TENDERS = Table(
    "tender_list_tenders",
    columns=(
        Column("tender_id", TEXT),
        Column("need_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("item_code", TEXT),
        Column("status", TEXT),
        Column("compliance", TEXT),
        Column("invitees", TEXT),  # a JSON list: lists show them, filters use INVITEES
        Column("bid_deadline", ColumnType.TIMESTAMP),
        Column("bid_count", ColumnType.INTEGER),
        Column("launched_at", ColumnType.TIMESTAMP),
    ),
    key=("tender_id",),
    indexes=(("demand_unit_id", "launched_at"),),
)
INVITEES = Table(
    "tender_list_invitees",
    columns=(
        Column("tender_id", TEXT),
        Column("unit_id", TEXT),
        Column("my_bid", TEXT),  # none or submitted: whether, never how much
    ),
    key=("tender_id", "unit_id"),
    indexes=(("unit_id",),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != TENDERS_TOPIC:
        return []
    payload = payload_of(event)
    key = {"tender_id": event.subject}
    match payload:
        case TenderLaunchedV1():
            return [_launched(key, payload, event), *_invited(key, payload.invitees)]
        case TenderBidReceivedV1():
            changes: list[RowChange] = []
            if payload.replaces is None:  # a replacement leaves the count as it was
                changes.append(Increment(TENDERS.name, key, {"bid_count": 1}))
            if payload.internal:
                mine = key | {"unit_id": payload.bidder}
                changes.append(Upsert(INVITEES.name, mine, {"my_bid": "submitted"}))
            return changes
        case TenderBidsOpenedV1():
            return [Upsert(TENDERS.name, key, {"status": "opened"})]
        case TenderAwardedV1():
            return [Upsert(TENDERS.name, key, {"status": "awarded"})]
    return []


def _launched(key: dict[str, str], payload: TenderLaunchedV1, event: CloudEvent) -> Upsert:
    values: dict[str, Value] = {
        "need_id": payload.need_id,
        "demand_unit_id": payload.demand["demand_unit_id"],
        "item_code": payload.item_code,
        "status": "open",
        "compliance": payload.compliance,
        "invitees": json.dumps(payload.invitees),
        "bid_deadline": payload.bid_deadline,
        "bid_count": 0,
        "launched_at": event.time,
    }
    return Upsert(TENDERS.name, key, values)


def _invited(key: dict[str, str], invitees: list[str]) -> list[RowChange]:
    return [
        Upsert(INVITEES.name, key | {"unit_id": unit}, {"my_bid": "none"})
        for unit in dict.fromkeys(invitees)
    ]


PROJECTION = Projection(
    name="tender_list", version=1, topics=(TENDERS_TOPIC,), tables=(TENDERS, INVITEES), apply=apply
)

NEWEST_FIRST = Order(TENDERS, ("launched_at", "tender_id"), descending=True)


async def tenders_of(
    reader: RowReader,
    units: Collection[str] | None,
    invited_only: bool,
    status: str | None,
    page: PageRequest,
) -> Page:
    """A page of tenders, newest first: those where one of `units` is invited (or, unless
    `invited_only`, the demand unit); `units` None: every tender."""
    where = sql.Where()
    if units is not None:
        invited = (
            f"tender_id IN (SELECT tender_id FROM {INVITEES.name} "
            f"WHERE {sql.is_in('unit_id', sorted(units), where.params)})"
        )
        if invited_only:
            where.add(invited)
        else:
            demand = sql.is_in("demand_unit_id", sorted(units), where.params)
            where.add(f"({demand} OR {invited})")
    where.equal("status", status)
    found = await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)
    for row in found.items:
        row["invitees"] = json.loads(str(row["invitees"]))
    return found


async def bids_of(reader: RowReader, unit_id: str, tender_ids: list[str]) -> dict[str, str]:
    """Whether `unit_id` has bid on each of `tender_ids` it is invited to (none, submitted)."""
    if not tender_ids:
        return {}
    params: list[Any] = [unit_id]
    rows = await reader.fetch(
        f"SELECT tender_id, my_bid FROM {INVITEES.name} WHERE unit_id = $1 AND "
        + sql.is_in("tender_id", tender_ids, params),
        params,
        INVITEES.types,
    )
    return {r["tender_id"]: r["my_bid"] for r in rows}
