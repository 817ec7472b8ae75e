"""Catalog versions of synergy products (paper §3.2.2): compiled from sector submissions,
reviewed entry by entry by HQ, published for an effective period, replaced every half year."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import (
    Actor,
    DomainError,
    Immutable,
    MarketAggregate,
    RecordNotFound,
)
from marketplace.aggregates.price_breaks import PriceBreak, price_breaks_of
from marketplace.aggregates.taxonomy import allowed_subcategories, is_known


class VersionStatus(StrEnum):
    COLLECTING = "collecting"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class EntryStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


_REPEATED = ("platform_unit_id", "supplier_unit_id", "category", "subcategory", "uom")


@dataclass(frozen=True)
class CatalogEntry(Immutable):
    """One supplier's item in a version, as submitted and reviewed."""

    entry_id: str
    platform_unit_id: str
    supplier_unit_id: str
    category: str
    subcategory: str
    item_code: str
    item_name: str
    uom: str
    reference_price: str | None = None
    capacity: str | None = None
    regions: tuple[str, ...] = ()
    status: EntryStatus = EntryStatus.PENDING
    reason: str | None = None
    # Unit prices by quantity (joint procurement reports what pooling saves on them).
    price_breaks: tuple[PriceBreak, ...] = ()

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> CatalogEntry:
        # The few values 10^5 entries repeat (units, categories, units of measure, regions)
        # shared, not one string each: a catalog in force lives in every API process.
        shared = {k: sys.intern(record[k]) for k in _REPEATED if isinstance(record.get(k), str)}
        return cls(
            **{
                **record,
                **shared,
                "regions": tuple(sys.intern(r) for r in record.get("regions") or ()),
                "status": EntryStatus(record.get("status", "pending")),
                "price_breaks": price_breaks_of(record.get("price_breaks")),
            }
        )

    def record(self) -> dict[str, Any]:
        """The entry as event data (plain JSON values); `price_breaks` only when it has some,
        so entries without them are stored and published as before."""
        breaks = {"price_breaks": [b.record() for b in self.price_breaks]}
        return {
            "entry_id": self.entry_id,
            "platform_unit_id": self.platform_unit_id,
            "supplier_unit_id": self.supplier_unit_id,
            "category": self.category,
            "subcategory": self.subcategory,
            "item_code": self.item_code,
            "item_name": self.item_name,
            "uom": self.uom,
            "reference_price": self.reference_price,
            "capacity": self.capacity,
            "regions": list(self.regions),
        } | (breaks if self.price_breaks else {})


class EntryNotFound(RecordNotFound):
    """The command names an entry the version does not have (the API's 404)."""

    def __init__(self, entry_id: str) -> None:
        super().__init__(
            "not_found",
            f"Entry {entry_id!r} is not in this catalog version.",
            {"entry_id": entry_id},
        )


ItemIndex = tuple[int, dict[str, list[CatalogEntry]]]  # (aggregate version, entries by item)

# The entries one `EntriesSubmitted` event carries, as JSON, at most: half a megabyte, so the
# stored event and its CloudEvent (the bus takes 1 MB messages by default) stay well under
# 1 MB with their other fields, and a 100k-entry file is some sixty events, not one of 29 MB.
MAX_EVENT_ENTRIES_BYTES = 512 * 1024


def chunks_of(records: list[dict[str, Any]], max_bytes: int) -> list[list[dict[str, Any]]]:
    """`records` in order, in consecutive chunks whose JSON is at most `max_bytes` (a record
    larger than that alone in its chunk). The size is measured with every non-ASCII character
    escaped (6 bytes, 12 outside the BMP), which bounds both the store's UTF-8 JSON and the
    bus's, whatever the script of the text."""
    chunks: list[list[dict[str, Any]]] = []
    chunk: list[dict[str, Any]] = []
    size = 2  # the brackets
    for record in records:
        grows = len(json.dumps(record)) + 2  # and its separator, as json.dumps writes a list
        if chunk and size + grows > max_bytes:
            chunks.append(chunk)
            chunk, size = [], 2
        chunk.append(record)
        size += grows
    if chunk:
        chunks.append(chunk)
    return chunks


