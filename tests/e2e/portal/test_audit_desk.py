"""Issue 15 item 4 in a real browser, the auditor's desk: an auditor finds a contract, follows its
timeline and its state as of a past moment; a BI reader is refused; then an event edited behind
the platform's back shows as a broken chain (last: the module's demo server stays tampered)."""

from __future__ import annotations

import math
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import Server
from tests.e2e.portal.browser import (
    GROUP_ZONE,
    REQUIRED_BY,
    Pages,
    accessibility_violations,
    post_need,
)

GAP = 1.2  # seconds between the contract's signatures: a whole second lies between them


def as_unit(demo: Server, unit: str) -> httpx.Client:
    return demo.client(demo.token(unit, "unit_operator"))


def ok(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    found: dict[str, Any] = answer.json()
    return found


def signed_contract(demo: Server) -> str:
    """A contract awarded, then signed by each party a little apart: four versions."""
    need_id = post_need(demo, "COAL-03", "Feed water for the audit desk")
    week = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    offer = {"supplier_unit_id": "HEAT-01", "unit_price": "181.00", "quantity": "500",
             "delivery_date": REQUIRED_BY, "valid_until": week}  # fmt: skip
    offered = ok(as_unit(demo, "HEAT-01").post(f"/v1/needs/{need_id}/offers", json=offer))
    buyer = as_unit(demo, "COAL-03")
    won = ok(buyer.post(f"/v1/needs/{need_id}/award", json={"offer_id": offered["offer_id"]}))
    contract_id = str(won["contract_id"])
    for unit in ("COAL-03", "HEAT-01"):
        time.sleep(GAP)
        ok(as_unit(demo, unit).post(f"/v1/contracts/{contract_id}/sign", json={}))
    return contract_id


def tamper(demo: Server, aggregate_id: str, version: int) -> None:
    """Edit a stored event in the server's event store, as someone with file access could."""
    path = Path(demo.env["MARKETPLACE_DATA_DIR"]) / "events.sqlite3"
    where = "originator_id = ? AND originator_version = ?"
    with sqlite3.connect(path, timeout=10) as conn:
        [(state,)] = conn.execute(
            f"SELECT state FROM stored_events WHERE {where}", (aggregate_id, version)
        ).fetchall()
        forged = bytes(state).replace(b"COAL-03", b"COAL-02")
        assert forged != bytes(state)
        conn.execute(
            f"UPDATE stored_events SET state = ? WHERE {where}", (forged, aggregate_id, version)
        )


def test_an_auditor_follows_a_contract_and_finds_a_tampered_event(
    demo: Server, pages: Pages
) -> None:
    contract_id = signed_contract(demo)
    audit = demo.client(demo.token("HQ", "auditor"))
    events = ok(audit.get(f"/v1/audit/{contract_id}/events"))["items"]
    assert [e["version"] for e in events] == [1, 2, 3, 4]

    auditor = pages.signed_in("HQ", "auditor")
    auditor.goto("/audit")
    auditor.get_by_role("button", name="Verify the chain").click()
    expect(auditor.locator("#chain")).to_have_attribute("data-ok", "true")
    assert accessibility_violations(auditor) == []
    auditor.get_by_label("Aggregate id, need title, contract or tender").fill(contract_id)
    auditor.get_by_role("button", name="Search").click()
    found = auditor.locator(f'#found-contracts tr[data-contract="{contract_id}"]')
    expect(found).to_be_visible()
    pages.shot(auditor, "audit-search")

    found.get_by_role("link", name=contract_id).click()
    auditor.wait_for_url(f"**/audit/{contract_id}")
    expect(auditor.locator("#timeline tbody tr")).to_have_count(4)
    pages.shot(auditor, "audit-timeline")
    assert accessibility_violations(auditor) == []

    # A moment between the two signatures, to the second, in the group's time zone.
    first_signed = datetime.fromisoformat(events[1]["occurred_at"])
    moment = datetime.fromtimestamp(math.floor(first_signed.timestamp()) + 1, GROUP_ZONE)
    assert moment < datetime.fromisoformat(events[2]["occurred_at"])
    field = auditor.get_by_label("As of a moment (group time zone)")
    field.fill(moment.strftime("%Y-%m-%dT%H:%M:%S"))
    auditor.locator("form", has=field).get_by_role("button", name="Show the state").click()
    expect(auditor.locator("#state-shown")).to_have_attribute("data-version", "2")
    then = ok(audit.get(f"/v1/audit/{contract_id}/state", params={"as_of": moment.isoformat()}))
    assert then["version"] == 2 and then["state"]["status"] == "awaiting_signatures"
    expect(auditor.locator('#state tr[data-key="status"] td')).to_have_text("awaiting_signatures")
    expect(auditor.locator('#state tr[data-key="signed_by[0]"] td')).to_have_text("COAL-03")
    expect(auditor.locator('#state tr[data-key="signed_by[1]"]')).to_have_count(0)
    pages.shot(auditor, "audit-state-as-of")

    reader = pages.signed_in("HQ", "bi_reader")
    refused = reader.goto("/audit")
    assert refused is not None and refused.status == 403
    expect(reader.locator("#chain")).to_have_count(0)
    pages.shot(reader, "audit-refused-bi-reader")

    assert ok(audit.get("/v1/audit/verify"))["ok"] is True  # the chain covers the contract
    tamper(demo, contract_id, 2)
    auditor.goto("/audit")
    auditor.get_by_role("button", name="Verify the chain").click()
    broken = auditor.locator("#chain-broken")
    expect(broken).to_be_visible()
    expect(broken).to_have_attribute("data-aggregate", contract_id)
    expect(broken).to_have_attribute("data-version", "2")
    expect(broken).to_contain_text("the stored event no longer matches its hash")
    pages.shot(auditor, "audit-chain-broken")
    assert accessibility_violations(auditor) == []
    broken.get_by_role("link", name=contract_id).click()
    auditor.wait_for_url(f"**/audit/{contract_id}?verify=1")
    expect(auditor.locator("#broken-here")).to_be_visible()
    expect(auditor.locator('#timeline tr[data-version="2"]')).to_have_class("broken")
    pages.shot(auditor, "audit-timeline-broken")
    assert accessibility_violations(auditor) == []
    auditor.set_viewport_size({"width": 390, "height": 900})  # a phone: tables scroll inside
    assert auditor.evaluate("document.documentElement.scrollWidth") <= 390
    pages.shot(auditor, "audit-timeline-phone")
