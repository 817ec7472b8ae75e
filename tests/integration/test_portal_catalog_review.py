"""Issue 15 item 2: HQ's review desk on `/catalog/versions/{id}` over HTTP — the queue grouped
and counted, approve and reject one by one or in bulk, publish refused while entries are
pending, the diff against the version in force; others are refused and nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, is_external, unlabelled_fields, urls_of


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def entry(supplier: str, category: str, sub: str, item: str, price: str | None) -> dict[str, Any]:
    found = {
        "supplier_unit_id": supplier,
        "category": category,
        "subcategory": sub,
        "item_code": item,
        "item_name": f"{item} for the review desk",
        "uom": "t",
    }
    return found | ({"reference_price": price} if price else {})


# Per platform: HEAT has two products; PWR one; SVC a service and a resource.
SUBMITTED = {
    "HEAT": [
        entry("HEAT-01", "product", "heat", "HOT-WATER", "45"),  # as in force (45.00)
        entry("HEAT-02", "product", "heat", "STEAM-LP", "190.00"),  # in force at 185.00
    ],
    "PWR": [entry("PWR-01", "product", "power", "PWR-NEW", "300.00")],
    "SVC": [
        entry("SVC-01", "service", "delivery", "SVC-NEW", "1.00"),
        entry("SVC-01", "resource", "tangible/buildings", "OFFICE-LEASE", "85.00"),
    ],
}


def filled_version(api: InProcessApi, period: str) -> tuple[str, dict[str, str]]:
    """A version HQ opens over the API with the entries above submitted: its id, and the
    entry ids by item code."""
    year, half = int(period[:4]), period[4:]
    days = {"H1": ("01-01", "06-30"), "H2": ("07-01", "12-31")}[half]
    body = {
        "period": period,
        "effective_from": f"{year}-{days[0]}",
        "effective_to": f"{year}-{days[1]}",
        "submission_deadline": (api.svc.clock() + timedelta(days=7)).isoformat(),
    }
    opened = api.client.post("/v1/catalog/versions", json=body, headers=api.auth())
    assert opened.status_code == 201, opened.text
    version_id = str(opened.json()["id"])
    for platform, entries in SUBMITTED.items():
        sent = api.client.post(
            f"/v1/catalog/versions/{version_id}/submissions",
            json={"entries": entries},
            headers=api.auth(platform, "platform_admin"),
        )
        assert sent.status_code == 201, sent.text
    return version_id, {e["item_code"]: e["entry_id"] for e in version_json(api, version_id)}


def version_json(api: InProcessApi, version_id: str) -> list[dict[str, Any]]:
    answer = api.client.get(f"/v1/catalog/versions/{version_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


def version_status(api: InProcessApi, version_id: str) -> str:
    answer = api.client.get(f"/v1/catalog/versions/{version_id}", headers=api.auth())
    return str(answer.json()["status"])


def statuses(api: InProcessApi, version_id: str) -> dict[str, str]:
    return {e["item_code"]: e["status"] for e in version_json(api, version_id)}


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    answer = user.sign_in(api.tokens[(unit, role)])
    assert answer.status_code == 303, answer.text
    return user


def test_the_queue_is_grouped_and_counted_and_one_entry_is_approved(api: InProcessApi) -> None:
    version_id, ids = filled_version(api, "2041H1")
    hq = signed_in(api, "HQ", "hq_admin")
    page = f"/catalog/versions/{version_id}"
    shown = hq.get(page)
    assert shown.status_code == 200
    html = shown.text
    assert not unlabelled_fields(html)
    assert not [u for u in urls_of(html) if is_external(u)]
    assert 'data-pending="5"' in html and "Entries awaiting review: 5" in html
    for group, count in (
        ("HEAT/product", 2),
        ("PWR/product", 1),
        ("SVC/resource", 1),
        ("SVC/service", 1),
    ):
        assert f'data-group="{group}"' in html
        row = html.split(f'data-group="{group}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-count="{count}"' in row
    assert "HEAT · Products: 2 awaiting review" in html
    assert html.index('data-group="HEAT/product"') < html.index('data-group="SVC/service"')

    approved = hq.submit(page, f"{page}/entries/{ids['PWR-NEW']}/approve", {})
    assert approved.status_code == 303
    assert approved.headers["location"] == f"{page}#review"
    assert statuses(api, version_id)["PWR-NEW"] == "approved"
    again = hq.get(page).text
    assert 'data-group="PWR/product"' not in again and "Entries awaiting review: 4" in again

    # Approving it twice is the rule's refusal, as a sentence; nothing changes.
    twice = hq.submit(page, f"{page}/entries/{ids['PWR-NEW']}/approve", {})
    assert twice.status_code == 409
    assert "This entry has been reviewed already." in twice.text


def test_a_rejection_needs_its_reason(api: InProcessApi) -> None:
    version_id, ids = filled_version(api, "2041H2")
    hq = signed_in(api, "HQ", "hq_admin")
    page = f"/catalog/versions/{version_id}"
    action = f"{page}/entries/{ids['STEAM-LP']}/reject"

    empty = hq.submit(page, action, {"reason": "   "})
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    assert statuses(api, version_id)["STEAM-LP"] == "pending"

    too_long = "Far above the benchmark. " * 50  # over the API's 1000 characters
    bad = hq.submit(page, action, {"reason": too_long})
    assert bad.status_code == 422
    assert "This text is too long." in bad.text
    typed = bad.text.split(f'id="f-r-{ids["STEAM-LP"]}-reason"', 1)[1].split("</textarea>")[0]
    assert too_long.strip() in typed  # as typed
    assert statuses(api, version_id)["STEAM-LP"] == "pending"

    rejected = hq.submit(page, action, {"reason": "Above the sector benchmark"})
    assert rejected.status_code == 303
    entry_json = next(e for e in version_json(api, version_id) if e["item_code"] == "STEAM-LP")
    assert entry_json["status"] == "rejected"
    assert entry_json["reason"] == "Above the sector benchmark"


def test_bulk_review_and_publication(api: InProcessApi) -> None:
    version_id, ids = filled_version(api, "2042H1")
    hq = signed_in(api, "HQ", "hq_admin")
    page = f"/catalog/versions/{version_id}"
    bulk = f"{page}/entries/approve"

    nothing = hq.submit(page, bulk, {})
    assert nothing.status_code == 422 and "Tick at least one entry." in nothing.text

    ticked = [ids["HOT-WATER"], ids["STEAM-LP"], ids["PWR-NEW"], ids["SVC-NEW"]]
    no_reason = hq.post(
        f"{page}/entries/reject", {"csrf": hq.csrf(page), "entry_ids": ticked, "reason": ""}
    )
    assert no_reason.status_code == 422
    for entry_id in ticked:  # what was ticked stays ticked
        assert f'value="{entry_id}" id="tick-{entry_id}" checked' in no_reason.text
    assert set(statuses(api, version_id).values()) == {"pending"}

    done = hq.post(bulk, {"csrf": hq.csrf(page), "entry_ids": ticked})
    assert done.status_code == 303
    assert statuses(api, version_id) == {
        "HOT-WATER": "approved",
        "STEAM-LP": "approved",
        "PWR-NEW": "approved",
        "SVC-NEW": "approved",
        "OFFICE-LEASE": "pending",
    }

    refused = hq.submit(page, f"{page}/publish", {})
    assert refused.status_code == 409
    assert "Not published, entries still awaiting review: 1." in refused.text
    assert 'id="publish-refused"' in refused.text
    assert version_status(api, version_id) == "collecting"

    last = hq.post(
        f"{page}/entries/reject",
        {"csrf": hq.csrf(page), "entry_ids": [ids["OFFICE-LEASE"]], "reason": "Duplicate lease"},
    )
    assert last.status_code == 303
    published = hq.submit(page, f"{page}/publish", {})
    assert published.status_code == 303
    assert version_status(api, version_id) == "published"
    after = hq.get(page).text
    assert "published for its half-year" in after and 'id="publish-form"' not in after


def test_the_diff_against_the_version_in_force(api: InProcessApi) -> None:
    version_id, ids = filled_version(api, "2042H2")
    hq = signed_in(api, "HQ", "hq_admin")
    # A rejected entry will not be published: it is left out of the diff.
    base = f"/v1/catalog/versions/{version_id}/entries"
    rejected = api.client.post(
        f"{base}/{ids['SVC-NEW']}/reject", json={"reason": "No"}, headers=api.auth()
    )
    assert rejected.status_code == 200
    in_force = api.client.get("/v1/catalog/in-force", headers=api.auth()).json()["entries"]
    html = hq.get(f"/catalog/versions/{version_id}").text

    def table(name: str) -> str:
        return html.split(f'id="{name}"', 1)[1].split("</table>", 1)[0]

    added, removed, changed = table("diff-added"), table("diff-removed"), table("diff-changed")
    assert 'data-item="PWR-NEW"' in added and 'data-item="SVC-NEW"' not in added
    assert added.count("<tr data-item") == 1
    # HOT-WATER (same price), STEAM-LP of HEAT-02 and OFFICE-LEASE are in both versions.
    assert removed.count("<tr data-item") == len(in_force) - 3
    assert 'data-item="STEAM-HP" data-supplier="HEAT-02"' in removed
    assert 'data-item="STEAM-LP" data-supplier="PWR-01"' in removed
    assert changed.count("<tr data-item") == 1
    assert 'data-item="STEAM-LP" data-supplier="HEAT-02"' in changed
    assert "185.00" in changed and "190.00" in changed
    assert 'id="diff-changed-title"' in html and 'data-count="1"' in html

    # The version in force shows no diff of its own.
    current = api.client.get("/v1/catalog/in-force", headers=api.auth()).json()["id"]
    assert "This is the version in force today." in hq.get(f"/catalog/versions/{current}").text


def test_others_are_refused_and_nothing_changes(api: InProcessApi) -> None:
    version_id, ids = filled_version(api, "2043H1")
    page = f"/catalog/versions/{version_id}"
    heat = signed_in(api, "HEAT", "platform_admin")
    shown = heat.get(page).text
    assert (
        'id="review"' not in shown and "/publish" not in shown and 'id="bulk-review"' not in shown
    )
    assert 'id="open-version"' not in heat.get("/catalog/versions").text
    entry_id = ids["HOT-WATER"]
    for action, fields in (
        (f"{page}/entries/{entry_id}/approve", {}),
        (f"{page}/entries/{entry_id}/reject", {"reason": "Not mine to say"}),
        (f"{page}/entries/approve", {"entry_ids": entry_id}),
        (f"{page}/entries/reject", {"entry_ids": entry_id, "reason": "No"}),
        (f"{page}/publish", {}),
        (
            "/catalog/versions",
            {
                "period": "2044H1",
                "effective_from": "2044-01-01",
                "effective_to": "2044-06-30",
                "submission_deadline": "2043-12-01T00:00",
            },
        ),
    ):
        refused = heat.submit(page, action, fields)
        assert refused.status_code == 403, action
        assert "<html" in refused.text
    assert set(statuses(api, version_id).values()) == {"pending"}
    assert version_status(api, version_id) == "collecting"
    assert "2044H1" not in signed_in(api, "HQ", "hq_admin").get("/catalog/versions").text

    # HQ's forms without their CSRF token: refused, nothing done.
    hq = signed_in(api, "HQ", "hq_admin")
    hq.get(page)
    for action, fields in (
        (f"{page}/entries/{entry_id}/approve", {}),
        (f"{page}/entries/approve", {"entry_ids": entry_id}),
        (f"{page}/publish", {}),
    ):
        assert hq.post(action, fields).status_code == 403
    assert set(statuses(api, version_id).values()) == {"pending"}


def test_hq_opens_a_version_from_the_list(api: InProcessApi) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    listed = hq.get("/catalog/versions")
    assert 'id="open-version"' in listed.text and not unlabelled_fields(listed.text)
    wrong = {
        "period": "2045H3",
        "effective_from": "2045-07-01",
        "effective_to": "2045-01-01",
        "submission_deadline": "2045-06-01T09:00",
    }
    refused = hq.submit("/catalog/versions", "/catalog/versions", wrong)
    assert refused.status_code == 422
    assert "This value does not have the expected form." in refused.text
    assert 'value="2045H3"' in refused.text  # as typed
    opened = hq.submit(
        "/catalog/versions",
        "/catalog/versions",
        wrong | {"period": "2045H2", "effective_from": "2045-07-01", "effective_to": "2045-12-31"},
    )
    assert opened.status_code == 303
    version_id = opened.headers["location"].split("/")[-1].split("#")[0]
    answer = api.client.get(f"/v1/catalog/versions/{version_id}", headers=api.auth())
    assert answer.status_code == 200 and answer.json()["period"] == "2045H2"
    assert answer.json()["submission_deadline"].startswith("2045-06-01T")


def test_chinese_labels(api: InProcessApi) -> None:
    version_id, _ = filled_version(api, "2043H2")
    hq = signed_in(api, "HQ", "hq_admin", language="zh-CN")
    html = hq.get(f"/catalog/versions/{version_id}").text
    for words in ("审核与发布", "发布此版本", "与现行版本的差异", "批准所勾选的条目"):
        assert words in html
    refused = hq.submit(
        f"/catalog/versions/{version_id}", f"/catalog/versions/{version_id}/publish", {}
    )
    assert refused.status_code == 409 and "尚待审核的条目：5 个" in refused.text  # noqa: RUF001
