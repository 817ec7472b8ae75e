"""`/v1/catalog`: catalog versions, their review and publication, the version in force."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion
from marketplace.aggregates.taxonomy import TAXONOMY
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict
from marketplace.handlers import catalog
from marketplace.handlers.catalog import MAX_BULK_REVIEW
from marketplace.handlers.catalog_entry import Category, EntryIn
from marketplace.inputs import (
    HALF_YEAR_PATTERN,
    Day,
    Identifier,
    ItemCode,
    LongText,
    Moment,
    ShortText,
    TimeOrDay,
    UnitId,
    start_of,
)

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])


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


EntryIdList = Annotated[
    list[Identifier],
    Field(min_length=1, max_length=MAX_BULK_REVIEW, description="Each entry once."),
]


class BulkApproveIn(Strict):
    entry_ids: EntryIdList


class BulkRejectIn(Strict):
    entry_ids: EntryIdList
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
    price_breaks: list[dict[str, str]] = Field(
        default_factory=list,
        description="`{min_quantity, unit_price}` by ascending quantity; `reference_price` "
        "applies below the first. Empty when the entry has none.",
    )
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
            price_breaks=[b.record() for b in e.price_breaks],
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


@router.get("/taxonomy", response_model=list[CategoryOut])
def taxonomy(_: PrincipalDep) -> list[CategoryOut]:
    """The four categories of synergy products and their subcategories (paper §3.2.1)."""
    return taxonomy_out()


@router.post("/versions", status_code=status.HTTP_201_CREATED, response_model=VersionOut)
def open_version(body: VersionIn, svc: ServicesDep, principal: PrincipalDep) -> VersionOut:
    """Open a half-year catalog version for submissions (hq_admin)."""
    version = catalog.open_version(
        svc,
        principal,
        catalog.OpenVersion(
            body.period,
            body.effective_from,
            body.effective_to,
            body.submission_deadline,
        ),
    )
    return VersionOut.of(version)


@router.get("/versions/{version_id}", response_model=VersionOut)
def get_version(version_id: str, svc: ServicesDep, _: PrincipalDep) -> VersionOut:
    """A version with all its entries and their review status."""
    return VersionOut.of(catalog.load_version(svc, version_id, reading=True))


@router.post(
    "/versions/{version_id}/submissions",
    status_code=status.HTTP_201_CREATED,
    response_model=EntryIds,
)
def submit(
    version_id: str, body: SubmissionIn, svc: ServicesDep, principal: PrincipalDep
) -> EntryIds:
    """Submit entries for suppliers in the caller's platform subtree (platform_admin)."""
    entries = [e.submission() for e in body.entries]
    return EntryIds(entry_ids=catalog.submit_entries(svc, principal, version_id, entries))


@router.post("/versions/{version_id}/entries/{entry_id}/approve", response_model=EntryOut)
def approve(version_id: str, entry_id: str, svc: ServicesDep, principal: PrincipalDep) -> EntryOut:
    """Approve one submitted entry (hq_admin)."""
    return EntryOut.of(catalog.review_entry(svc, principal, version_id, entry_id, None))


@router.post("/versions/{version_id}/entries/{entry_id}/reject", response_model=EntryOut)
def reject(
    version_id: str, entry_id: str, body: RejectIn, svc: ServicesDep, principal: PrincipalDep
) -> EntryOut:
    """Reject one submitted entry with a reason (hq_admin)."""
    return EntryOut.of(catalog.review_entry(svc, principal, version_id, entry_id, body.reason))


@router.post("/versions/{version_id}/entries/approve", response_model=list[EntryOut])
def approve_many(
    version_id: str, body: BulkApproveIn, svc: ServicesDep, principal: PrincipalDep
) -> list[EntryOut]:
    """Approve many submitted entries at once, all or nothing (hq_admin)."""
    reviewed = catalog.review_entries(svc, principal, version_id, body.entry_ids, None)
    return [EntryOut.of(e) for e in reviewed]


@router.post("/versions/{version_id}/entries/reject", response_model=list[EntryOut])
def reject_many(
    version_id: str, body: BulkRejectIn, svc: ServicesDep, principal: PrincipalDep
) -> list[EntryOut]:
    """Reject many submitted entries at once with one reason, all or nothing (hq_admin)."""
    reviewed = catalog.review_entries(svc, principal, version_id, body.entry_ids, body.reason)
    return [EntryOut.of(e) for e in reviewed]


@router.post("/versions/{version_id}/publish", response_model=VersionOut)
def publish(version_id: str, svc: ServicesDep, principal: PrincipalDep) -> VersionOut:
    """Publish a fully reviewed version; the one it replaces becomes superseded (hq_admin)."""
    return VersionOut.of(catalog.publish_version(svc, principal, version_id))


@router.get("/search", response_model=SearchResult)
async def search(
    runtime: ProjectionsDep,
    svc: ServicesDep,
    _: PrincipalDep,
    page: PageDep,
    item_code: ItemCode | None = None,
    category: Category | None = None,
    subcategory: Annotated[ShortText | None, Query(max_length=64)] = None,
    supplier_unit_id: UnitId | None = None,
    q: Annotated[
        ShortText | None, Query(max_length=100, description="Words of the item name.")
    ] = None,
    at: TimeOrDay | None = None,
) -> SearchResult:
    """Approved entries of the version in force at `at` (default now), from the search index,
    by item code and supplier, paged with `limit` and `cursor`."""
    found = await catalog.search_entries(
        svc,
        runtime,
        page,
        start_of(at, svc.zone),
        item_code=item_code,
        category=category,
        subcategory=subcategory,
        supplier_unit_id=supplier_unit_id,
        q=q,
    )
    items = [SearchHit.of(row) for row in found.items]
    return SearchResult(items=items, next_cursor=found.next_cursor)


@router.get("/in-force", response_model=VersionOut)
def in_force(svc: ServicesDep, _: PrincipalDep, at: TimeOrDay | None = None) -> VersionOut:
    """The version in force at `at` (default now) with its approved entries."""
    version = catalog.version_in_force(svc, start_of(at, svc.zone))
    return VersionOut.of(version, approved_only=True)
