"""The inbox: for each supplier unit, the needs it can still act on, and what it can do.

A unit offers on an open need it was matched to as a catalog supplier, and bids in a tender it
is invited to until the bid deadline (invitees need not be catalog suppliers). Each table is
written by one aggregate's events only — needs and matches by the need's, invitations and bids
by the tender's — so the rows are the same whatever order the two streams arrive in; a read
joins them and decides, at the time asked, what the unit can do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.needs import (
    NEEDS_TOPIC,
    NeedOfferReceivedV1,
    NeedOfferWithdrawnV1,
    NeedPostedV1,
    NeedPostedV2,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.tenders import TENDERS_TOPIC, TenderBidReceivedV1, TenderLaunchedV1
from marketplace.events.wire import payload_of
from marketplace.projections.changes import RowChange, Upsert
from marketplace.projections.need_summary import SUMMARY_COLUMNS, progress_of, summary_values
from marketplace.projections.pages import Order, Page, PageRequest, Source, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

NEEDS = Table(
    "inbox_needs",
    columns=(Column("need_id", TEXT), *SUMMARY_COLUMNS, Column("status", TEXT)),
    key=("need_id",),
    indexes=(("posted_at", "need_id"),),
)
# Named as version 1's only table, so the swap to this version replaces it rather than leave it.
MATCHES = Table(
    "inbox_items",
    columns=(
        Column("unit_id", TEXT),
        Column("need_id", TEXT),
        Column("offered", ColumnType.BOOLEAN),
    ),
    key=("unit_id", "need_id"),
    indexes=(("need_id",),),
)
INVITATIONS = Table(
    "inbox_invitations",
    columns=(
        Column("unit_id", TEXT),
        Column("tender_id", TEXT),
        Column("need_id", TEXT),
        Column("bid_deadline", ColumnType.TIMESTAMP),
        Column("bid_submitted", ColumnType.BOOLEAN),
    ),
    key=("unit_id", "tender_id"),
    indexes=(("unit_id", "need_id"), ("need_id",)),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None:
        return []
    payload = payload_of(event)
    if kind.topic == NEEDS_TOPIC:
        return _need_changes(event, payload)
    if kind.topic == TENDERS_TOPIC:
        return _tender_changes(event, payload)
    return []


def _need_changes(event: CloudEvent, payload: Any) -> list[RowChange]:
    need = {"need_id": event.subject}
    match payload:
        case NeedPostedV1() | NeedPostedV2():  # v1: relayed before v2 existed
            values = summary_values(payload.spec, event.time) | _status(payload)
            suppliers = sorted({m.supplier_unit_id for m in payload.matches})
            return [
                Upsert(NEEDS.name, need, values),
                *(_match(unit, event.subject, {"offered": False}) for unit in suppliers),
            ]
        case NeedOfferReceivedV1() | NeedOfferWithdrawnV1() if payload.matched:
            offered = isinstance(payload, NeedOfferReceivedV1)
            return [_match(payload.supplier_unit_id, event.subject, {"offered": offered})]
    status = _status(payload)
    return [Upsert(NEEDS.name, need, status)] if status else []


def _status(payload: Any) -> dict[str, str]:
    """The need's new status, by the aggregate's rule (the open quantity is not kept here)."""
    progress = progress_of(payload)
    return {} if progress is None or progress.status is None else {"status": progress.status.value}


def _tender_changes(event: CloudEvent, payload: Any) -> list[RowChange]:
    tender = event.subject
    match payload:
        case TenderLaunchedV1():
            values = {
                "need_id": payload.need_id,
                "bid_deadline": payload.bid_deadline,
                "bid_submitted": False,
            }
            return [_invitation(unit, tender, values) for unit in sorted(set(payload.invitees))]
        case TenderBidReceivedV1() if payload.internal:
            # Whether it bid, never what: amounts stay sealed until the opening.
            return [_invitation(payload.bidder, tender, {"bid_submitted": True})]
    return []


def _match(unit_id: str, need_id: str, values: dict[str, Any]) -> Upsert:
    return Upsert(MATCHES.name, {"unit_id": unit_id, "need_id": need_id}, values)


def _invitation(unit_id: str, tender_id: str, values: dict[str, Any]) -> Upsert:
    return Upsert(INVITATIONS.name, {"unit_id": unit_id, "tender_id": tender_id}, values)


PROJECTION = Projection(
    name="inbox",
    version=3,
    topics=(NEEDS_TOPIC, TENDERS_TOPIC),
    tables=(NEEDS, MATCHES, INVITATIONS),
    apply=apply,
)

NEWEST_FIRST = Order(NEEDS, ("posted_at", "need_id"), descending=True)
_JOINED = Source(
    from_="inbox_needs n "
    "LEFT JOIN inbox_items m ON m.need_id = n.need_id AND m.unit_id = $1 "
    "LEFT JOIN inbox_invitations i ON i.need_id = n.need_id AND i.unit_id = $1",
    select=", ".join(f"n.{c.name}" for c in NEEDS.columns)
    + ", m.offered, i.tender_id, i.bid_deadline, i.bid_submitted",
    types=NEEDS.types | MATCHES.types | INVITATIONS.types,
    alias="n.",
)


async def actionable(reader: RowReader, unit_id: str, now: datetime, page: PageRequest) -> Page:
    """A page of the needs `unit_id` can act on at `now`, newest first, each with `actions`:
    `offer` on an open need it was matched to, `bid` in a tender it is invited to until the
    deadline. A need the unit can do nothing more about is not listed.
    """
    where = [
        "n.need_id IN (SELECT need_id FROM inbox_items WHERE unit_id = $1 "
        "UNION SELECT need_id FROM inbox_invitations WHERE unit_id = $1)",
        "((m.unit_id IS NOT NULL AND n.status = 'open') "
        "OR (i.unit_id IS NOT NULL AND i.bid_deadline >= $2))",
    ]
    found = await fetch_page(reader, NEWEST_FIRST, where, [unit_id, now], page, _JOINED)
    return Page([_with_actions(row, now) for row in found.items], found.next_cursor)


def _with_actions(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    actions = []
    if row["offered"] is not None and row["status"] == "open":
        actions.append("offer")
    if row["bid_deadline"] is not None and row["bid_deadline"] >= now:
        actions.append("bid")
    return row | {
        "actions": actions,
        "offered": bool(row["offered"]),
        "bid_submitted": bool(row["bid_submitted"]),
    }


# `actionable`'s rows, counted without its sort: the open needs the unit was matched to, then
# the tenders it is invited to whose need is not one of those. Each stops at its limit, so a
# badge costs two index walks of at most `up_to` rows, whatever the size of the inbox.
_MATCHED_OPEN = (
    "SELECT count(*) AS found FROM (SELECT 1 FROM inbox_items m "
    "JOIN inbox_needs n ON n.need_id = m.need_id "
    "WHERE m.unit_id = $1 AND n.status = 'open' LIMIT $2) AS matched"
)
_INVITED_ELSE = (
    "SELECT count(*) AS found FROM (SELECT 1 FROM inbox_invitations i "
    "JOIN inbox_needs n ON n.need_id = i.need_id "
    "WHERE i.unit_id = $1 AND i.bid_deadline >= $2 AND NOT (n.status = 'open' AND EXISTS "
    "(SELECT 1 FROM inbox_items m WHERE m.unit_id = $1 AND m.need_id = i.need_id)) "
    "LIMIT $3) AS invited"
)
_FOUND = {"found": ColumnType.INTEGER}


async def count_actionable(reader: RowReader, unit_id: str, now: datetime, up_to: int) -> int:
    """How many needs `unit_id` can act on at `now` (as `actionable` lists them), counting
    at most `up_to`: what a badge needs."""
    (matched,) = await reader.fetch(_MATCHED_OPEN, [unit_id, up_to], _FOUND)
    found = int(matched["found"])
    if found < up_to:
        (invited,) = await reader.fetch(_INVITED_ELSE, [unit_id, now, up_to - found], _FOUND)
        found += int(invited["found"])
    return found
