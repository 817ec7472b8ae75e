"""The synergy-product catalog: HQ opens a version, platforms submit their sectors' entries,
HQ reviews and publishes; a later version supersedes the one in force before it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion
from marketplace.handlers import catalog, units
from marketplace.handlers.auth import Principal
from marketplace.handlers.catalog_csv import CsvRejected
from marketplace.handlers.catalog_import import import_csv
from marketplace.handlers.errors import Forbidden, NotFound
from tests.unit.handlers.world import HQ_ADMIN, Command, World, operator, platform_admin

H1 = catalog.OpenVersion(
    "2027H1", date(2027, 1, 1), date(2027, 6, 30), datetime(2027, 1, 8, tzinfo=UTC)
)
H2 = catalog.OpenVersion(
    "2027H2", date(2027, 7, 1), date(2027, 12, 31), datetime(2027, 1, 8, tzinfo=UTC)
)


def steam_entry(
    supplier: str = "HEAT-02", item: str = "STEAM-LP", **changes: str
) -> catalog.EntrySubmission:
    fields = {
        "supplier_unit_id": supplier, "category": "product", "subcategory": "heat",
        "item_code": item, "item_name": "Low-pressure steam", "uom": "t",
        "reference_price": "185.00", **changes,
    }  # fmt: skip
    return catalog.EntrySubmission(**fields)  # type: ignore[arg-type]


def submit(
    version_id: str, *entries: catalog.EntrySubmission, by: str = "HEAT"
) -> Command[list[str]]:
    return lambda s: catalog.submit_entries(s, platform_admin(by), version_id, list(entries))


def opened(world: World, period: catalog.OpenVersion = H1) -> CatalogVersion:
    return world.given(lambda s: catalog.open_version(s, HQ_ADMIN, period))


def test_hq_opens_a_version_for_a_valid_period(group: World) -> None:
    outcome = group.when(lambda s: catalog.open_version(s, HQ_ADMIN, H1))
    outcome.appended("CatalogVersion.Opened")
    group.when(lambda s: catalog.open_version(s, platform_admin("HEAT"), H1)).refused(
        "forbidden", Forbidden
    )
    backwards = catalog.OpenVersion(
        "x", date(2027, 6, 30), date(2027, 1, 1), H1.submission_deadline
    )
    group.when(lambda s: catalog.open_version(s, HQ_ADMIN, backwards)).refused(
        "invalid_effective_period"
    )


def test_a_platform_submits_entries_for_its_own_subtree(group: World) -> None:
    version = opened(group)
    outcome = group.when(submit(version.id, steam_entry(), steam_entry("HEAT-01", "HOT-WATER")))
    ids = outcome.appended("CatalogVersion.EntriesSubmitted")
    submitted = outcome.event("CatalogVersion.EntriesSubmitted", platform_unit_id="HEAT")
    assert [e["entry_id"] for e in submitted.entries] == ids
    group.when(submit(version.id, steam_entry("PWR-01"))).refused("forbidden")
    group.when(submit(version.id, steam_entry("NOWHERE"))).refused("not_found", NotFound)
    group.when(
        lambda s: catalog.submit_entries(s, operator("HEAT-02"), version.id, [steam_entry()])
    ).refused("forbidden")


def test_submission_refusals(group: World) -> None:
    version = opened(group)
    group.given(submit(version.id, steam_entry()))
    group.when(submit(version.id, steam_entry())).refused("duplicate_entry")
    group.when(submit(version.id, steam_entry(item="X", subcategory="nonsense"))).refused(
        "unknown_subcategory"
    )
    group.given(lambda s: units.update_unit(s, HQ_ADMIN, units.UpdateUnit("HEAT-01", active=False)))
    group.when(submit(version.id, steam_entry("HEAT-01", "HOT-WATER"))).refused("supplier_inactive")
    group.at(H1.submission_deadline + timedelta(seconds=1))
    group.when(submit(version.id, steam_entry(item="LATE"))).refused("submission_deadline_passed")


def test_hq_reviews_each_entry_once(group: World) -> None:
    version = opened(group)
    approved, rejected = group.given(
        submit(version.id, steam_entry(), steam_entry(item="STEAM-HP"))
    )

    def review(
        entry: str, why: str | None = None, by: Principal = HQ_ADMIN
    ) -> Command[CatalogEntry]:
        return lambda s: catalog.review_entry(s, by, version.id, entry, why)

    group.when(review(approved, by=platform_admin("HEAT"))).refused("forbidden")
    group.when(review(approved)).event("CatalogVersion.EntryApproved", entry_id=approved)
    group.when(review(rejected, "no capacity")).event(
        "CatalogVersion.EntryRejected", entry_id=rejected, reason="no capacity"
    )
    group.when(review(approved, "changed my mind")).refused("entry_already_reviewed")
    group.when(review("ent_404")).refused("not_found")


def test_publishing_needs_every_entry_reviewed_and_records_it_in_the_index(group: World) -> None:
    version = opened(group)
    [entry] = group.given(submit(version.id, steam_entry()))
    publish = lambda s: catalog.publish_version(s, HQ_ADMIN, version.id)  # noqa: E731
    group.when(publish).refused("entries_pending_review")
    group.given(lambda s: catalog.review_entry(s, HQ_ADMIN, version.id, entry, None))
    outcome = group.when(publish)
    outcome.appended(
        "CatalogVersion.Published", "CatalogIndex.Started", "CatalogIndex.PublicationRecorded"
    )
    outcome.event("CatalogVersion.Published", replaces=None, entry_count=1, period="2027H1")
    group.when(publish).refused("version_not_collecting")
    in_force = catalog.version_in_force(group.svc, datetime(2027, 3, 1, tzinfo=UTC))
    assert in_force.id == version.id


def test_a_later_version_supersedes_and_an_overlapping_one_is_refused(group: World) -> None:
    first = opened(group)
    group.given(lambda s: catalog.publish_version(s, HQ_ADMIN, first.id))
    overlapping = opened(
        group, catalog.OpenVersion("x", date(2027, 6, 1), date(2027, 8, 1), H1.submission_deadline)
    )
    group.when(lambda s: catalog.publish_version(s, HQ_ADMIN, overlapping.id)).refused(
        "effective_period_overlap"
    )
    second = opened(group, H2)
    outcome = group.when(lambda s: catalog.publish_version(s, HQ_ADMIN, second.id))
    outcome.appended(
        "CatalogVersion.Published",
        "CatalogIndex.PublicationRecorded",
        "CatalogVersion.Superseded",
    )
    outcome.event("CatalogVersion.Published", replaces=first.id)
    outcome.event("CatalogVersion.Superseded", originator_id=first.id, by_version_id=second.id)


def test_no_version_in_force_is_not_found_naming_the_day(group: World) -> None:
    outcome = group.when(
        lambda s: catalog.version_in_force(s, datetime(2027, 3, 1, 12, tzinfo=UTC))
    )
    assert outcome.refused("not_found").details["date"] == "2027-03-01"


def test_a_csv_with_any_wrong_line_submits_nothing_and_names_each(group: World) -> None:
    version = opened(group)
    head = group.store.head()
    text = (
        "supplier_unit_id,category,subcategory,item_code,item_name,uom,reference_price\n"
        "HEAT-02,product,heat,STEAM-LP,Steam,t,185.00\n"
        "PWR-01,product,heat,STEAM-LP,Steam,t,178.00\n"
        "HEAT-01,product,heat,STEAM-LP,Steam,t,180.00\n"
        "HEAT-02,product,heat,STEAM-LP,Steam again,t,185.00\n"
    )
    with pytest.raises(CsvRejected) as info:
        import_csv(group.svc, platform_admin("HEAT"), version.id, text)
    assert [p.split(":")[0] for p in info.value.problems] == ["line 3", "line 5"]
    assert "duplicate_entry" in info.value.problems[1]
    assert group.store.head() == head
    good = "\n".join(text.splitlines()[:2] + text.splitlines()[3:4]) + "\n"
    outcome = group.when(lambda s: import_csv(s, platform_admin("HEAT"), version.id, good))
    assert len(outcome.appended("CatalogVersion.EntriesSubmitted")) == 2
