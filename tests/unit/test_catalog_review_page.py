"""HQ's review desk without I/O: the queue's groups and counts, the diff against the version
in force (added, removed, price changed; rejected entries left out; prices as numbers)."""

from __future__ import annotations

from marketplace.api.routes.catalog import EntryOut
from marketplace.portal.catalog_review_page import diff, queue


def entry(
    supplier: str,
    item: str,
    price: str | None = "10.00",
    status: str = "pending",
    platform: str = "HEAT",
    category: str = "product",
) -> EntryOut:
    return EntryOut(
        entry_id=f"ent_{supplier}_{item}",
        platform_unit_id=platform,
        supplier_unit_id=supplier,
        category=category,
        subcategory="heat",
        code=f"{category}/heat",
        item_code=item,
        item_name=item,
        uom="t",
        reference_price=price,
        capacity=None,
        regions=[],
        status=status,
        reason=None,
    )


def keys(entries: list[EntryOut]) -> list[tuple[str, str]]:
    return [(e.supplier_unit_id, e.item_code) for e in entries]


def test_the_diff_names_added_removed_and_repriced_entries() -> None:
    in_force = [
        entry("A", "KEPT", "45.00", "approved"),
        entry("A", "DROPPED", "1", "approved"),
        entry("B", "REPRICED", "185.00", "approved"),
        entry("B", "NO-PRICE", None, "approved"),
    ]
    new = [
        entry("A", "KEPT", "45"),  # the same number written otherwise: unchanged
        entry("B", "REPRICED", "190.00", "approved"),
        entry("B", "NO-PRICE", "5.00"),  # a price where there was none: changed
        entry("C", "NEW"),
        entry("A", "KEPT-ELSEWHERE"),
        entry("D", "REFUSED", status="rejected"),  # will not be published: not added
    ]
    found = diff(new, in_force)
    assert keys(found.added) == [("A", "KEPT-ELSEWHERE"), ("C", "NEW")]
    assert keys(found.removed) == [("A", "DROPPED")]
    assert [(old.reference_price, now.reference_price) for old, now in found.changed] == [
        (None, "5.00"),
        ("185.00", "190.00"),
    ]


def test_the_same_supplier_item_rejected_here_counts_as_removed() -> None:
    found = diff([entry("A", "X", status="rejected")], [entry("A", "X", status="approved")])
    assert keys(found.removed) == [("A", "X")] and not found.added and not found.changed


def test_without_a_version_in_force_every_entry_is_added() -> None:
    found = diff([entry("A", "X"), entry("B", "Y")], [])
    assert len(found.added) == 2 and not found.removed and not found.changed


def test_the_queue_groups_pending_entries_by_platform_and_category() -> None:
    entries = [
        entry("S1", "I1", platform="SVC", category="service"),
        entry("H1", "I2"),
        entry("H2", "I3"),
        entry("H1", "I4", status="approved"),
        entry("S1", "I5", platform="SVC", category="resource"),
        entry("S2", "I6", platform="SVC", category="service"),
    ]
    groups = queue(entries, shown=3)
    assert [(g.platform, g.category, g.count) for g in groups] == [
        ("HEAT", "product", 2),
        ("SVC", "resource", 1),
        ("SVC", "service", 2),
    ]
    # Only the first three of the order are listed; every group still counts all of its own.
    assert [len(g.entries) for g in groups] == [2, 1, 0]
