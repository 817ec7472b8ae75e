"""Issue 15 item 4: the auditor's desk over HTTP — the search in the read models, an aggregate's
timeline, its state as of a version or a moment and two versions' differences, each equal to what
the audit API answers; the chain's verification and a tampered event's first broken link; sealed
amounts never shown before opening; only auditors and HQ reach it."""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from marketplace.portal.audit_page import differences, flatten, shown
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, is_external, unlabelled_fields, urls_of

AMOUNTS = ("1020.37", "1010.59", "1000.91")  # sealed bids: never on a page before opening
TITLE = "Boiler feed water for the audit desk"
ROW = re.compile(r"<tr ([^>]*\bdata-version=[^>]*)>")
ATTR = re.compile(r'data-([\w-]+)="([^"]*)"')
STATE_ROW = re.compile(r'<tr data-key="([^"]*)"><th scope="row">[^<]*</th><td>([^<]*)</td></tr>')


@dataclass
class Records:
    """What the tests look at, made through the API: a contract signed at known moments, a
    tender with sealed bids."""

    need_id: str = ""
    contract_id: str = ""
    signed_first_at: datetime | None = None  # the contract's version 2
    tender_id: str = ""
    bid_ids: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("audit-desk"))) as served:
        yield served


def call(api: InProcessApi, unit: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = api.client.post(path, json=body, headers=api.auth(unit, "unit_operator"))
    assert answer.status_code in (200, 201), answer.text
    found: dict[str, Any] = answer.json()
    return found


def need_body(title: str, sourcing: str = "direct") -> dict[str, Any]:
    return {"demand_unit_id": "COAL-01", "title": title, "category": "product",
            "subcategory": "heat", "item_code": "STEAM-LP", "quantity": "500", "uom": "t",
            "required_by": (date.today() + timedelta(days=30)).isoformat(),
            "budget_amount": "95000.00", "business_type": "regular",
            "sourcing": sourcing}  # fmt: skip


@pytest.fixture(scope="module")
def records(api: InProcessApi) -> Records:
    made = Records()
    clock = api.svc.clock
    start = clock() - timedelta(hours=3)
    at: Callable[[timedelta], None] = lambda after: setattr(  # noqa: E731
        api.svc, "clock", lambda: start + after
    )
    try:
        at(timedelta())
        made.need_id = str(call(api, "COAL-01", "/v1/needs", need_body(TITLE))["id"])
        week = (start + timedelta(days=7)).isoformat()
        offer = {"supplier_unit_id": "HEAT-02", "unit_price": "181.00", "quantity": "500",
                 "delivery_date": need_body("")["required_by"], "valid_until": week}  # fmt: skip
        offered = call(api, "HEAT-02", f"/v1/needs/{made.need_id}/offers", offer)
        at(timedelta(minutes=5))
        won = call(api, "COAL-01", f"/v1/needs/{made.need_id}/award",
                   {"offer_id": offered["offer_id"]})  # fmt: skip
        made.contract_id = str(won["contract_id"])
        at(timedelta(hours=1))
        call(api, "COAL-01", f"/v1/contracts/{made.contract_id}/sign", {})
        made.signed_first_at = start + timedelta(hours=1)
        at(timedelta(hours=2))
        call(api, "HEAT-02", f"/v1/contracts/{made.contract_id}/sign", {})
    finally:
        api.svc.clock = clock
    tender_need = str(call(api, "COAL-01", "/v1/needs", need_body("Sealed steam", "tender"))["id"])
    deadline = (clock() + timedelta(minutes=30)).isoformat()
    launched = call(api, "COAL-01", f"/v1/needs/{tender_need}/tender",
                    {"invitees": ["HEAT-02", "PWR-01"], "bid_deadline": deadline})  # fmt: skip
    made.tender_id = str(launched["tender_id"])
    later = (date.today() + timedelta(days=40)).isoformat()
    for unit, amount, who in (
        ("HEAT-02", AMOUNTS[0], {"supplier_unit_id": "HEAT-02"}),
        ("PWR-01", AMOUNTS[1], {"supplier_unit_id": "PWR-01"}),
        ("COAL-01", AMOUNTS[2], {"external_supplier": "Outside Steam Ltd"}),
    ):
        body = {"amount": amount, "delivery_date": later} | who
        made_bid = call(api, unit, f"/v1/tenders/{made.tender_id}/bids", body)
        made.bid_ids.append(str(made_bid["bid_id"]))
    return made


def reader(
    api: InProcessApi, role: str = "auditor", unit: str = "HQ", language: str = "en"
) -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def audit_json(api: InProcessApi, path: str, **params: Any) -> dict[str, Any]:
    answer = api.client.get(f"/v1/audit/{path}", params=params, headers=api.auth("HQ", "auditor"))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def timeline(page: str) -> list[dict[str, str]]:
    return [dict(ATTR.findall(row)) for row in ROW.findall(page)]


def state_rows(page: str, table: str = "state") -> dict[str, str]:
    part = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return {html.unescape(k): html.unescape(v) for k, v in STATE_ROW.findall(part)}


def expected_rows(state: dict[str, Any]) -> dict[str, str]:
    return {k: shown(v) for k, v in flatten(state).items()}


def test_the_search_finds_an_aggregate_by_id_need_title_contract_or_tender(
    api: InProcessApi, records: Records
) -> None:
    auditor = reader(api)
    desk = auditor.get("/audit")
    assert desk.status_code == 200 and 'name="q"' in desk.text
    assert unlabelled_fields(desk.text) == []

    by_title = auditor.get("/audit", params={"q": "feed WATER for the audit"}).text
    assert f'<tr data-need="{records.need_id}">' in by_title
    assert f'href="/audit/{records.need_id}"' in by_title
    assert f'href="/audit/{records.contract_id}"' in by_title  # the need's contract, too
    assert f'<tr data-contract="{records.contract_id}">' in by_title

    by_contract = auditor.get("/audit", params={"q": records.contract_id}).text
    assert f'<tr data-contract="{records.contract_id}">' in by_contract
    assert f'<tr data-need="{records.need_id}">' in by_contract
    assert 'id="found-aggregate"' in by_contract  # recorded under the id itself

    by_tender = auditor.get("/audit", params={"q": records.tender_id}).text
    assert f'<tr data-tender="{records.tender_id}">' in by_tender
    assert f'href="/audit/{records.tender_id}"' in by_tender
    assert "Sealed steam" in by_tender  # and its need

    by_id = auditor.get("/audit", params={"q": records.bid_ids[0]}).text
    assert f'href="/audit/{records.bid_ids[0]}"' in by_id and "found-needs" not in by_id

    nothing = auditor.get("/audit", params={"q": "no such thing 100%_"}).text
    assert "Nothing recorded matches." in nothing and "found-aggregate" not in nothing
    assert 'value="no such thing 100%_"' in nothing  # kept as typed
    assert all(not is_external(u) for u in urls_of(by_title))


def test_the_timeline_rows_are_the_api_events(api: InProcessApi, records: Records) -> None:
    page = reader(api).get(f"/audit/{records.contract_id}")
    assert page.status_code == 200
    events = audit_json(api, f"{records.contract_id}/events")["items"]
    rows = timeline(page.text)
    assert [(r["version"], r["type"], r["position"], r["hash"], r["prev-hash"]) for r in rows] == [
        (str(e["version"]), e["type"], str(e["position"]), e["hash"], e["prev_hash"])
        for e in events
    ]
    assert len(rows) == 4  # created, signed twice, activated
    # The time in the group's zone, the actor's unit and token.
    zone = api.svc.zone
    second = datetime.fromisoformat(events[1]["occurred_at"]).astimezone(zone)
    assert second.strftime("%Y-%m-%d %H:%M:%S") in page.text
    assert f"COAL-01 · token {events[1]['actor']['token_id']}" in page.text


def test_the_state_as_of_a_version_and_a_moment_is_the_api_state(
    api: InProcessApi, records: Records
) -> None:
    auditor = reader(api)
    path = f"/audit/{records.contract_id}"
    now = auditor.get(path).text
    assert state_rows(now) == expected_rows(
        audit_json(api, f"{records.contract_id}/state")["state"]
    )

    first = auditor.get(path, params={"version": "1"}).text
    api_first = audit_json(api, f"{records.contract_id}/state", version=1)
    assert state_rows(first) == expected_rows(api_first["state"])
    assert 'id="state-shown" data-version="1"' in first
    assert state_rows(first) != state_rows(now)

    # Half an hour after the first signature, in the group's time zone, as a browser sends it.
    assert records.signed_first_at is not None
    moment = (records.signed_first_at + timedelta(minutes=30)).astimezone(api.svc.zone)
    typed = moment.strftime("%Y-%m-%dT%H:%M:%S")
    then = auditor.get(path, params={"as_of": typed}).text
    api_then = audit_json(api, f"{records.contract_id}/state", as_of=moment.isoformat())
    assert api_then["version"] == 2
    assert 'id="state-shown" data-version="2"' in then
    assert state_rows(then) == expected_rows(api_then["state"])
    assert f'value="{typed}"' in then  # the moment kept in its field

    before = auditor.get(path, params={"as_of": "2001-01-01T00:00"})
    assert before.status_code == 422 and 'id="e-as_of"' in before.text
    too_far = auditor.get(path, params={"version": "9"})
    assert too_far.status_code == 422 and "versions 1 to 4" in too_far.text
    assert auditor.get(path, params={"version": "abc"}).status_code == 422


def test_the_differences_of_two_versions(api: InProcessApi, records: Records) -> None:
    page = reader(api).get(f"/audit/{records.contract_id}", params={"from": "1", "to": "4"})
    assert page.status_code == 200
    old = audit_json(api, f"{records.contract_id}/state", version=1)["state"]
    new = audit_json(api, f"{records.contract_id}/state", version=4)["state"]
    expected = differences(old, new)
    assert expected  # signing changes the contract
    rows = re.findall(r'<tr data-key="([^"]*)" data-change="(\w+)"', page.text)
    assert [(html.unescape(k), c) for k, c in rows] == [(d.key, d.change) for d in expected]
    status = next(d for d in expected if d.key == "status")
    assert (status.before, status.after) == ("awaiting_signatures", "active")
    same = reader(api).get(f"/audit/{records.contract_id}", params={"from": "2", "to": "2"})
    assert "The two versions&#39; states are the same." in same.text
    wrong = reader(api).get(f"/audit/{records.contract_id}", params={"from": "0", "to": "4"})
    assert wrong.status_code == 422 and 'id="e-from"' in wrong.text


def test_the_chain_verifies(api: InProcessApi, records: Records) -> None:
    user = reader(api, "hq_admin")
    unasked = user.get("/audit").text  # the check reads the whole store: only when asked
    assert 'id="chain"' in unasked and "data-ok" not in unasked and "Verify the chain" in unasked
    desk = user.get("/audit?verify=1").text
    verified = audit_json(api, "verify")
    assert verified["ok"] is True
    assert 'id="chain" data-ok="true"' in desk
    assert f"The chain holds: {verified['events_checked']} events checked." in desk


def test_sealed_amounts_never_show_before_opening(api: InProcessApi, records: Records) -> None:
    auditor = reader(api)
    for aggregate in (records.tender_id, *records.bid_ids):
        latest = audit_json(api, f"{aggregate}/state")["version"]
        for params in ({}, {"version": "1"}, {"from": "1", "to": str(latest)}):
            page = auditor.get(f"/audit/{aggregate}", params=params)
            assert page.status_code == 200, (aggregate, params)
            assert not any(a in page.text for a in AMOUNTS), (aggregate, params)
    found = auditor.get("/audit", params={"q": records.tender_id}).text
    assert not any(a in found for a in AMOUNTS)


@pytest.mark.parametrize(
    ("unit", "role"),
    [("COAL-01", "unit_operator"), ("COAL", "platform_admin"), ("HQ", "bi_reader")],
)
def test_other_roles_get_the_403_page(
    api: InProcessApi, records: Records, unit: str, role: str
) -> None:
    user = reader(api, role, unit)
    for path in (
        "/audit",
        f"/audit/{records.contract_id}",
        f"/audit/{records.contract_id}?version=1",
    ):
        refused = user.get(path)
        assert refused.status_code == 403 and "<html" in refused.text, path
        assert records.contract_id not in refused.text or path != "/audit"


def test_an_unknown_aggregate_is_the_404_page(api: InProcessApi) -> None:
    missing = reader(api).get("/audit/no-such-aggregate")
    assert missing.status_code == 404 and "<html" in missing.text


def test_the_desk_in_chinese(api: InProcessApi, records: Records) -> None:
    auditor = reader(api, language="zh-CN")
    desk = auditor.get("/audit", params={"q": records.contract_id, "verify": "1"}).text
    assert "<h1>审计</h1>" in desk and "哈希链完好" in desk and "找到的合同" in desk
    page = auditor.get(f"/audit/{records.contract_id}", params={"from": "1", "to": "4"}).text
    assert "事件类型" in page and "比较两个版本" in page and "值已变化" in page


def test_a_tampered_event_shows_its_first_broken_link(api: InProcessApi, records: Records) -> None:
    """Runs last in the module: it edits the store behind the platform's back, and puts the
    event back afterwards."""
    audit_json(api, "verify")  # the chain covers every event before the edit
    store: Any = api.svc.store
    path, table = store.location.sqlite_path, store.events_table_name
    where = "originator_id = ? AND originator_version = 2"
    with sqlite3.connect(path) as conn:
        select = f"SELECT state FROM {table} WHERE {where}"
        [(original,)] = conn.execute(select, (records.contract_id,)).fetchall()
    update = f"UPDATE {table} SET state = ? WHERE {where}"
    forged = bytes(original).replace(b"COAL-01", b"COAL-02")
    assert forged != bytes(original)
    try:
        with sqlite3.connect(path) as conn:
            conn.execute(update, (forged, records.contract_id))
        broken = audit_json(api, "verify")
        assert broken["ok"] is False
        link = broken["broken"]
        assert (link["aggregate_id"], link["version"], link["problem"]) == (
            records.contract_id, 2, "event_modified",
        )  # fmt: skip
        auditor = reader(api)
        desk = auditor.get("/audit?verify=1").text
        assert 'id="chain" data-ok="false"' in desk
        assert (
            f'data-position="{link["position"]}" data-aggregate="{records.contract_id}" '
            f'data-version="2" data-problem="event_modified"'
        ) in desk
        assert "the stored event no longer matches its hash" in desk
        assert f"{broken['events_checked']} events before it hold." in desk
        assert f'href="/audit/{records.contract_id}?verify=1"' in desk

        page = auditor.get(f"/audit/{records.contract_id}?verify=1").text
        assert 'id="broken-here"' in page
        assert re.search(r'<tr data-version="2"[^>]*class="broken"', page)
        assert len(re.findall(r'class="broken"', page)) == 1
    finally:
        with sqlite3.connect(path) as conn:
            conn.execute(update, (original, records.contract_id))
    assert audit_json(api, "verify")["ok"] is True


@pytest.mark.both_stores
def test_the_search_and_a_history_on_each_store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    with serve_in_process(settings_for(tmp_path, schema)) as api:
        need_id = str(call(api, "COAL-01", "/v1/needs", need_body("Steam at 100%_ load"))["id"])
        auditor = reader(api)
        found = auditor.get("/audit", params={"q": "100%_ LOAD"}).text
        assert f'<tr data-need="{need_id}">' in found
        # The wildcards are searched as they are, not as LIKE's.
        assert "found-needs" not in auditor.get("/audit", params={"q": "100%load"}).text
        assert "found-needs" not in auditor.get("/audit", params={"q": "at 1_0"}).text
        page = auditor.get(f"/audit/{need_id}", params={"version": "1", "verify": "1"})
        assert page.status_code == 200 and 'id="chain" data-ok="true"' in page.text
        assert [r["version"] for r in timeline(page.text)] == ["1"]