class CatalogVersion(MarketAggregate):
    """One half-year's catalog: collecting → published → superseded."""

    VALUE_MAPS = ("entries",)

    @classmethod
    def open(
        cls,
        version_id: str,
        period: str,
        effective_from: date,
        effective_to: date,
        submission_deadline: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> CatalogVersion:
        if effective_to < effective_from:
            raise DomainError(
                "invalid_effective_period",
                f"effective_to {effective_to} is before effective_from {effective_from}.",
            )
        return cls(
            id=version_id,
            period=period,
            effective_from=effective_from,
            effective_to=effective_to,
            submission_deadline=submission_deadline,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Opened")
    def __init__(
        self,
        id: str,
        period: str,
        effective_from: date,
        effective_to: date,
        submission_deadline: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.period = period
        self.effective_from = effective_from
        self.effective_to = effective_to
        self.submission_deadline = submission_deadline
        self.status = VersionStatus.COLLECTING
        self.entries: dict[str, CatalogEntry] = {}
        self.published_at: datetime | None = None
        self.superseded_by: str | None = None

    # ----- queries -------------------------------------------------------------------------

    def entry(self, entry_id: str) -> CatalogEntry:
        try:
            return self.entries[entry_id]
        except KeyError:
            raise EntryNotFound(entry_id) from None

    def approved_entries(self) -> list[CatalogEntry]:
        return [e for e in self.entries.values() if e.status is EntryStatus.APPROVED]

    def approved_for_item(self, item_code: str) -> list[CatalogEntry]:
        """The approved entries of one item, from an index built once per aggregate version
        (a published version never changes, so matching a need does not scan the catalog)."""
        built: tuple[int, dict[str, list[CatalogEntry]]] | None = getattr(
            self, "_cached_by_item", None
        )
        if built is None or built[0] != self.version:
            by_item: dict[str, list[CatalogEntry]] = {}
            for entry in self.approved_entries():
                by_item.setdefault(entry.item_code, []).append(entry)
            built = (self.version, by_item)
            self._cached_by_item = built
        return built[1].get(item_code, [])

    # ----- commands ------------------------------------------------------------------------

    def submit(
        self, platform_unit_id: str, entries: list[CatalogEntry], actor: Actor, timestamp: datetime
    ) -> None:
        """A sector platform submits entries for suppliers in its subtree (checked by caller).

        All are checked before any is recorded; they are recorded as one `EntriesSubmitted`
        event per chunk of at most `MAX_EVENT_ENTRIES_BYTES` (see `chunks_of`), which the
        caller saves together, so the submission is still all or nothing."""
        refused = self.refusals(entries, timestamp)
        if refused:
            raise refused[0]
        for chunk in chunks_of([e.record() for e in entries], MAX_EVENT_ENTRIES_BYTES):
            self._entries_submitted(platform_unit_id, chunk, actor, timestamp)

    def refusals(self, entries: list[CatalogEntry], timestamp: datetime) -> list[DomainError]:
        """What `submit` would refuse of these entries: each refused entry's error (naming its
        `index`), in order, every one of them. Later entries see the earlier ones that were
        not refused (duplicates within the submission). Raises when the version itself takes
        no submission (not collecting, deadline passed). Changes nothing."""
        self._check_collecting()
        if timestamp > self.submission_deadline:
            raise DomainError(
                "submission_deadline_passed",
                f"Submissions for {self.period} closed at {self.submission_deadline.isoformat()}.",
                {"submission_deadline": self.submission_deadline.isoformat()},
            )
        taken = {
            (e.supplier_unit_id, e.item_code): e.entry_id
            for e in self.entries.values()
            if e.status is not EntryStatus.REJECTED
        }
        refused: list[DomainError] = []
        for position, entry in enumerate(entries):
            if not is_known(entry.category, entry.subcategory):
                refused.append(self._unknown_subcategory(position, entry))
                continue
            key = (entry.supplier_unit_id, entry.item_code)
            if key in taken:
                refused.append(
                    DomainError(
                        "duplicate_entry",
                        f"Supplier {entry.supplier_unit_id!r} already has item "
                        f"{entry.item_code!r} in this version.",
                        {
                            "index": position,
                            "supplier_unit_id": entry.supplier_unit_id,
                            "item_code": entry.item_code,
                            "existing_entry_id": taken[key],
                        },
                    )
                )
                continue
            taken[key] = entry.entry_id
        return refused

    def approve_entry(self, entry_id: str, actor: Actor, timestamp: datetime) -> None:
        self._check_reviewable(entry_id)
        self._entry_approved(entry_id, actor, timestamp)

    def reject_entry(self, entry_id: str, reason: str, actor: Actor, timestamp: datetime) -> None:
        self._check_reviewable(entry_id)
        self._entry_rejected(entry_id, reason, actor, timestamp)

    def review_entries(
        self, entry_ids: list[str], reject_reason: str | None, actor: Actor, timestamp: datetime
    ) -> None:
        """Approve (no reason) or reject (with one) every entry named, or none: each is checked
        before any is reviewed. Each entry gets its own event, as when reviewed alone."""
        for entry_id in entry_ids:
            self._check_reviewable(entry_id)
        for entry_id in entry_ids:
            if reject_reason is None:
                self._entry_approved(entry_id, actor, timestamp)
            else:
                self._entry_rejected(entry_id, reject_reason, actor, timestamp)

    def check_publishable(self) -> None:
        """Refuse unless collecting with every entry reviewed."""
        self._check_collecting()
        pending = sorted(
            e.entry_id for e in self.entries.values() if e.status is EntryStatus.PENDING
        )
        if pending:
            raise DomainError(
                "entries_pending_review",
                f"{len(pending)} entries still await review; approve or reject them first.",
                {"pending_entry_ids": pending},
            )

    def publish(self, replaces: str | None, actor: Actor, timestamp: datetime) -> None:
        """Publish; `replaces` is the version it supersedes (decided by the catalog index)."""
        self.check_publishable()
        self._published(
            self.period,
            self.effective_from,
            self.effective_to,
            replaces,
            len(self.approved_entries()),
            actor,
            timestamp,
        )

    def supersede(self, by_version_id: str, actor: Actor, timestamp: datetime) -> None:
        if self.status is not VersionStatus.PUBLISHED:
            raise DomainError("version_not_published", "Only a published version is superseded.")
        self._superseded(by_version_id, actor, timestamp)

    # ----- rules ---------------------------------------------------------------------------

    def _check_collecting(self) -> None:
        if self.status is not VersionStatus.COLLECTING:
            raise DomainError(
                "version_not_collecting",
                f"Catalog version {self.id!r} is {self.status.value}; a published version never "
                "changes — corrections go into the next version.",
                {"status": self.status.value},
            )

    def _check_reviewable(self, entry_id: str) -> None:
        self._check_collecting()
        entry = self.entry(entry_id)
        if entry.status is not EntryStatus.PENDING:
            raise DomainError(
                "entry_already_reviewed",
                f"Entry {entry_id!r} is already {entry.status.value}.",
                {"entry_id": entry_id, "status": entry.status.value},
            )

    @staticmethod
    def _unknown_subcategory(position: int, entry: CatalogEntry) -> DomainError:
        return DomainError(
            "unknown_subcategory",
            f"{entry.category}/{entry.subcategory} is not in the taxonomy.",
            {"index": position, "allowed": allowed_subcategories(entry.category)},
        )

    # ----- events --------------------------------------------------------------------------

    @event("EntriesSubmitted")
    def _entries_submitted(
        self,
        platform_unit_id: str,
        entries: list[dict[str, Any]],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        for record in entries:
            entry = CatalogEntry.from_record(record)
            self.entries[entry.entry_id] = entry

    @event("EntryApproved")
    def _entry_approved(self, entry_id: str, actor: Actor, timestamp: datetime) -> None:
        self.entries[entry_id] = replace(self.entries[entry_id], status=EntryStatus.APPROVED)

    @event("EntryRejected")
    def _entry_rejected(
        self, entry_id: str, reason: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.entries[entry_id] = replace(
            self.entries[entry_id], status=EntryStatus.REJECTED, reason=reason
        )

    @event("Published")
    def _published(  # the period travels with the event: consumers need not join "Opened"
        self,
        period: str,
        effective_from: date,
        effective_to: date,
        replaces: str | None,
        entry_count: int,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = VersionStatus.PUBLISHED
        self.published_at = timestamp

    @event("Superseded")
    def _superseded(self, by_version_id: str, actor: Actor, timestamp: datetime) -> None:
        self.status = VersionStatus.SUPERSEDED
        self.superseded_by = by_version_id
