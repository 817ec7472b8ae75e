"""Framework agreements as lists show them: parties, item, status, and per period the quantity
scheduled, called off and delivered.

Each table is fed by one kind of fact only, keyed so that the rows come out the same in any
interleaving of the topics: the agreement's own events (its periods, and each call-off naming
its contract and period), and the contracts' deliveries — which do not name their source, so
every delivered contract has a row here, and only the call-offs' are joined when read."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.contracts import CONTRACTS_TOPIC, ContractDeliveredV1
from marketplace.events.public.frameworks import (
    FRAMEWORKS_TOPIC,
    AmendmentAcceptedV1,
    AmendmentDecidedV1,
    FrameworkActivatedV1,
    FrameworkCalledOffV1,
    FrameworkCreatedV1,
    PeriodClosedV1,
    ScheduledPeriodV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import Increment, RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT, INTEGER, DECIMAL = ColumnType.TEXT, ColumnType.INTEGER, ColumnType.DECIMAL
TIMESTAMP = ColumnType.TIMESTAMP

FRAMEWORKS = Table(
    "framework_list_frameworks",
    columns=(
        Column("framework_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("supply_unit_id", TEXT),
        Column("item_code", TEXT),
        Column("uom", TEXT),
        Column("business_type", TEXT),
        Column("status", TEXT),
        Column("valid_from", TEXT),  # days, ISO 8601
        Column("valid_to", TEXT),
        Column("created_at", TIMESTAMP),
    ),
    key=("framework_id",),
    indexes=(("demand_unit_id", "created_at"), ("supply_unit_id", "created_at")),
)
PERIODS = Table(
    "framework_list_periods",
    columns=(
        Column("framework_id", TEXT),
        Column("period", TEXT),
        Column("position", INTEGER),
        Column("quantity", DECIMAL),
        Column("unit_price", DECIMAL, nullable=True),
        Column("called_off", DECIMAL),
        Column("shortfall", DECIMAL, nullable=True),  # once closed
        Column("incident_id", TEXT, nullable=True),
        Column("closed_at", TIMESTAMP, nullable=True),
    ),
    key=("framework_id", "period"),
)
# Each call-off: its contract and the period it is of.
CALL_OFFS = Table(
    "framework_list_call_offs",
    columns=(
        Column("contract_id", TEXT),
        Column("framework_id", TEXT),
        Column("period", TEXT),
        Column("quantity", DECIMAL),
    ),
    key=("contract_id",),
    indexes=(("framework_id", "period"),),
)
# What each contract delivered (every contract's: a delivery does not say where it came from).
DELIVERIES = Table(
    "framework_list_deliveries",
    columns=(Column("contract_id", TEXT), Column("delivered_quantity", DECIMAL)),
    key=("contract_id",),
)


def _framework(event: CloudEvent) -> list[RowChange]:
    payload = payload_of(event)
    key = {"framework_id": event.subject}
    match payload:
        case FrameworkCreatedV1():
            values: dict[str, Value] = {
                "demand_unit_id": payload.demand_unit_id,
                "supply_unit_id": payload.supply_unit_id,
                "item_code": payload.item_code,
                "uom": payload.uom,
                "business_type": payload.business_type,
                "status": "awaiting_signatures",
                "valid_from": payload.valid_from.isoformat(),
                "valid_to": payload.valid_to.isoformat(),
                "created_at": event.time,
            }
            periods: list[RowChange] = [
                Upsert(PERIODS.name, {**key, "period": p.period}, _period(n, p))
                for n, p in enumerate(payload.schedule, start=1)
            ]
            return [Upsert(FRAMEWORKS.name, key, values), *periods]
        case FrameworkActivatedV1():
            return [Upsert(FRAMEWORKS.name, key, {"status": "active"})]
        case FrameworkCalledOffV1():
            period = {**key, "period": payload.period}
            call_off: dict[str, Value] = {**period, "quantity": Decimal(payload.quantity)}
            called: dict[str, Value] = {"called_off": Decimal(payload.period_called_off)}
            return [
                Upsert(PERIODS.name, period, called),
                Upsert(CALL_OFFS.name, {"contract_id": payload.contract_id}, call_off),
            ]
        case AmendmentAcceptedV1() | AmendmentDecidedV1():
            terms: dict[str, Value] = {"unit_price": _decimal(payload.unit_price)}
            if isinstance(payload, AmendmentAcceptedV1):
                terms["quantity"] = Decimal(payload.quantity)
            return [Upsert(PERIODS.name, {**key, "period": payload.period}, terms)]
        case PeriodClosedV1():
            closed: dict[str, Value] = {
                "shortfall": Decimal(payload.shortfall),
                "incident_id": payload.incident_id,
                "closed_at": event.time,
            }
            done = (
                [Upsert(FRAMEWORKS.name, key, {"status": "completed"})] if payload.completed else []
            )
            return [Upsert(PERIODS.name, {**key, "period": payload.period}, closed), *done]
    return []


def _period(position: int, terms: ScheduledPeriodV1) -> dict[str, Value]:
    return {
        "position": position,
        "quantity": Decimal(terms.quantity),
        "unit_price": _decimal(terms.unit_price),
        "called_off": Decimal(0),
        "shortfall": None,
        "incident_id": None,
        "closed_at": None,
    }


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.deprecated is not None:
        return []
    if kind.topic == FRAMEWORKS_TOPIC:
        return _framework(event)
    if kind.topic == CONTRACTS_TOPIC and kind.payload is ContractDeliveredV1:
        payload = payload_of(event)
        assert isinstance(payload, ContractDeliveredV1)
        delivered = {"delivered_quantity": Decimal(payload.quantity)}
        return [Increment(DELIVERIES.name, {"contract_id": event.subject}, delivered)]
    return []


PROJECTION = Projection(
    name="framework_list",
    version=1,
    topics=(FRAMEWORKS_TOPIC, CONTRACTS_TOPIC),
    tables=(FRAMEWORKS, PERIODS, CALL_OFFS, DELIVERIES),
    apply=apply,
    types=types_of(ContractDeliveredV1, topics=(FRAMEWORKS_TOPIC,)),
)

NEWEST_FIRST = Order(FRAMEWORKS, ("created_at", "framework_id"), descending=True)
_PERIOD_TYPES = {
    "framework_id": TEXT, "period": TEXT, "quantity": DECIMAL, "unit_price": DECIMAL,
    "called_off": DECIMAL, "shortfall": DECIMAL, "incident_id": TEXT, "closed_at": TIMESTAMP,
}  # fmt: skip


async def frameworks_of(
    reader: RowReader, units: Collection[str] | None, status: str | None, page: PageRequest
) -> Page:
    """A page of agreements, newest first, one of `units` (None: any unit) is a party to, each
    with its `periods` (scheduled, called off, delivered, in order)."""
    where = sql.Where()
    where.any_in(("demand_unit_id", "supply_unit_id"), units)
    where.equal("status", status)
    found = await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)
    periods = await periods_of(reader, [r["framework_id"] for r in found.items])
    items = [{**r, "periods": periods.get(r["framework_id"], [])} for r in found.items]
    return Page(items, found.next_cursor)


async def periods_of(
    reader: RowReader, framework_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Per agreement, its periods in order, each with `delivered` on its call-offs."""
    params: list[Value] = []
    among = sql.is_in("framework_id", framework_ids, params)
    rows = await reader.fetch(
        f"SELECT {', '.join(_PERIOD_TYPES)} FROM {PERIODS.name} "  # noqa: S608
        f"WHERE {among} ORDER BY framework_id, position",
        params,
        _PERIOD_TYPES,
    )
    params = []
    among = sql.is_in("c.framework_id", framework_ids, params)
    delivered = await reader.fetch(
        "SELECT c.framework_id, c.period, d.delivered_quantity "  # noqa: S608
        f"FROM {CALL_OFFS.name} c JOIN {DELIVERIES.name} d ON d.contract_id = c.contract_id "
        f"WHERE {among}",
        params,
        {"framework_id": TEXT, "period": TEXT, "delivered_quantity": DECIMAL},
    )
    sums: dict[tuple[str, str], Decimal] = {}
    for d in delivered:
        at = (d["framework_id"], d["period"])
        sums[at] = sums.get(at, Decimal(0)) + Decimal(d["delivered_quantity"])
    found: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        at = (r["framework_id"], r["period"])
        found.setdefault(r["framework_id"], []).append({**r, "delivered": sums.get(at, Decimal(0))})
    return found
