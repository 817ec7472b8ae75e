"""Catalog version lifecycle: given a version, when a command, then events or a refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.catalog import (
    MAX_EVENT_ENTRIES_BYTES,
    CatalogEntry,
    CatalogVersion,
    EntryNotFound,
    EntryStatus,
    VersionStatus,
    chunks_of,
)
from marketplace.aggregates.catalog_index import CATALOG_INDEX_ID, CatalogIndex
from marketplace.aggregates.taxonomy import CATEGORIES, TAXONOMY, allowed_subcategories, is_known
from tests.unit.org_fixtures import ACTOR

OPENED = datetime(2026, 11, 1, tzinfo=UTC)
DEADLINE = datetime(2026, 12, 1, tzinfo=UTC)
BEFORE_DEADLINE = datetime(2026, 11, 15, tzinfo=UTC)


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(DomainError) as info:
        yield
    assert info.value.code == code


def entry(
    entry_id: str, supplier: str = "PWR-01", item: str = "STEAM-LP", **kw: str
) -> CatalogEntry:
    fields = {
        "category": "product",
        "subcategory": "heat",
        "item_name": "Low-pressure steam",
        "uom": "t",
    } | kw
    return CatalogEntry(entry_id, "PWR", supplier, item_code=item, **fields)  # type: ignore[arg-type]


def version(
    period: str = "2027H1", start: date = date(2027, 1, 1), end: date = date(2027, 6, 30)
) -> CatalogVersion:
    v = CatalogVersion.open(f"cat-{period}", period, start, end, DEADLINE, ACTOR, OPENED)
    v.collect_events()
    return v


def test_a_version_opens_collecting() -> None:
    v = CatalogVersion.open(
        "cat-1", "2027H1", date(2027, 1, 1), date(2027, 6, 30), DEADLINE, ACTOR, OPENED
    )
    assert v.status is VersionStatus.COLLECTING
    (opened,) = v.collect_events()
    assert type(opened).__name__ == "Opened"


def test_an_inverted_effective_period_is_refused() -> None:
    with refused("invalid_effective_period"):
        CatalogVersion.open(
            "cat-1", "2027H1", date(2027, 6, 30), date(2027, 1, 1), DEADLINE, ACTOR, OPENED
        )


def test_submitted_entries_wait_for_review() -> None:
    v = version()
    v.submit(
        "PWR",
        [entry("e1"), entry("e2", item="POWER-10KV", subcategory="power")],
        ACTOR,
        BEFORE_DEADLINE,
    )
    assert [e.status for e in v.entries.values()] == [EntryStatus.PENDING] * 2
    (submitted,) = v.collect_events()
    assert submitted.platform_unit_id == "PWR"  # type: ignore[attr-defined]
    assert len(submitted.entries) == 2  # type: ignore[attr-defined]


def test_submissions_after_the_deadline_are_refused() -> None:
    v = version()
    with refused("submission_deadline_passed"):
        v.submit("PWR", [entry("e1")], ACTOR, datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC))
    assert v.pending_events == []


@pytest.mark.parametrize("second", [[entry("e2")], [entry("e2"), entry("e3")]])
def test_the_same_supplier_and_item_twice_is_a_duplicate(second: list[CatalogEntry]) -> None:
    v = version()
    if len(second) == 1:
        v.submit("PWR", [entry("e1")], ACTOR, BEFORE_DEADLINE)
    with refused("duplicate_entry"):
        v.submit("PWR", second, ACTOR, BEFORE_DEADLINE)


def test_a_rejected_entry_may_be_submitted_again_corrected() -> None:
    v = version()
    v.submit("PWR", [entry("e1")], ACTOR, BEFORE_DEADLINE)
    v.reject_entry("e1", "price missing", ACTOR, BEFORE_DEADLINE)
    v.submit("PWR", [entry("e2")], ACTOR, BEFORE_DEADLINE)
    assert v.entries["e1"].reason == "price missing"
    assert v.entries["e2"].status is EntryStatus.PENDING


def test_an_unknown_subcategory_is_refused() -> None:
    with refused("unknown_subcategory"):
        version().submit("PWR", [entry("e1", subcategory="design")], ACTOR, BEFORE_DEADLINE)


def test_each_entry_is_reviewed_once() -> None:
    v = version()
    v.submit("PWR", [entry("e1")], ACTOR, BEFORE_DEADLINE)
    v.approve_entry("e1", ACTOR, BEFORE_DEADLINE)
    with refused("entry_already_reviewed"):
        v.reject_entry("e1", "no", ACTOR, BEFORE_DEADLINE)
    with pytest.raises(EntryNotFound):
        v.approve_entry("nope", ACTOR, BEFORE_DEADLINE)


def test_publishing_needs_every_entry_reviewed_and_then_freezes_the_version() -> None:
    v = version()
    v.submit("PWR", [entry("e1"), entry("e2", item="HOT-WATER")], ACTOR, BEFORE_DEADLINE)
    v.approve_entry("e1", ACTOR, BEFORE_DEADLINE)
    with refused("entries_pending_review"):
        v.publish(None, ACTOR, DEADLINE)
    v.reject_entry("e2", "duplicate of HEAT-01's offer", ACTOR, BEFORE_DEADLINE)
    v.publish(None, ACTOR, DEADLINE)
    assert v.status is VersionStatus.PUBLISHED
    assert [e.entry_id for e in v.approved_entries()] == ["e1"]
    with refused("version_not_collecting"):
        v.submit("PWR", [entry("e3", item="X")], ACTOR, BEFORE_DEADLINE)
    with refused("version_not_collecting"):
        v.publish(None, ACTOR, DEADLINE)


def published(
    period: str, start: date, end: date, index: CatalogIndex
) -> tuple[CatalogVersion, str | None]:
    v = version(period, start, end)
    replaces = index.record_publication(v, ACTOR, DEADLINE)
    v.publish(replaces, ACTOR, DEADLINE)
    return v, replaces


def test_the_next_half_year_replaces_the_previous_and_in_force_is_answerable() -> None:
    index = CatalogIndex(id=CATALOG_INDEX_ID, actor=ACTOR, timestamp=OPENED)
    h1, replaced = published("2027H1", date(2027, 1, 1), date(2027, 6, 30), index)
    assert replaced is None
    h2, replaced = published("2027H2", date(2027, 7, 1), date(2027, 12, 31), index)
    assert replaced == h1.id
    h1.supersede(h2.id, ACTOR, DEADLINE)
    assert h1.status is VersionStatus.SUPERSEDED
    assert index.in_force_on(date(2027, 6, 30)) == h1.id
    assert index.in_force_on(date(2027, 7, 1)) == h2.id
    assert index.in_force_on(date(2026, 12, 31)) is None


def test_overlapping_published_periods_are_refused() -> None:
    index = CatalogIndex(id=CATALOG_INDEX_ID, actor=ACTOR, timestamp=OPENED)
    published("2027H1", date(2027, 1, 1), date(2027, 6, 30), index)
    index.collect_events()
    with refused("effective_period_overlap"):
        published("2027H2", date(2027, 6, 30), date(2027, 12, 31), index)
    assert index.pending_events == []


def test_the_taxonomy_has_the_papers_four_categories() -> None:
    assert [c.code for c in TAXONOMY] == ["product", "engineering", "service", "resource"]
    assert CATEGORIES["resource"].label_zh == "资源类"
    assert is_known("resource", "intangible/patent")
    assert is_known("engineering", "design")
    assert not is_known("product", "design")
    assert "tender_agency" in allowed_subcategories("service")
    assert allowed_subcategories("nope") == []


def test_matching_an_item_sees_every_approval_even_after_its_index_was_built() -> None:
    v = version()
    v.submit(
        "PWR",
        [entry("e1"), entry("e2", supplier="HEAT-02"), entry("e3", item="OTHER")],
        ACTOR,
        BEFORE_DEADLINE,
    )
    v.approve_entry("e1", ACTOR, BEFORE_DEADLINE)
    assert [e.entry_id for e in v.approved_for_item("STEAM-LP")] == ["e1"]
    v.approve_entry("e2", ACTOR, BEFORE_DEADLINE)  # a new version of the aggregate
    v.approve_entry("e3", ACTOR, BEFORE_DEADLINE)
    assert [e.entry_id for e in v.approved_for_item("STEAM-LP")] == ["e1", "e2"]
    assert [e.entry_id for e in v.approved_for_item("OTHER")] == ["e3"]
    assert v.approved_for_item("NOPE") == []


def test_a_bulk_review_is_all_or_nothing() -> None:
    v = version()
    v.submit("PWR", [entry("e1"), entry("e2", supplier="HEAT-02")], ACTOR, BEFORE_DEADLINE)
    v.approve_entry("e2", ACTOR, BEFORE_DEADLINE)
    v.collect_events()
    with refused("entry_already_reviewed"):
        v.review_entries(["e1", "e2"], None, ACTOR, BEFORE_DEADLINE)
    with pytest.raises(EntryNotFound):
        v.review_entries(["e1", "nope"], "no", ACTOR, BEFORE_DEADLINE)
    assert v.entries["e1"].status.value == "pending" and not v.collect_events()
    v.review_entries(["e1"], "Not in our sector", ACTOR, BEFORE_DEADLINE)
    assert v.entries["e1"].reason == "Not in our sector"
    assert [type(e).__name__ for e in v.collect_events()] == ["EntryRejected"]


def many(count: int, name: str = "低压蒸汽 Low-pressure steam") -> list[CatalogEntry]:
    return [
        entry(f"e{i}", supplier=f"S-{i % 7}", item=f"ITEM-{i}", item_name=f"{name} {i}")
        for i in range(count)
    ]


def test_a_large_submission_is_recorded_in_chunks_each_bounded_in_encoded_size() -> None:
    v = version()
    entries = many(6000)
    v.submit("PWR", entries, ACTOR, BEFORE_DEADLINE)
    events = v.collect_events()
    assert len(events) > 1
    assert all(type(e).__name__ == "EntriesSubmitted" for e in events)
    for event in events:
        # The bound holds for the entries as JSON in any of the encodings they travel in.
        records = event.entries  # type: ignore[attr-defined]
        assert len(json.dumps(records)) <= MAX_EVENT_ENTRIES_BYTES
        assert len(json.dumps(records, ensure_ascii=False).encode()) <= MAX_EVENT_ENTRIES_BYTES
        assert event.platform_unit_id == "PWR"  # type: ignore[attr-defined]
    recorded = [r["entry_id"] for e in events for r in e.entries]  # type: ignore[attr-defined]
    assert recorded == [e.entry_id for e in entries]  # every entry once, in order
    replayed = CatalogVersion.open(
        v.id, v.period, v.effective_from, v.effective_to, DEADLINE, ACTOR, OPENED
    )
    for event in events:
        event.mutate(replayed)
    assert replayed.entries == v.entries


def test_chunks_are_consecutive_and_an_oversized_record_travels_alone() -> None:
    records: list[dict[str, Any]] = [{"n": i, "text": "x" * (i % 50)} for i in range(500)]
    chunks = chunks_of(records, 2000)
    assert [r for chunk in chunks for r in chunk] == records
    assert all(len(json.dumps(chunk)) <= 2000 for chunk in chunks)
    # Non-ASCII text counts as escaped: three CJK characters weigh 18 bytes, not 9 (UTF-8).
    assert [len(c) for c in chunks_of([{"t": "蒸汽压"}] * 4, 70)] == [2, 2]
    huge = {"t": "y" * 5000}
    assert chunks_of([records[0], huge, records[1]], 2000) == [[records[0]], [huge], [records[1]]]
    assert chunks_of([], 2000) == []


def test_refusals_names_every_refused_entry_and_changes_nothing() -> None:
    v = version()
    v.submit("PWR", [entry("e1")], ACTOR, BEFORE_DEADLINE)
    v.collect_events()
    candidates = [
        entry("n1", item="OK-1"),
        entry("n2"),  # e1's supplier and item
        entry("n3", item="BAD", subcategory="design"),
        entry("n4", item="OK-1"),  # n1's, earlier in the same submission
        entry("n5", item="BAD"),  # n3 was refused, so BAD is still free
    ]
    refused_ = v.refusals(candidates, BEFORE_DEADLINE)
    assert [(r.code, r.details["index"]) for r in refused_] == [
        ("duplicate_entry", 1),
        ("unknown_subcategory", 2),
        ("duplicate_entry", 3),
    ]
    assert list(v.entries) == ["e1"] and v.pending_events == []
    with refused("submission_deadline_passed"):
        v.refusals(candidates, DEADLINE.replace(second=1))
