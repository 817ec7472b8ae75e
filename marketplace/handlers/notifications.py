"""In-app notifications, and the deliveries of a subscription with their attempts."""

# ruff: noqa: S608 - SQL is built only from fixed table names

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from marketplace.aggregates.base import DomainError
from marketplace.events.envelope import CloudEvent
from marketplace.handlers.auth import Principal, acts_for
from marketplace.handlers.errors import Forbidden, NotFound
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services
from marketplace.handlers.subscriptions import get_subscription
from marketplace.notifications.outbox import ATTEMPTS, DELIVERIES, ITEMS, SUBSCRIPTIONS, UNITS
from marketplace.notifications.routing import DEFAULT_LANGUAGE
from marketplace.notifications.texts import render
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.store import ReadModelStore, RowReader
from marketplace.projections.tables import ColumnType

NEWEST_FIRST = Order(ITEMS, ("sequence", "notification_id"), descending=True)
DELIVERIES_IN_ORDER = Order(DELIVERIES, ("sequence", "delivery_id"))
# The records an event names besides its subject (an award's contract, an escalated
# incident's dispute, an accepted request's meeting), for a link to them; the recipient
# reads each.
REFERRED = ("need_id", "tender_id", "contract_id", "dispute_id", "meeting_id")


def _own_unit(principal: Principal) -> str:
    if principal.unit_id is None:
        raise Forbidden("Notifications are a unit's: this token acts for no unit.")
    return principal.unit_id


async def language_of(reader: RowReader, unit_id: str) -> str:
    """The unit's notification language (zh-CN until the unit chose another)."""
    rows = await reader.fetch(
        f"SELECT language FROM {UNITS.name} WHERE unit_id = $1",
        [unit_id],
        {"language": ColumnType.TEXT},
    )
    return str(rows[0]["language"]) if rows else DEFAULT_LANGUAGE


async def notifications(
    principal: Principal,
    reader: RowReader,
    unread: bool,
    page: PageRequest,
    language: str | None = None,
) -> Page:
    """The caller's unit's notifications, newest first, titled in `language` (a page's
    reader), else in the unit's notification language."""
    unit = _own_unit(principal)
    where = ["unit_id = $1"] + (["read_at IS NULL"] if unread else [])
    found = await fetch_page(reader, NEWEST_FIRST, where, [unit], page)
    language = language or await language_of(reader, unit)
    return Page([_shown(row, language) for row in found.items], found.next_cursor)


def _shown(row: dict[str, Any], language: str) -> dict[str, Any]:
    event = CloudEvent.from_bytes(row["event"].encode())
    text = render(event, language)
    return {
        "id": row["notification_id"],
        "event_type": row["event_type"],
        "subject": row["subject"],
        "title": text.title,
        "body": text.body,
        "created_at": row["created_at"],
        "read": row["read_at"] is not None,
        "refers_to": {k: str(event.data[k]) for k in REFERRED if event.data.get(k)},
    }


async def mark_read(svc: Services, principal: Principal, store: ReadModelStore, nid: str) -> None:
    """Mark one of the caller's unit's notifications read (again: no change)."""
    unit = _own_unit(principal)
    async with store.transaction() as tx:
        rows = await tx.rows(
            f"SELECT unit_id, read_at FROM {ITEMS.name} WHERE notification_id = $1",
            [nid],
        )
        if not rows or rows[0][0] != unit:  # another unit's is as good as none
            raise NotFound(f"Notification {nid!r} not found.", {"notification_id": nid})
        if rows[0][1] is None:
            await tx.execute(
                f"UPDATE {ITEMS.name} SET read_at = $2 WHERE notification_id = $1",
                [nid, svc.clock()],
            )


async def mark_all_read(svc: Services, principal: Principal, store: ReadModelStore) -> int:
    """Mark every unread notification of the caller's unit read; how many were unread."""
    unit = _own_unit(principal)
    async with store.transaction() as tx:
        rows = await tx.rows(
            f"SELECT count(*) FROM {ITEMS.name} WHERE unit_id = $1 AND read_at IS NULL", [unit]
        )
        await tx.execute(
            f"UPDATE {ITEMS.name} SET read_at = $2 WHERE unit_id = $1 AND read_at IS NULL",
            [unit, svc.clock()],
        )
    return int(rows[0][0])


