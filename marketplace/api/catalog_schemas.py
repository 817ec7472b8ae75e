"""Request and response bodies of the catalog endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion
from marketplace.aggregates.taxonomy import TAXONOMY
from marketplace.api.pages import Paged
from marketplace.api.schemas import Strict
from marketplace.handlers.catalog_entry import EntryIn
from marketplace.inputs import HALF_YEAR_PATTERN, Day, LongText, Moment


class VersionIn(Strict):
    period: str = Field(pattern=HALF_YEAR_PATTERN, examples=["2027H1"])
    effective_from: Day = Field(examples=["2027-01-01"])
    effective_to: Day = Field(examples=["2027-06-30"])
    submission_deadline: Moment = Field(examples=["2026-12-01T00:00:00Z"])

    @model_validator(mode="after")
    def period_in_order(self) -> VersionIn:
        if self.effective_to < self.effective_from:
            raise ValueError("effective_to must not be before effective_from")
        return self


class SubmissionIn(Strict):
    entries: list[EntryIn] = Field(min_length=1, max_length=5000)


class RejectIn(Strict):
    reason: LongText = Field(min_length=1, max_length=1000)


class EntryOut(BaseModel):
    entry_id: str
    platform_unit_id: str
    supplier_unit_id: str
    category: str
    subcategory: str
    code: str = Field(description="category/subcategory, e.g. resource/intangible/patent")
    item_code: str
    item_name: str
    uom: str
    reference_price: str | None
    capacity: str | None
    regions: list[str]
    status: str
    reason: str | None

    @classmethod
    def of(cls, e: CatalogEntry) -> EntryOut:
        return cls(
            entry_id=e.entry_id,
            platform_unit_id=e.platform_unit_id,
            supplier_unit_id=e.supplier_unit_id,
            category=e.category,
            subcategory=e.subcategory,
            code=f"{e.category}/{e.subcategory}",
            item_code=e.item_code,
            item_name=e.item_name,
            uom=e.uom,
            reference_price=e.reference_price,
            capacity=e.capacity,
            regions=list(e.regions),
            status=e.status.value,
            reason=e.reason,
        )


class VersionOut(BaseModel):
    id: str
    period: str
    status: str
    effective_from: date
    effective_to: date
    submission_deadline: datetime
    published_at: datetime | None
    superseded_by: str | None
    entries: list[EntryOut]

    @classmethod
    def of(cls, v: CatalogVersion, *, approved_only: bool = False) -> VersionOut:
        entries = v.approved_entries() if approved_only else list(v.entries.values())
        return cls(
            id=v.id,
            period=v.period,
            status=v.status.value,
            effective_from=v.effective_from,
            effective_to=v.effective_to,
            submission_deadline=v.submission_deadline,
            published_at=v.published_at,
            superseded_by=v.superseded_by,
            entries=[EntryOut.of(e) for e in entries],
        )


class SearchHit(BaseModel):
    entry_id: str
    version_id: str
    period: str
    supplier_unit_id: str
    platform_unit_id: str
    category: str
    subcategory: str
    code: str
    item_code: str
    item_name: str
    uom: str
    reference_price: str | None
    capacity: str | None
    regions: list[str]

    @classmethod
    def of(cls, row: dict[str, Any]) -> SearchHit:
        price = row["reference_price"]
        return cls(
            **{
                k: row[k]
                for k in (
                    "entry_id",
                    "version_id",
                    "period",
                    "supplier_unit_id",
                    "platform_unit_id",
                    "category",
                    "subcategory",
                    "item_code",
                    "item_name",
                    "uom",
                    "capacity",
                )
            },
            code=f"{row['category']}/{row['subcategory']}",
            reference_price=None if price is None else str(price),
            regions=[r for r in (row["regions"] or "").split(";") if r],
        )


class SearchResult(Paged):
    items: list[SearchHit]


class EntryIds(BaseModel):
    entry_ids: list[str]


class SubcategoryOut(BaseModel):
    code: str
    full_code: str
    label_zh: str
    label_en: str


class CategoryOut(BaseModel):
    code: str
    label_zh: str
    label_en: str
    subcategories: list[SubcategoryOut]


def taxonomy_out() -> list[CategoryOut]:
    return [
        CategoryOut(
            code=c.code,
            label_zh=c.label_zh,
            label_en=c.label_en,
            subcategories=[
                SubcategoryOut(
                    code=s.code,
                    full_code=f"{c.code}/{s.code}",
                    label_zh=s.label_zh,
                    label_en=s.label_en,
                )
                for s in c.subcategories
            ],
        )
        for c in TAXONOMY
    ]
