"""Work meetings, meeting requests and action items as lists show them.

An action item's row holds its due day and when it was done, never whether it is overdue: that
depends on the day the list is read (in the group's time zone), so the query works it out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import date, datetime, tzinfo

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.meetings import (
    MEETINGS_TOPIC,
    ActionItemAssignedV1,
    ActionItemDoneV1,
    MeetingMinutesRecordedV1,
    MeetingRequestAcceptedV1,
    MeetingRequestDeclinedV1,
    MeetingRequestFiledV1,
    MeetingScheduledV1,
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
MOMENT = ColumnType.TIMESTAMP

MEETINGS = Table(
    "meeting_list_meetings",
    columns=(
        Column("meeting_id", TEXT),
        Column("kind", TEXT),
        Column("half_year", TEXT),
        Column("scheduled_for", MOMENT),
        Column("request_id", TEXT, nullable=True),
        Column("working_group_id", TEXT, nullable=True),
        Column("minutes_recorded_at", MOMENT, nullable=True),
    ),
    key=("meeting_id",),
    indexes=(("half_year", "scheduled_for"),),
)
REQUESTS = Table(
    "meeting_list_requests",
    columns=(
        Column("request_id", TEXT),
        Column("platform_unit_id", TEXT),
        Column("matter", TEXT),
        Column("status", TEXT),
        Column("meeting_id", TEXT, nullable=True),
        Column("filed_at", MOMENT),
    ),
    key=("request_id",),
    indexes=(("platform_unit_id", "filed_at"), ("status", "filed_at")),
)
ACTION_ITEMS = Table(
    "meeting_list_action_items",
    columns=(
        Column("action_item_id", TEXT),
        Column("meeting_id", TEXT),
        Column("owner_unit_id", TEXT),
        # The day as `YYYY-MM-DD`, which sorts as the days do.
        Column("due", TEXT),
        Column("text", TEXT),
        Column("assigned_at", MOMENT),
        Column("done_at", MOMENT, nullable=True),
        Column("evidence", TEXT, nullable=True),
    ),
    key=("action_item_id",),
    indexes=(("owner_unit_id", "due"), ("due",)),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != MEETINGS_TOPIC:
        return []
    payload = payload_of(event)
    subject = event.subject
    match payload:
        case MeetingScheduledV1():
            values: dict[str, Value] = {
                "kind": payload.kind,
                "half_year": payload.half_year,
                "scheduled_for": payload.scheduled_for,
                "request_id": payload.request_id,
                "working_group_id": payload.working_group_id,
                "minutes_recorded_at": None,
            }
            return [Upsert(MEETINGS.name, {"meeting_id": subject}, values)]
        case MeetingMinutesRecordedV1():
            minutes = {"minutes_recorded_at": event.time}
            return [Upsert(MEETINGS.name, {"meeting_id": subject}, minutes)]
        case ActionItemAssignedV1():
            item: dict[str, Value] = {
                "meeting_id": payload.meeting_id,
                "owner_unit_id": payload.owner_unit_id,
                "due": payload.due.isoformat(),
                "text": payload.text,
                "assigned_at": event.time,
                "done_at": None,
                "evidence": None,
            }
            return [Upsert(ACTION_ITEMS.name, {"action_item_id": subject}, item)]
        case ActionItemDoneV1():
            done: dict[str, Value] = {"done_at": event.time, "evidence": payload.evidence}
            return [Upsert(ACTION_ITEMS.name, {"action_item_id": subject}, done)]
        case MeetingRequestFiledV1():
            filed: dict[str, Value] = {
                "platform_unit_id": payload.platform_unit_id,
                "matter": payload.matter,
                "status": "pending",
                "meeting_id": None,
                "filed_at": event.time,
            }
            return [Upsert(REQUESTS.name, {"request_id": subject}, filed)]
        case MeetingRequestAcceptedV1():
            accepted = {"status": "accepted", "meeting_id": payload.meeting_id}
            return [Upsert(REQUESTS.name, {"request_id": subject}, accepted)]
        case MeetingRequestDeclinedV1():
            return [Upsert(REQUESTS.name, {"request_id": subject}, {"status": "declined"})]
    return []


PROJECTION = Projection(
    name="meeting_list",
    version=1,
    topics=(MEETINGS_TOPIC,),
    tables=(MEETINGS, REQUESTS, ACTION_ITEMS),
    apply=apply,
)

MEETINGS_NEWEST_FIRST = Order(MEETINGS, ("scheduled_for", "meeting_id"), descending=True)
REQUESTS_NEWEST_FIRST = Order(REQUESTS, ("filed_at", "request_id"), descending=True)
ITEMS_BY_DUE = Order(ACTION_ITEMS, ("due", "action_item_id"))
ITEM_STATUSES = ("open", "overdue", "done")


async def meetings_of(reader: RowReader, half_year: str | None, page: PageRequest) -> Page:
    """A page of meetings, latest scheduled first, of one half year when given."""
    where = sql.Where()
    where.equal("half_year", half_year)
    return await fetch_page(reader, MEETINGS_NEWEST_FIRST, where.conditions, where.params, page)


async def requests_of(
    reader: RowReader, platforms: Collection[str] | None, status: str | None, page: PageRequest
) -> Page:
    """A page of meeting requests, newest first, of `platforms` (None: every platform)."""
    where = sql.Where()
    where.any_in(("platform_unit_id",), platforms)
    where.equal("status", status)
    return await fetch_page(reader, REQUESTS_NEWEST_FIRST, where.conditions, where.params, page)


def item_status(row: dict[str, object], today: date) -> str:
    """`done`, or `overdue` once `today` (the group's day) is after the due day, else `open`."""
    if row["done_at"] is not None:
        return "done"
    return "overdue" if str(row["due"]) < today.isoformat() else "open"


async def action_items_of(
    reader: RowReader,
    owners: Collection[str] | None,
    status: str | None,
    today: date,
    page: PageRequest,
    due_from: date | None = None,
    due_to: date | None = None,
) -> Page:
    """A page of action items, earliest due first, owned by one of `owners` (None: any); of one
    status on `today`, the group's day; due in [due_from, due_to] when given."""
    where = sql.Where()
    where.any_in(("owner_unit_id",), owners)
    if status == "done":
        where.add("done_at IS NOT NULL")
    elif status in ("open", "overdue"):
        where.add("done_at IS NULL")
        where.params.append(today.isoformat())
        where.add(f"due {'<' if status == 'overdue' else '>='} ${len(where.params)}")
    if due_from is not None:
        where.params.append(due_from.isoformat())
        where.add(f"due >= ${len(where.params)}")
    if due_to is not None:
        where.params.append(due_to.isoformat())
        where.add(f"due <= ${len(where.params)}")
    found = await fetch_page(reader, ITEMS_BY_DUE, where.conditions, where.params, page)
    items = [{**row, "status": item_status(row, today)} for row in found.items]
    return Page(items, found.next_cursor)


async def action_item_counts(
    reader: RowReader, owners: Collection[str] | None, today: date
) -> dict[str, int]:
    """How many action items of `owners` (None: any) are open, overdue and done on `today`."""
    where = sql.Where()
    where.any_in(("owner_unit_id",), owners)
    rows = await reader.fetch(
        f"SELECT due, done_at FROM {ACTION_ITEMS.name} WHERE {where.sql()}",  # noqa: S608
        where.params,
        {"due": TEXT, "done_at": MOMENT},
    )
    counted = dict.fromkeys(ITEM_STATUSES, 0)
    for row in rows:
        counted[item_status(row, today)] += 1
    return counted


async def quarter_item_counts(
    reader: RowReader, owners: Collection[str], start: datetime, end: datetime, zone: tzinfo
) -> dict[str, int]:
    """The action items of `owners` that a period [start, end) had on its books, as they stood at
    `end` (the period's end; now, for a running period): `done` in the period, else `overdue`
    when their due day is before `end`'s day in the group's zone, else `open`. Items assigned
    after the period or done before it are not its items."""
    where = sql.Where()
    where.any_in(("owner_unit_id",), owners)
    where.params.append(end)
    where.add(f"assigned_at < ${len(where.params)}")
    where.params.append(start)
    where.add(f"(done_at IS NULL OR done_at >= ${len(where.params)})")
    rows = await reader.fetch(
        f"SELECT due, done_at FROM {ACTION_ITEMS.name} WHERE {where.sql()}",  # noqa: S608
        where.params,
        {"due": TEXT, "done_at": MOMENT},
    )
    day = end.astimezone(zone).date()
    counted = dict.fromkeys(ITEM_STATUSES, 0)
    for row in rows:
        done_then = row["done_at"] is not None and row["done_at"] < end  # done after: not yet
        counted[item_status({**row, "done_at": row["done_at"] if done_then else None}, day)] += 1
    return counted


REQUEST_STATUSES = ("pending", "accepted", "declined")


async def request_counts(
    reader: RowReader, platforms: Collection[str], start: datetime, end: datetime
) -> dict[str, int]:
    """The meeting requests of `platforms` filed in [start, end): how many, and by status now."""
    where = sql.Where()
    where.any_in(("platform_unit_id",), platforms)
    where.within("filed_at", start, end)
    rows = await reader.fetch(
        f"SELECT status FROM {REQUESTS.name} WHERE {where.sql()}",  # noqa: S608
        where.params,
        {"status": TEXT},
    )
    statuses = Counter(str(row["status"]) for row in rows)
    return {"filed": len(rows)} | {s: statuses[s] for s in REQUEST_STATUSES}


async def on_time_counts_by_owner(
    reader: RowReader, first: date, after_last: date, on: date, zone: tzinfo
) -> list[tuple[str, int, int]]:
    """(owner unit, action items due, of them done by their due day in the group's zone) of the
    items whose due day falls in [first, after_last), every owner at once. Due on the day `on`:
    done, or open past its due day; one still open up to its due day is not judged yet."""
    where = sql.Where()
    where.within("due", first.isoformat(), after_last.isoformat())
    rows = await reader.fetch(
        f"SELECT owner_unit_id, due, done_at FROM {ACTION_ITEMS.name} "  # noqa: S608
        f"WHERE {where.sql()}",
        where.params,
        {"owner_unit_id": TEXT, "due": TEXT, "done_at": MOMENT},
    )
    due: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    for row in rows:
        owner, done_at = str(row["owner_unit_id"]), row["done_at"]
        if done_at is None and str(row["due"]) >= on.isoformat():
            continue
        due[owner] += 1
        if done_at is not None and done_at.astimezone(zone).date().isoformat() <= row["due"]:
            on_time[owner] += 1
    return sorted((owner, n, on_time[owner]) for owner, n in due.items())