async def count_unread(principal: Principal, reader: RowReader, up_to: int) -> int:
    unit = _own_unit(principal)
    rows = await reader.fetch(
        f"SELECT count(*) AS found FROM (SELECT 1 FROM {ITEMS.name} "
        "WHERE unit_id = $1 AND read_at IS NULL LIMIT $2) AS unread",
        [unit, up_to],
        {"found": ColumnType.INTEGER},
    )
    return int(rows[0]["found"])


def _require_for(svc: Services, principal: Principal, unit: str | None, what: str) -> None:
    if unit is None or not acts_for(principal, unit, chart(svc)):
        # Another unit's delivery is not there for this token: the same 404.
        raise NotFound(f"{what} not found.")


@dataclass(frozen=True)
class Deliveries:
    subscription_id: str
    found: Page


async def deliveries(
    svc: Services,
    principal: Principal,
    reader: RowReader,
    subscription_id: str,
    status: str | None,
    page: PageRequest,
) -> Deliveries:
    """A subscription's deliveries in event order, each with its attempts (for whoever may
    read the subscription)."""
    await asyncio.to_thread(get_subscription, svc, principal, subscription_id)
    where, params = ["subscription_id = $1"], [subscription_id]
    if status is not None:
        where.append("status = $2")
        params.append(status)
    found = await fetch_page(reader, DELIVERIES_IN_ORDER, where, params, page)
    attempts = await _attempts_of(reader, [row["delivery_id"] for row in found.items])
    items = [_delivery_shown(row, attempts.get(row["delivery_id"], [])) for row in found.items]
    return Deliveries(subscription_id, Page(items, found.next_cursor))


async def _attempts_of(reader: RowReader, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not ids:
        return {}
    marks = ", ".join(f"${n}" for n in range(1, len(ids) + 1))
    rows = await reader.fetch(
        f"SELECT * FROM {ATTEMPTS.name} WHERE delivery_id IN ({marks}) "
        "ORDER BY delivery_id, attempt",
        ids,
        ATTEMPTS.types,
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["delivery_id"], []).append(
            {
                "attempt": row["attempt"],
                "attempted_at": row["attempted_at"],
                "http_status": row["http_status"],
                "error": row["error"],
                "outcome": row["outcome"],
            }
        )
    return found


def _delivery_shown(row: dict[str, Any], attempts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row["delivery_id"],
        "subscription_id": row["subscription_id"],
        "event_id": row["event_id"],
        "notification_id": row["notification_id"],
        "channel": row["channel"],
        "status": row["status"],
        "attempt_count": row["attempts"],
        "next_attempt_at": row["next_attempt_at"] if row["status"] == "pending" else None,
        "created_at": row["created_at"],
        "attempts": attempts,
    }


async def redeliver(
    svc: Services, principal: Principal, store: ReadModelStore, delivery_id: str
) -> dict[str, Any]:
    """Send a delivery again (a dead one, or one the receiver lost): pending, due now, with
    a new 24 hours of retries; it goes before the subscription's later deliveries."""
    rows = await store.fetch(
        f"SELECT d.*, s.unit_id, s.active FROM {DELIVERIES.name} d "
        f"JOIN {SUBSCRIPTIONS.name} s ON s.subscription_id = d.subscription_id "
        "WHERE d.delivery_id = $1",
        [delivery_id],
        DELIVERIES.types | {"unit_id": ColumnType.TEXT, "active": ColumnType.BOOLEAN},
    )
    unit = str(rows[0]["unit_id"]) if rows else None
    _require_for(svc, principal, unit, f"Delivery {delivery_id!r}")
    if not rows[0]["active"]:
        raise DomainError(
            "subscription_inactive",
            f"Delivery {delivery_id!r} belongs to a removed or disabled subscription: nothing "
            "would be sent. Subscribe again, then redeliver from the new subscription.",
            {"subscription_id": rows[0]["subscription_id"]},
        )
    now = svc.clock()
    async with store.transaction() as tx:
        await tx.execute(
            f"UPDATE {DELIVERIES.name} SET status = 'pending', next_attempt_at = $2, "
            "first_attempt_at = NULL WHERE delivery_id = $1",
            [delivery_id, now],
        )
    return _delivery_shown(rows[0] | {"status": "pending", "next_attempt_at": now}, [])
