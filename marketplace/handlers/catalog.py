"""Use cases of the synergy-product catalog: open, submit, review, publish, look up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion
from marketplace.aggregates.catalog_index import CATALOG_INDEX_ID, CatalogIndex
from marketplace.aggregates.organisation import Organisation
from marketplace.aggregates.price_breaks import PriceBreak
from marketplace.handlers.auth import Principal, require_role
from marketplace.handlers.errors import Forbidden, InvalidField, NotFound
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import ReadModels, Services
from marketplace.projections import catalog_search
from marketplace.projections.pages import Page, PageRequest


@dataclass(frozen=True)
class OpenVersion:
    period: str
    effective_from: date
    effective_to: date
    submission_deadline: datetime


@dataclass(frozen=True)
class EntrySubmission:
    supplier_unit_id: str
    category: str
    subcategory: str
    item_code: str
    item_name: str
    uom: str
    reference_price: str | None = None
    capacity: str | None = None
    regions: tuple[str, ...] = ()
    price_breaks: tuple[PriceBreak, ...] = ()


def load_version(svc: Services, version_id: str, *, reading: bool = False) -> CatalogVersion:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(CatalogVersion, version_id, "Catalog version", reading=reading)


def open_version(svc: Services, principal: Principal, cmd: OpenVersion) -> CatalogVersion:
    require_role(principal, Role.HQ_ADMIN)
    version = CatalogVersion.open(
        svc.new_id("cat"),
        cmd.period,
        cmd.effective_from,
        cmd.effective_to,
        cmd.submission_deadline,
        principal.actor,
        svc.clock(),
    )
    svc.store.save(version)
    return version


def submit_entries(
    svc: Services, principal: Principal, version_id: str, entries: list[EntrySubmission]
) -> list[str]:
    """A platform admin submits entries for suppliers in its platform's subtree."""
    require_role(principal, Role.PLATFORM_ADMIN)
    assert principal.unit_id is not None
    org = load_organisation(svc)
    for index, submission in enumerate(entries):
        check_supplier(org, principal.unit_id, index, submission.supplier_unit_id)
    records = [
        CatalogEntry(svc.new_id("ent"), principal.unit_id, **vars(submission))
        for submission in entries
    ]

    def attempt() -> list[str]:
        version = load_version(svc, version_id)
        version.submit(principal.unit_id or "", records, principal.actor, svc.clock())
        svc.store.save(version)
        return [r.entry_id for r in records]

    return svc.retrying(attempt)


def check_supplier(
    org: Organisation | None, platform_id: str, index: int, supplier_id: str
) -> None:
    unit = org.units.get(supplier_id) if org else None
    if unit is None:
        raise NotFound(
            f"entries[{index}]: supplier unit {supplier_id!r} does not exist.",
            {"index": index, "supplier_unit_id": supplier_id},
        )
    assert org is not None
    if not org.is_within(supplier_id, platform_id):
        raise Forbidden(
            f"entries[{index}]: supplier {supplier_id!r} is not in platform {platform_id!r}'s "
            "subtree; each platform submits for its own sector.",
            {"index": index, "supplier_unit_id": supplier_id},
        )
    if not unit.active:
        raise DomainError(
            "supplier_inactive",
            f"Supplier {supplier_id!r} is deactivated.",
            {"index": index, "supplier_unit_id": supplier_id},
        )


def review_entry(
    svc: Services, principal: Principal, version_id: str, entry_id: str, reject_reason: str | None
) -> CatalogEntry:
    """Approve (no reason) or reject (with a reason) one entry (hq_admin)."""
    require_role(principal, Role.HQ_ADMIN)

    def attempt() -> CatalogEntry:
        version = load_version(svc, version_id)
        if reject_reason is None:
            version.approve_entry(entry_id, principal.actor, svc.clock())
        else:
            version.reject_entry(entry_id, reject_reason, principal.actor, svc.clock())
        svc.store.save(version)
        return version.entries[entry_id]

    return svc.retrying(attempt)


MAX_BULK_REVIEW = 10_000  # entries per bulk review: one transaction of that many events


def review_entries(
    svc: Services,
    principal: Principal,
    version_id: str,
    entry_ids: list[str],
    reject_reason: str | None,
) -> list[CatalogEntry]:
    """Approve or reject many entries at once, all or nothing (hq_admin's review desk)."""
    require_role(principal, Role.HQ_ADMIN)
    if not 1 <= len(entry_ids) <= MAX_BULK_REVIEW:
        raise InvalidField("entry_ids", f"Name between 1 and {MAX_BULK_REVIEW} entries.", "length")
    if len(set(entry_ids)) != len(entry_ids):
        repeated = sorted(e for e, n in Counter(entry_ids).items() if n > 1)[:10]
        raise InvalidField(
            "entry_ids", f"Each entry may be named once; repeated: {', '.join(repeated)}.", "unique"
        )

    def attempt() -> list[CatalogEntry]:
        version = load_version(svc, version_id)
        version.review_entries(entry_ids, reject_reason, principal.actor, svc.clock())
        svc.store.save(version)
        return [version.entries[e] for e in entry_ids]

    return svc.retrying(attempt)


def publish_version(svc: Services, principal: Principal, version_id: str) -> CatalogVersion:
    """Publish, supersede the version it replaces, and record it in the index, atomically."""
    require_role(principal, Role.HQ_ADMIN)

    def attempt() -> CatalogVersion:
        version = load_version(svc, version_id)
        now = svc.clock()
        index = svc.store.get(CATALOG_INDEX_ID, CatalogIndex) or CatalogIndex(
            id=CATALOG_INDEX_ID, actor=principal.actor, timestamp=now
        )
        version.check_publishable()  # before the index records anything
        replaces = index.record_publication(version, principal.actor, now)
        version.publish(replaces, principal.actor, now)
        changed = [version, index]
        if replaces:
            previous = load_version(svc, replaces)
            previous.supersede(version.id, principal.actor, now)
            changed.append(previous)
        svc.store.save(*changed)
        return version

    return svc.retrying(attempt)


def find_version_in_force(svc: Services, at: datetime) -> CatalogVersion | None:
    """The version in force at `at`; effective dates are days in the group's time zone."""
    index = svc.store.view(CATALOG_INDEX_ID, CatalogIndex)
    version_id = index.in_force_on(at.astimezone(svc.zone).date()) if index else None
    return svc.store.view(version_id, CatalogVersion) if version_id else None


def version_in_force(svc: Services, at: datetime | None) -> CatalogVersion:
    """The version in force at `at` (default now), or NotFound saying for which day."""
    at = at or svc.clock()
    version = find_version_in_force(svc, at)
    if version is None:
        day = at.astimezone(svc.zone).date()
        raise NotFound(
            f"No catalog version was in force on {day.isoformat()} ({at.isoformat()}).",
            {"at": at.isoformat(), "date": day.isoformat()},
        )
    return version


async def search_entries(
    svc: Services, models: ReadModels, page: PageRequest, at: datetime | None, **filters: str | None
) -> Page:
    """Approved entries of the version in force on the group's day of `at` (default today),
    from the search index, filtered by `catalog_search.search`'s keywords."""
    day = at.astimezone(svc.zone).date() if at else svc.today()
    reader = await models.reader(catalog_search.PROJECTION.name)
    return await catalog_search.search(reader, page, day=day.isoformat(), **filters)
