"""Issue 15 in a real browser, HQ's control room: the dashboard's charts drawn by the vendored
Chart.js (no console error: the CSP lets no inline script run), a chart's numbers behind the
table toggle, its CSV downloaded, and no serious accessibility violation."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import Pages, accessibility_violations

# Whether the chart on a canvas was drawn: Chart.js's instance is there and a pixel is not blank.
DRAWN = """id => {
  const canvas = document.getElementById(id);
  if (!canvas || !canvas.chart || !window.Chart.getChart(canvas)) return false;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  return pixels.some(value => value !== 0);
}"""


def test_hq_reads_the_dashboard(demo: Server, pages: Pages) -> None:
    hq = pages.signed_in("HQ", "hq_admin")  # lands on /approvals
    hq.locator("summary", has_text="Oversight").click()  # the header's desk menu
    hq.get_by_role("link", name="Dashboard").click()
    hq.wait_for_url("**/dashboard")
    hq.wait_for_function(DRAWN, arg="chart-trade-by-month")
    assert hq.evaluate(DRAWN, "chart-trade-by-category")
    pages.shot(hq, "dashboard")

    # The demo's contracts of this year (the dashboard's default period; the demo's framework
    # call-offs of the months before may fall in the year before), by category: the table
    # behind the toggle holds the chart's numbers.
    table = hq.locator("#table-trade-by-category")
    expect(table).to_be_hidden()
    hq.locator("#h-trade-by-category ~ details summary").click()
    expect(table).to_be_visible()
    expect(table).to_contain_text("Products")
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    api = demo.client(demo.token("HQ", "hq_admin")).get(
        "/v1/projections/trade-volume", params={"group_by": "category", "from": f"{year}-01-01"}
    )
    by_category = {row["key"]: row["amount"] for row in api.json()["items"]}
    expect(table).to_contain_text(by_category["product"])
    pages.shot(hq, "dashboard-table")

    with hq.expect_download() as download:
        hq.get_by_role("link", name="Download as CSV · Internal trade by category (CNY)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8"))))
    assert {r["key"]: r["amount"] for r in rows} == by_category

    assert accessibility_violations(hq) == []

    # The annual assessment, its own page: sorted by the total, a unit's bases opened.
    hq.get_by_role("link", name="The annual assessment").click()
    hq.wait_for_url("**/dashboard/assessment?**")
    hq.get_by_role("link", name="Total").click()
    expect(hq.locator("th[aria-sort]")).to_contain_text("Total")
    hq.locator("#table-assessment tbody tr").first.get_by_role("link").click()
    expect(hq.locator("details.drill:target")).to_have_attribute("open", "")
    assert accessibility_violations(hq) == []
    pages.shot(hq, "dashboard-assessment")
    hq.get_by_role("link", name="Back to the dashboard").click()
    hq.wait_for_url("**/dashboard?**")

    # A phone's width: the charts are drawn again into their narrower boxes.
    hq.set_viewport_size({"width": 390, "height": 900})
    hq.reload()
    hq.wait_for_function(DRAWN, arg="chart-trade-by-month")
    pages.shot(hq, "dashboard-390")
