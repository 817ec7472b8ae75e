"""The analytic read models' queries, filters and answers, for live and replayed endpoints.

Each query is a FastAPI dependency (its filters) with `answer(reader, zone)`: the live endpoint
passes the live read model's reader, an audit replay's endpoint the replay's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Annotated, Any, Protocol

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from marketplace.api.pages import Paged, PageDep, page_of
from marketplace.inputs import TimeOrDay, UnitId, start_of
from marketplace.projections import (
    invitation_compliance,
    supplier_quality,
    synergy_benefit,
    trade_volume,
)
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import RowReader

FromDay = Annotated[TimeOrDay | None, Query(alias="from")]


class ComplianceRow(BaseModel):
    key: str | None
    tenders: int
    compliant: int
    exception_filed: int
    rate: str = Field(examples=["0.7500"], description="compliant / tenders")


class ComplianceOut(Paged):
    group_by: str
    items: list[ComplianceRow]


class ComplianceException(BaseModel):
    tender_id: str
    need_id: str
    demand_unit_id: str
    demand_platform_id: str
    item_code: str
    launched_at: datetime
    compliance: str
    missing_catalog_suppliers: list[str]
    omission_filing: str | None


class ComplianceExceptionsOut(Paged):
    items: list[ComplianceException]


class TradeVolumeRow(BaseModel):
    key: str | None
    contracts: int
    amount: str
    delivered_amount: str


class TradeVolumeOut(Paged):
    group_by: str
    items: list[TradeVolumeRow]


class SupplierQualityRow(BaseModel):
    supplier_unit_id: str
    incidents: int
    open: int
    by_kind: dict[str, int]
    by_severity: dict[str, int]
    contracts: int
    incidents_per_contract: str | None = Field(description="null without contracts.")


class SupplierQualityOut(Paged):
    items: list[SupplierQualityRow]


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


def _key(row: dict[str, Any]) -> str:
    """A figures row's group key as a cursor names it (a row may group what has no key)."""
    return "" if row["key"] is None else str(row["key"])


@dataclass(frozen=True)
class TradeVolumeQuery:
    group_by: trade_volume.GroupBy
    window: Window
    page: PageRequest

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        rows = await trade_volume.volume(reader, self.group_by, *self.window.bounds(zone))
        items, next_cursor = page_of(f"trade_volume:{self.group_by}", rows, _key, self.page)
        return {"group_by": self.group_by, "items": items, "next_cursor": next_cursor}


def _trade_volume(
    page: PageDep,
    group_by: trade_volume.GroupBy = "sector",
    from_: FromDay = None,
    to: TimeOrDay | None = None,
) -> TradeVolumeQuery:
    return TradeVolumeQuery(group_by, Window(from_, to), page)


@dataclass(frozen=True)
class SupplierQualityQuery:
    supplier_unit_id: str | None
    page: PageRequest

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        rows = await supplier_quality.suppliers(reader, self.supplier_unit_id)
        items, next_cursor = page_of(
            "supplier_quality", rows, lambda r: r["supplier_unit_id"], self.page
        )
        return {"items": items, "next_cursor": next_cursor}


def _supplier_quality(
    page: PageDep, supplier_unit_id: UnitId | None = None
) -> SupplierQualityQuery:
    return SupplierQualityQuery(supplier_unit_id, page)


@dataclass(frozen=True)
class ComplianceQuery:
    group_by: invitation_compliance.GroupBy
    window: Window
    page: PageRequest

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        rows = await invitation_compliance.rates(reader, self.group_by, *self.window.bounds(zone))
        items, next_cursor = page_of(f"compliance:{self.group_by}", rows, _key, self.page)
        return {"group_by": self.group_by, "items": items, "next_cursor": next_cursor}


def _compliance(
    page: PageDep,
    group_by: invitation_compliance.GroupBy = "demand_unit",
    from_: FromDay = None,
    to: TimeOrDay | None = None,
) -> ComplianceQuery:
    return ComplianceQuery(group_by, Window(from_, to), page)


@dataclass(frozen=True)
class ComplianceExceptionsQuery:
    window: Window
    page: PageRequest

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        window = self.window.bounds(zone)
        found = await invitation_compliance.exceptions(reader, *window, self.page)
        return {"items": found.items, "next_cursor": found.next_cursor}


def _compliance_exceptions(
    page: PageDep, from_: FromDay = None, to: TimeOrDay | None = None
) -> ComplianceExceptionsQuery:
    return ComplianceExceptionsQuery(Window(from_, to), page)


class SynergyBenefitRow(BaseModel):
    key: str | None
    contracts: int = Field(description="Contracts with a reference (their benefit is counted).")
    no_reference: int = Field(description="Contracts without one: no benefit claimed.")
    benefit: str = Field(examples=["1200.00"], description="Negative where bought dearer.")
    demand_share: str
    supply_share: str


class SynergyBenefitTotals(BaseModel):
    contracts: int
    no_reference: int
    benefit: str
    demand_share: str
    supply_share: str


class SynergyBenefitOut(Paged):
    group_by: str
    totals: SynergyBenefitTotals = Field(description="Of every group, whatever the page.")
    items: list[SynergyBenefitRow]


class ArmLengthException(BaseModel):
    contract_id: str
    demand_unit_id: str
    supply_unit_id: str
    category: str
    activated_at: datetime
    reference_source: str
    reference_unit_price: str
    unit_price: str
    quantity: str
    tolerance_pct: str = Field(description="The rules' tolerance in force at the activation.")
    excess_pct: str = Field(description="(unit price - reference) / reference * 100.")


class ArmLengthExceptionsOut(Paged):
    items: list[ArmLengthException]


@dataclass(frozen=True)
class SynergyBenefitQuery:
    group_by: synergy_benefit.GroupBy
    window: Window
    page: PageRequest

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        rows, totals = await synergy_benefit.benefit(
            reader, self.group_by, *self.window.bounds(zone)
        )
        items, next_cursor = page_of(f"synergy_benefit:{self.group_by}", rows, _key, self.page)
        return {
            "group_by": self.group_by,
            "totals": totals,
            "items": items,
            "next_cursor": next_cursor,
        }


def _synergy_benefit(
    page: PageDep,
    group_by: synergy_benefit.GroupBy = "sector",
    from_: FromDay = None,
    to: TimeOrDay | None = None,
) -> SynergyBenefitQuery:
    return SynergyBenefitQuery(group_by, Window(from_, to), page)


@dataclass(frozen=True)
class ArmLengthQuery:
    window: Window
    page: PageRequest

    async def answer(self, reader: RowReader, zone: tzinfo) -> dict[str, Any]:
        rows = await synergy_benefit.exceptions(reader, *self.window.bounds(zone))
        items, next_cursor = page_of("arm_length", rows, lambda r: str(r["contract_id"]), self.page)
        return {"items": items, "next_cursor": next_cursor}


def _arm_length(
    page: PageDep, from_: FromDay = None, to: TimeOrDay | None = None
) -> ArmLengthQuery:
    return ArmLengthQuery(Window(from_, to), page)


SynergyBenefitDep = Annotated[SynergyBenefitQuery, Depends(_synergy_benefit)]
ArmLengthDep = Annotated[ArmLengthQuery, Depends(_arm_length)]
TradeVolumeDep = Annotated[TradeVolumeQuery, Depends(_trade_volume)]
SupplierQualityDep = Annotated[SupplierQualityQuery, Depends(_supplier_quality)]
ComplianceDep = Annotated[ComplianceQuery, Depends(_compliance)]
ComplianceExceptionsDep = Annotated[ComplianceExceptionsQuery, Depends(_compliance_exceptions)]
