"""Two half-year catalog cycles over HTTP, with the roles and refusals of CONTRACT.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_units_api import error_of

FUTURE_DEADLINE = (datetime.now(UTC) + timedelta(days=30)).isoformat()
PAST_DEADLINE = (datetime.now(UTC) - timedelta(days=1)).isoformat()


def heat_entry(supplier: str, item: str, **extra: Any) -> dict[str, Any]:
    return {
        "supplier_unit_id": supplier,
        "category": "product",
        "subcategory": "heat",
        "item_code": item,
        "item_name": f"{item} from {supplier}",
        "uom": "t",
        "reference_price": "185.00",
        "regions": ["north"],
    } | extra


def open_version(
    admin: httpx.Client, period: str, start: str, end: str, deadline: str = FUTURE_DEADLINE
) -> str:
    created = admin.post(
        "/v1/catalog/versions",
        json={
            "period": period,
            "effective_from": start,
            "effective_to": end,
            "submission_deadline": deadline,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "collecting"
    return str(created.json()["id"])


def run_cycle(demo: Server, period: str, start: str, end: str, items: list[str]) -> str:
    hq = demo.client(demo.token("HQ", "hq_admin"))
    heat = demo.client(demo.token("HEAT", "platform_admin"))
    version_id = open_version(hq, period, start, end)
    submitted = heat.post(
        f"/v1/catalog/versions/{version_id}/submissions",
        json={"entries": [heat_entry("HEAT-02", i) for i in items]},
    )
    assert submitted.status_code == 201, submitted.text
    entry_ids = submitted.json()["entry_ids"]
    error_of(hq.post(f"/v1/catalog/versions/{version_id}/publish"), 409, "entries_pending_review")
    for entry_id in entry_ids[:-1]:
        assert (
            hq.post(f"/v1/catalog/versions/{version_id}/entries/{entry_id}/approve").json()[
                "status"
            ]
            == "approved"
        )
    rejected = hq.post(
        f"/v1/catalog/versions/{version_id}/entries/{entry_ids[-1]}/reject",
        json={"reason": "not produced in this half-year"},
    )
    assert rejected.json()["reason"] == "not produced in this half-year"
    published = hq.post(f"/v1/catalog/versions/{version_id}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    return version_id


@pytest.mark.both_stores
def test_two_consecutive_half_year_cycles(demo: Server) -> None:
    h1 = run_cycle(demo, "2027H1", "2027-01-01", "2027-06-30", ["STEAM-LP", "HOT-WATER", "X"])
    h2 = run_cycle(demo, "2027H2", "2027-07-01", "2027-12-31", ["STEAM-LP", "STEAM-HP", "Y"])
    reader = demo.client(demo.token("PWR-01", "unit_operator"))
    assert reader.get(f"/v1/catalog/versions/{h1}").json()["status"] == "superseded"
    march = reader.get("/v1/catalog/in-force", params={"at": "2027-03-01T00:00:00Z"}).json()
    assert march["id"] == h1
    assert sorted(e["item_code"] for e in march["entries"]) == ["HOT-WATER", "STEAM-LP"]
    august = reader.get("/v1/catalog/in-force", params={"at": "2027-08-01T12:00:00Z"}).json()
    assert august["id"] == h2
    assert sorted(e["item_code"] for e in august["entries"]) == ["STEAM-HP", "STEAM-LP"]
    error_of(
        reader.get("/v1/catalog/in-force", params={"at": "2026-06-01T00:00:00Z"}), 404, "not_found"
    )
    search = reader.get(
        "/v1/catalog/search", params={"item_code": "STEAM-LP", "at": "2027-03-01T00:00:00Z"}
    ).json()
    assert [(h["version_id"], h["supplier_unit_id"]) for h in search["items"]] == [(h1, "HEAT-02")]
    later = reader.get("/v1/catalog/search", params={"q": "steam", "at": "2027-08-01T00:00:00Z"})
    assert sorted(h["item_code"] for h in later.json()["items"]) == ["STEAM-HP", "STEAM-LP"]
    assert {h["period"] for h in later.json()["items"]} == {"2027H2"}
    by_category = reader.get(
        "/v1/catalog/search",
        params={
            "category": "product",
            "subcategory": "heat",
            "supplier_unit_id": "HEAT-02",
            "at": "2027-08-01T00:00:00Z",
        },
    ).json()["items"]
    assert len(by_category) == 2 and by_category[0]["reference_price"] == "185.00"
    assert (
        reader.get(
            "/v1/catalog/search", params={"q": "100%_", "at": "2027-08-01T00:00:00Z"}
        ).json()["items"]
        == []
    )
    error_of(
        reader.get("/v1/catalog/search", params={"category": "gadgets"}), 422, "invalid_request"
    )
    overlapping = open_version(
        demo.client(demo.token("HQ", "hq_admin")), "2027H2", "2027-12-01", "2028-05-31"
    )
    error_of(
        demo.admin.post(f"/v1/catalog/versions/{overlapping}/publish"),
        409,
        "effective_period_overlap",
    )


def test_submission_refusals(demo: Server) -> None:
    hq = demo.client(demo.token("HQ", "hq_admin"))
    power = demo.client(demo.token("PWR", "platform_admin"))
    version_id = open_version(hq, "2028H1", "2028-01-01", "2028-06-30")
    path = f"/v1/catalog/versions/{version_id}/submissions"
    error_of(power.post(path, json={"entries": [heat_entry("HEAT-02", "STEAM")]}), 403, "forbidden")
    error_of(hq.post(path, json={"entries": [heat_entry("PWR-01", "STEAM")]}), 403, "forbidden")
    error_of(
        demo.client(demo.token("PWR-01", "unit_operator")).post(
            path, json={"entries": [heat_entry("PWR-01", "STEAM")]}
        ),
        403,
        "forbidden",
    )
    details = error_of(
        power.post(path, json={"entries": [heat_entry("PWR-01", "GRID", subcategory="design")]}),
        422,
        "invalid_request",
    )["details"]
    assert "power" in details[0]["message"] and "allowed" in details[0]["message"]
    assert (
        power.post(
            path, json={"entries": [heat_entry("PWR-01", "GRID", subcategory="power")]}
        ).status_code
        == 201
    )
    error_of(
        power.post(path, json={"entries": [heat_entry("PWR-01", "GRID", subcategory="power")]}),
        409,
        "duplicate_entry",
    )
    error_of(
        power.post(
            "/v1/catalog/versions/cat_nope/submissions",
            json={"entries": [heat_entry("PWR-01", "Z", subcategory="power")]},
        ),
        404,
        "not_found",
    )
    late = open_version(hq, "2029H1", "2029-01-01", "2029-06-30", deadline=PAST_DEADLINE)
    error_of(
        power.post(
            f"/v1/catalog/versions/{late}/submissions",
            json={"entries": [heat_entry("PWR-01", "Z", subcategory="power")]},
        ),
        409,
        "submission_deadline_passed",
    )
    error_of(
        hq.post(f"/v1/catalog/versions/{version_id}/entries/ent_nope/approve"), 404, "not_found"
    )
    error_of(power.post(f"/v1/catalog/versions/{version_id}/publish"), 403, "forbidden")


def test_opening_a_version_is_validated(demo: Server) -> None:
    details = error_of(
        demo.admin.post(
            "/v1/catalog/versions",
            json={
                "period": "2027-H1",
                "effective_from": "2027-07-01",
                "effective_to": "2027-01-01",
                "submission_deadline": "2026-12-01T00:00:00",
            },
        ),
        422,
        "invalid_request",
    )["details"]
    assert {d["field"] for d in details} >= {"period", "submission_deadline"}


def test_the_taxonomy_is_published(demo: Server) -> None:
    categories = demo.admin.get("/v1/catalog/taxonomy").json()
    assert [c["code"] for c in categories] == ["product", "engineering", "service", "resource"]
    resource = categories[3]
    assert {
        "code": "intangible/patent",
        "full_code": "resource/intangible/patent",
        "label_zh": "专利",
        "label_en": "Patents",
    } in resource["subcategories"]


def test_the_demo_publishes_a_catalog_in_force_now_covering_all_four_categories(
    demo: Server,
) -> None:
    reader = demo.client(demo.token("HQ", "bi_reader"))
    in_force = reader.get("/v1/catalog/in-force").json()
    assert in_force["status"] in {"published", "superseded"}  # other tests publish 2027H1
    entries = in_force["entries"]
    assert len(entries) >= 15
    assert {e["category"] for e in entries} == {"product", "engineering", "service", "resource"}
    assert {"STEAM-LP", "METHANOL", "UREA-46N", "LOW-NOX-BURNER", "POOLED-FUNDS"} <= {
        e["item_code"] for e in entries
    }
    hits = reader.get("/v1/catalog/search", params={"q": "steam"}).json()["items"]
    assert {h["item_code"] for h in hits} == {"STEAM-LP", "STEAM-HP"}
