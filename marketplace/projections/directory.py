"""The organisation directory: every unit with its place in the chart and its last change."""

# ruff: noqa: S608 - SQL is built only from table and column names checked by check_identifier

from __future__ import annotations

from typing import Any

from marketplace.events.contract import (
    EVENT_TYPES,
    UNITS_TOPIC,
    UnitDeactivatedV1,
    UnitMovedV1,
    UnitReactivatedV1,
    UnitRegisteredV1,
    UnitRenamedV1,
    UnitSectorChangedV1,
)
from marketplace.events.envelope import CloudEvent
from marketplace.projections.changes import RowChange, Upsert, Value
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
    kind = EVENT_TYPES.get(event.type)
    if kind is None or kind.topic != UNITS_TOPIC:
        return []
    payload = kind.payload.model_validate(event.data)
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
    "WITH RECURSIVE subtree(id) AS ("
    "SELECT id FROM directory_units WHERE id = {root} "
    "UNION SELECT u.id FROM directory_units u JOIN subtree s ON u.parent_id = s.id) "
)


async def list_units(
    reader: RowReader,
    *,
    parent_id: str | None = None,
    level: str | None = None,
    sector: str | None = None,
    active: bool | None = None,
    within: str | None = None,
) -> list[dict[str, Any]]:
    """Units in id order, filtered; `within` keeps one unit's subtree (from parent links)."""
    params: list[Value] = []

    def param(value: Value) -> str:
        params.append(value)
        return f"${len(params)}"

    sql, where = "", []
    if within is not None:
        sql = _SUBTREE.format(root=param(within))
        where.append("id IN (SELECT id FROM subtree)")
    for column, wanted in [
        ("parent_id", parent_id),
        ("level", level),
        ("sector", sector),
        ("active", active),
    ]:
        if wanted is not None:
            where.append(f"{column} = {param(wanted)}")
    columns = ", ".join(c.name for c in UNITS.columns)
    sql += f"SELECT {columns} FROM directory_units"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return await reader.fetch(sql + " ORDER BY id", params, UNITS.types)
