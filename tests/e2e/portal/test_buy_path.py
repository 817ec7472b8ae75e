"""Issue 14's "done": the whole buy path in the browser, in Chinese — the buyer finds the item in
the catalog and posts the need, the matched supplier sees it in its inbox and offers, the buyer
awards, both sign the contract, the supplier delivers everything and the buyer completes it."""

# ruff: noqa: RUF001 - Chinese labels are written with full-width parentheses

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import GROUP_ZONE, REQUIRED_BY, Pages, need_json

ZH = "zh-CN"


def test_the_whole_buy_path_in_chinese(demo: Server, pages: Pages) -> None:
    buyer = pages.signed_in("COAL-03", locale=ZH)
    assert buyer.locator("html").get_attribute("lang") == ZH
    buyer.locator("summary", has_text=re.compile("^交易$")).click()  # the header's desk menu
    buyer.get_by_role("link", name="发布需求").click()
    buyer.get_by_label("物项编码或名称").fill("STEAM-LP")
    buyer.get_by_role("button", name="搜索").click()
    buyer.locator("#lookup-hits a").first.click()  # the item's fields come filled in
    expect(buyer.get_by_label("物项编码", exact=True)).to_have_value("STEAM-LP")
    expect(buyer.locator("#suppliers-title")).to_be_visible()
    pages.shot(buyer, "zh-new-need")
    buyer.get_by_label("标题").fill("中文界面的低压蒸汽采购")
    buyer.get_by_label("数量", exact=True).fill("300")
    buyer.get_by_label("需求日期").fill(REQUIRED_BY)
    buyer.get_by_label("预算（人民币）").fill("60000")
    buyer.get_by_role("button", name="发布需求").click()
    buyer.wait_for_url(re.compile(r".*/needs/[^/]+$"))
    need_id = buyer.url.rsplit("/", 1)[1]
    pages.shot(buyer, "zh-need-posted")

    supplier = pages.signed_in("HEAT-02", locale=ZH)
    row = supplier.locator(f'tr[data-need="{need_id}"]')
    expect(row).to_be_visible(timeout=5000)
    row.get_by_role("link").first.click()
    supplier.wait_for_url(f"**/needs/{need_id}")
    supplier.get_by_label("单价（人民币）").fill("182.00")
    supplier.get_by_label("数量", exact=True).fill("300")
    supplier.get_by_label("交付日期").fill(REQUIRED_BY)
    valid = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    supplier.get_by_label("有效期至").fill(valid)
    supplier.get_by_role("button", name="发送报价").click()
    expect(supplier.locator("table.compare")).to_contain_text("182.00")
    pages.shot(supplier, "zh-offered")

    buyer.reload()
    buyer.get_by_role("button", name="授予 HEAT-02").click()
    expect(buyer.locator("#need-status")).to_contain_text("已授予")
    pages.shot(buyer, "zh-awarded")
    need = need_json(demo, "COAL-03", need_id)
    assert need["status"] == "awarded" and need["contract_id"]

    contract = f"/contracts/{need['contract_id']}"
    buyer.locator("#need-contract a").click()
    buyer.wait_for_url(f"**{contract}")
    buyer.get_by_role("button", name="为 COAL-03 签署").click()
    expect(buyer.locator("#contract-signatures")).to_contain_text("COAL-03")
    supplier.locator("summary", has_text=re.compile("^交易$")).click()
    supplier.get_by_role("link", name="合同").click()
    supplier.locator(f'a[href="{contract}"]').first.click()
    supplier.get_by_role("button", name="为 HEAT-02 签署").click()
    expect(supplier.locator("#contract-status")).to_have_text("执行中")
    delivered_at = (datetime.now(GROUP_ZONE) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    supplier.get_by_label("交付数量").fill("300")
    supplier.get_by_label("交付金额（元）").fill("54600.00")
    supplier.get_by_label("交付时间").fill(delivered_at)
    supplier.get_by_role("button", name="登记交付").click()
    expect(supplier.locator("#contract-delivered")).to_contain_text("54600.00")
    pages.shot(supplier, "zh-delivered")
    buyer.reload()
    buyer.get_by_role("button", name="代表 COAL-03 完结合同").click()
    expect(buyer.locator("#contract-status")).to_have_text("已完结")
    pages.shot(buyer, "zh-completed")
    done = demo.client(demo.token("COAL-03", "unit_operator")).get(f"/v1{contract}").json()
    assert (done["status"], done["delivered_amount"]) == ("completed", "54600.00")
