"""The analytic read models' queries and filters, shared by the live and the replayed endpoints.

Each query is a FastAPI dependency (its filters) with `answer(reader, zone)`: the live endpoint
passes the live read model's reader, an audit replay's endpoint the replay's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Annotated, Any, Protocol

from fastapi import Depends, Query

from marketplace.inputs import TimeOrDay, UnitId, start_of
from marketplace.projections import invitation_compliance, supplier_quality, trade_volume
from marketplace.projections.store import RowReader

FromDay = Annotated[TimeOrDay | None, Query(alias="from")]


class ProjectionQuery(Protocol):
    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        """The endpoint's answer from the read model `reader` reads."""
        ...


@dataclass(frozen=True)
class Window:
    start: datetime | date | None
    end: datetime | date | None

    def bounds(self, zone: tzinfo) -> tuple[datetime | None, datetime | None]:
        return start_of(self.start, zone), start_of(self.end, zone)


@dataclass(frozen=True)
class TradeVolumeQuery:
    group_by: trade_volume.GroupBy
    window: Window

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        rows = await trade_volume.volume(reader, self.group_by, *self.window.bounds(zone))
        return {"group_by": self.group_by, "items": rows}


def _trade_volume(
    group_by: trade_volume.GroupBy = "sector", from_: FromDay = None, to: TimeOrDay | None = None
) -> TradeVolumeQuery:
    return TradeVolumeQuery(group_by, Window(from_, to))


@dataclass(frozen=True)
class SupplierQualityQuery:
    supplier_unit_id: str | None

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        return {"items": await supplier_quality.suppliers(reader, self.supplier_unit_id)}


def _supplier_quality(supplier_unit_id: UnitId | None = None) -> SupplierQualityQuery:
    return SupplierQualityQuery(supplier_unit_id)


@dataclass(frozen=True)
class ComplianceQuery:
    group_by: invitation_compliance.GroupBy
    window: Window

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        rows = await invitation_compliance.rates(reader, self.group_by, *self.window.bounds(zone))
        return {"group_by": self.group_by, "items": rows}


def _compliance(
    group_by: invitation_compliance.GroupBy = "demand_unit",
    from_: FromDay = None,
    to: TimeOrDay | None = None,
) -> ComplianceQuery:
    return ComplianceQuery(group_by, Window(from_, to))


@dataclass(frozen=True)
class ComplianceExceptionsQuery:
    window: Window

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        return {"items": await invitation_compliance.exceptions(reader, *self.window.bounds(zone))}


def _compliance_exceptions(
    from_: FromDay = None, to: TimeOrDay | None = None
) -> ComplianceExceptionsQuery:
    return ComplianceExceptionsQuery(Window(from_, to))


TradeVolumeDep = Annotated[TradeVolumeQuery, Depends(_trade_volume)]
SupplierQualityDep = Annotated[SupplierQualityQuery, Depends(_supplier_quality)]
ComplianceDep = Annotated[ComplianceQuery, Depends(_compliance)]
ComplianceExceptionsDep = Annotated[ComplianceExceptionsQuery, Depends(_compliance_exceptions)]
