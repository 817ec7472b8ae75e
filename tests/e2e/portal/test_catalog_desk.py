"""Issue 14 in a real browser, the platform admin's catalog desk: a CSV with a wrong line is
refused with its line number on the page, a good one shows its entries' review; the quarterly
report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages

HEADER = "supplier_unit_id,category,subcategory,item_code,item_name,uom,reference_price\n"
GOOD = HEADER + "HEAT-02,product,heat,STEAM-BROWSER,Steam for the browser test,t,199.00\n"
BAD = GOOD + "HEAT-01,product,heat,HW-BROWSER,,GJ,\n"  # line 3: no item name


def opened_version(demo: Server) -> str:
    """A version HQ opens through the API for a later half-year, collecting for a week."""
    deadline = datetime.now(UTC) + timedelta(days=7)
    body = {
        "period": "2035H1",
        "effective_from": "2035-01-01",
        "effective_to": "2035-06-30",
        "submission_deadline": deadline.isoformat(),
    }
    answer = demo.client(demo.token("HQ", "hq_admin")).post("/v1/catalog/versions", json=body)
    assert answer.status_code == 201, answer.text
    version_id: str = answer.json()["id"]
    return version_id


def upload(page: Page, text: str) -> None:
    page.get_by_label("CSV file (UTF-8, a header line first)").set_input_files(
        files=[{"name": "entries.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Upload and submit").click()


def test_a_platform_admin_submits_a_csv_and_reads_its_report(demo: Server, pages: Pages) -> None:
    version_id = opened_version(demo)
    admin = pages.signed_in("HEAT", "platform_admin", width=390)
    admin.goto("/catalog/versions")
    admin.get_by_role("link", name="2035H1").click()
    admin.wait_for_url(f"**/catalog/versions/{version_id}")
    pages.shot(admin, "version-collecting")

    upload(admin, BAD)
    problems = admin.locator("#csv-problems")
    expect(problems).to_be_visible()
    expect(problems.locator('tr[data-line="3"]')).to_contain_text("Name of the item")
    expect(problems.locator("tr[data-line]")).to_have_count(1)
    pages.shot(admin, "csv-refused")
    entries = demo.client(demo.token("HQ", "hq_admin")).get(f"/v1/catalog/versions/{version_id}")
    assert entries.json()["entries"] == []  # nothing stored

    upload(admin, GOOD)
    admin.wait_for_url(f"**/catalog/versions/{version_id}?platform=HEAT")
    row = admin.locator('tr[data-item="STEAM-BROWSER"]')
    expect(row).to_contain_text("awaiting review")
    pages.shot(admin, "csv-submitted")

    admin.goto("/reports")
    expect(admin.get_by_role("heading", name="Quarterly report")).to_be_visible()
    expect(admin.locator("#figures-internal_trade")).to_be_visible()
    pages.shot(admin, "quarterly-report")
