"""The organisation directory: every unit with its place in the chart and its last change."""

# ruff: noqa: S608 - SQL is built only from table and column names checked by check_identifier

from __future__ import annotations

from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.units import (
    UNITS_TOPIC,
    UnitDeactivatedV1,
    UnitMovedV1,
    UnitReactivatedV1,
    UnitRegisteredV1,
    UnitRenamedV1,
    UnitSectorChangedV1,
)
from marketplace.events.wire import payload_of
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

UNITS = Table(
    "directory_units",
    columns=(
        Column("id", ColumnType.TEXT),
        Column("name", ColumnType.TEXT),
        Column("level", ColumnType.TEXT),
        Column("parent_id", ColumnType.TEXT, nullable=True),
        Column("sector", ColumnType.TEXT),
        Column("active", ColumnType.BOOLEAN),
        Column("changed_at", ColumnType.TIMESTAMP),
    ),
    key=("id",),
    indexes=(("parent_id",),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    """The directory rows an organisation event changes (each event names its unit)."""
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != UNITS_TOPIC:
        return []
    payload = payload_of(event)
    values: dict[str, Value]
    match payload:
        case UnitRegisteredV1():
            values = {
                "name": payload.name,
                "level": payload.level,
                "parent_id": payload.parent_id,
                "sector": payload.sector,
                "active": True,
            }
        case UnitRenamedV1():
            values = {"name": payload.name}
        case UnitMovedV1():
            values = {"parent_id": payload.parent_id}
        case UnitSectorChangedV1():
            values = {"sector": payload.sector}
        case UnitDeactivatedV1():
            values = {"active": False}
        case UnitReactivatedV1():
            values = {"active": True}
        case _:
            return []
    key = {"id": event.data["unit_id"]}
    return [Upsert(UNITS.name, key, values | {"changed_at": event.time})]


PROJECTION = Projection(
    name="directory", version=1, topics=(UNITS_TOPIC,), tables=(UNITS,), apply=apply
)

_SUBTREE = (
    "id IN (WITH RECURSIVE subtree(id) AS ("
    "SELECT id FROM directory_units WHERE id = {root} "
    "UNION SELECT u.id FROM directory_units u JOIN subtree s ON u.parent_id = s.id) "
    "SELECT id FROM subtree)"
)
BY_ID = Order(UNITS, ("id",))


def _filters(
    parent_id: str | None,
    level: str | None,
    sector: str | None,
    active: bool | None,
    within: str | None,
) -> tuple[list[str], list[Value]]:
    params: list[Value] = []

    def param(value: Value) -> str:
        params.append(value)
        return f"${len(params)}"

    where = [] if within is None else [_SUBTREE.format(root=param(within))]
    for column, wanted in [
        ("parent_id", parent_id),
        ("level", level),
        ("sector", sector),
        ("active", active),
    ]:
        if wanted is not None:
            where.append(f"{column} = {param(wanted)}")
    return where, params


async def units_page(
    reader: RowReader,
    page: PageRequest,
    *,
    parent_id: str | None = None,
    level: str | None = None,
    sector: str | None = None,
    active: bool | None = None,
    within: str | None = None,
) -> Page:
    """A page of units in id order, filtered; `within` keeps one unit's subtree."""
    where, params = _filters(parent_id, level, sector, active, within)
    return await fetch_page(reader, BY_ID, where, params, page)


async def list_units(
    reader: RowReader,
    *,
    parent_id: str | None = None,
    level: str | None = None,
    sector: str | None = None,
    active: bool | None = None,
    within: str | None = None,
) -> list[dict[str, Any]]:
    """Every unit in id order, filtered; `within` keeps one unit's subtree (from parent links)."""
    where, params = _filters(parent_id, level, sector, active, within)
    columns = ", ".join(c.name for c in UNITS.columns)
    sql = f"SELECT {columns} FROM directory_units"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return await reader.fetch(sql + " ORDER BY id", params, UNITS.types)
