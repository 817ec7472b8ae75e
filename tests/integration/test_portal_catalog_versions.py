"""Issue 14: a platform admin's catalog submission pages `/catalog/versions` and
`/catalog/versions/{id}` over HTTP — a CSV refused with its wrong lines named on the page and
nothing stored, a good one stored, one entry by form, each entry's review state; refused as the
API refuses, nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, is_external, unlabelled_fields, urls_of

HEADER = "supplier_unit_id,category,subcategory,item_code,item_name,uom,reference_price\n"
GOOD = (
    HEADER
    + "HEAT-01,product,heat,HOT-WATER-2,Hot water 95/70,GJ,44.00\n"
    + "HEAT-02,product,heat,STEAM-MP,Medium-pressure steam 1.6 MPa,t,200.00\n"
)
# Line 4 names a subcategory the product category does not have, line 5 lacks its name, line
# 6 names a supplier the chart does not have.
BAD = (
    GOOD
    + "HEAT-02,product,no-such-kind,STEAM-XP,Steam,t,1.00\n"
    + "HEAT-01,product,heat,HW-3,,GJ,\n"
    + "NOPE-01,product,heat,HW-4,Hot water,GJ,\n"
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def opened_version(api: InProcessApi, period: str) -> str:
    """A version HQ opens through the API, collecting for a week."""
    deadline = api.svc.clock() + timedelta(days=7)
    year = int(period[:4])
    half = {"H1": ("01-01", "06-30"), "H2": ("07-01", "12-31")}[period[4:]]
    body = {
        "period": period,
        "effective_from": f"{year}-{half[0]}",
        "effective_to": f"{year}-{half[1]}",
        "submission_deadline": deadline.isoformat(),
    }
    answer = api.client.post("/v1/catalog/versions", json=body, headers=api.auth())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def version_json(api: InProcessApi, version_id: str) -> dict[str, Any]:
    answer = api.client.get(f"/v1/catalog/versions/{version_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def entries_of(api: InProcessApi, version_id: str, platform: str) -> list[dict[str, Any]]:
    entries = version_json(api, version_id)["entries"]
    return [e for e in entries if e["platform_unit_id"] == platform]


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    answer = user.sign_in(api.tokens[(unit, role)])
    assert answer.status_code == 303, answer.text
    return user


def upload(user: PortalUser, version_id: str, text: str, *, csrf: bool = True) -> Any:
    page = f"/catalog/versions/{version_id}"
    data = {"csrf": user.csrf("/catalog/versions")} if csrf else {}
    files = {"file": ("entries.csv", text.encode("utf-8"), "text/csv")}
    return user.request("POST", f"{page}/csv", data=data, files=files)


def entry_form(**changes: str) -> dict[str, str]:
    return {
        "supplier_unit_id": "HEAT-02",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-FORM",
        "item_name": "Steam entered by form",
        "uom": "t",
        "reference_price": "190.00",
        "capacity": "",
        "regions": "north, east",
    } | changes


def test_a_bad_line_refuses_the_file_and_a_good_file_is_stored(api: InProcessApi) -> None:
    version_id = opened_version(api, "2031H1")
    heat = signed_in(api, "HEAT", "platform_admin")
    page = f"/catalog/versions/{version_id}"
    shown = heat.get(page)
    assert shown.status_code == 200
    assert 'type="file"' in shown.text and 'enctype="multipart/form-data"' in shown.text
    assert not unlabelled_fields(shown.text)
    assert not [u for u in urls_of(shown.text) if is_external(u)]

    refused = upload(heat, version_id, BAD)
    assert refused.status_code == 422
    assert 'data-line="4"' in refused.text and 'data-line="5"' in refused.text
    assert 'data-line="2"' not in refused.text  # the good lines are not named
    assert "The subcategory is not one of this category&#39;s." in refused.text
    assert "Name of the item: This field is required." in refused.text
    assert "Supplier unit NOPE-01 does not exist." in refused.text
    assert "nothing was submitted" in refused.text
    assert entries_of(api, version_id, "HEAT") == []  # nothing stored

    stored = upload(heat, version_id, GOOD)
    assert stored.status_code == 303
    assert stored.headers["location"] == f"{page}?platform=HEAT"
    entries = entries_of(api, version_id, "HEAT")
    assert sorted(e["item_code"] for e in entries) == ["HOT-WATER-2", "STEAM-MP"]
    assert {e["status"] for e in entries} == {"pending"}

    # HQ reviews them through the API; the page shows each entry's state and a reason.
    by_item = {e["item_code"]: e["entry_id"] for e in entries}
    base = f"/v1/catalog/versions/{version_id}/entries"
    approved = api.client.post(f"{base}/{by_item['HOT-WATER-2']}/approve", headers=api.auth())
    assert approved.status_code == 200, approved.text
    reason = {"reason": "Price above the sector benchmark"}
    rejected = api.client.post(
        f"{base}/{by_item['STEAM-MP']}/reject", json=reason, headers=api.auth()
    )
    assert rejected.status_code == 200, rejected.text
    reviewed = heat.get(stored.headers["location"]).text
    assert (
        f'data-entry="{by_item["HOT-WATER-2"]}" data-item="HOT-WATER-2" data-status="approved"'
        in (reviewed)
    )
    assert "rejected: Price above the sector benchmark" in reviewed
    assert "0 awaiting review, 1 approved, 1 rejected" in reviewed

    # The same file again: every line is a duplicate now, named in the page's language.
    chinese = signed_in(api, "HEAT", "platform_admin", "zh-CN")
    again = upload(chinese, version_id, GOOD)
    assert again.status_code == 422
    assert "该供应单位在此目录版本中已有该产品。" in again.text
    assert "未提交任何条目" in again.text
    assert len(entries_of(api, version_id, "HEAT")) == 2


def test_one_entry_by_form(api: InProcessApi) -> None:
    version_id = opened_version(api, "2031H2")
    heat = signed_in(api, "HEAT", "platform_admin")
    page = f"/catalog/versions/{version_id}"
    invalid = heat.submit(page, f"{page}/entries", entry_form(item_name=""))
    assert invalid.status_code == 422
    assert 'id="e-item_name"' in invalid.text
    assert 'value="STEAM-FORM"' in invalid.text  # kept as typed
    wrong_kind = heat.submit(page, f"{page}/entries", entry_form(subcategory="education_training"))
    assert wrong_kind.status_code == 422 and 'id="e-subcategory"' in wrong_kind.text
    assert entries_of(api, version_id, "HEAT") == []

    added = heat.submit(page, f"{page}/entries", entry_form())
    assert added.status_code == 303
    [entry] = entries_of(api, version_id, "HEAT")
    assert (entry["item_code"], entry["regions"], entry["status"]) == (
        "STEAM-FORM",
        ["north", "east"],
        "pending",
    )
    assert "awaiting review" in heat.get(added.headers["location"]).text

    twice = heat.submit(page, f"{page}/entries", entry_form())
    assert twice.status_code == 409
    assert "This supplier already has this item in the catalog version." in twice.text
    assert len(entries_of(api, version_id, "HEAT")) == 1


def test_who_may_submit(api: InProcessApi) -> None:
    version_id = opened_version(api, "2032H1")
    page = f"/catalog/versions/{version_id}"
    operator = signed_in(api, "HEAT-02", "unit_operator")
    seen = operator.get(page)
    assert seen.status_code == 200  # any token reads a version, as through the API
    assert 'type="file"' not in seen.text
    assert upload(operator, version_id, GOOD).status_code == 403
    form = operator.submit(page, f"{page}/entries", entry_form())
    assert form.status_code == 403

    power = signed_in(api, "PWR", "platform_admin")
    assert power.submit(page, f"{page}/entries", entry_form()).status_code == 403
    # A file: every line is named, as `marketplace catalog import` names them.
    other = upload(power, version_id, GOOD)
    assert other.status_code == 422
    assert "Supplier HEAT-01 is not under platform PWR" in other.text
    assert version_json(api, version_id)["entries"] == []


def test_unknown_version_csrf_and_a_published_version(api: InProcessApi) -> None:
    heat = signed_in(api, "HEAT", "platform_admin")
    assert heat.get("/catalog/versions/cat_nope").status_code == 404
    assert upload(heat, "cat_nope", GOOD).status_code == 404

    version_id = opened_version(api, "2032H2")
    page = f"/catalog/versions/{version_id}"
    assert upload(heat, version_id, GOOD, csrf=False).status_code == 403
    no_csrf = heat.post(f"{page}/entries", entry_form())
    assert no_csrf.status_code == 403
    assert version_json(api, version_id)["entries"] == []

    listed = heat.get("/catalog/versions")
    assert listed.status_code == 200
    assert f'href="/catalog/versions/{version_id}"' in listed.text
    [published] = [
        v for v in listed.text.split("data-version=")[1:] if "published for its half-year" in v
    ]
    published_id = published.split('"')[1]
    opened = heat.get(f"/catalog/versions?id={published_id}")
    assert (
        opened.status_code == 303
        and opened.headers["location"] == f"/catalog/versions/{published_id}"
    )
    closed = heat.get(f"/catalog/versions/{published_id}")
    assert closed.status_code == 200 and 'type="file"' not in closed.text
    before = version_json(api, published_id)["entries"]
    late = heat.submit(
        f"/catalog/versions/{published_id}",
        f"/catalog/versions/{published_id}/entries",
        entry_form(item_code="LATE-1"),
    )
    assert late.status_code == 409
    assert "The version takes no more entries" in late.text
    closed_file = upload(heat, published_id, GOOD)
    assert closed_file.status_code == 422  # the file as a whole, as `catalog import` says it
    assert 'data-line=""' in closed_file.text and "whole file" in closed_file.text
    assert "The version takes no more entries" in closed_file.text
    assert version_json(api, published_id)["entries"] == before


def test_chinese_labels(api: InProcessApi) -> None:
    version_id = opened_version(api, "2033H1")
    chinese = signed_in(api, "HEAT", "platform_admin", "zh-CN")
    shown = chinese.get(f"/catalog/versions/{version_id}").text
    assert "目录版本" in shown and "征集条目中" in shown and "通过 CSV 文件提交条目" in shown
    assert "目录版本列表" in chinese.get("/catalog/versions").text
