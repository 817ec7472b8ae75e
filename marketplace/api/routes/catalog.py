"""`/v1/catalog`: catalog versions, their review and publication, the version in force."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from marketplace.api.catalog_schemas import (
    CategoryOut,
    EntryIds,
    EntryOut,
    RejectIn,
    SearchHit,
    SearchResult,
    SubmissionIn,
    VersionIn,
    VersionOut,
    taxonomy_out,
)
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import PageDep
from marketplace.handlers import catalog
from marketplace.handlers.catalog_entry import Category
from marketplace.inputs import (
    ItemCode,
    ShortText,
    TimeOrDay,
    UnitId,
    start_of,
)

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])


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
    return VersionOut.of(catalog.load_version(svc, version_id))


@router.post(
    "/versions/{version_id}/submissions",
    status_code=status.HTTP_201_CREATED,
    response_model=EntryIds,
)
def submit(
    version_id: str, body: SubmissionIn, svc: ServicesDep, principal: PrincipalDep
) -> EntryIds:
    """Submit entries for suppliers in the caller's platform subtree (platform_admin)."""
    entries = [
        catalog.EntrySubmission(**{**e.model_dump(), "regions": tuple(e.regions)})
        for e in body.entries
    ]
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
    moment: datetime = start_of(at, svc.zone) or svc.clock()
    return VersionOut.of(catalog.version_in_force(svc, moment), approved_only=True)
