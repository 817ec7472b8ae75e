"""Every page a role can reach by following the portal's own links: none is an error of ours, none
loads anything from another host, every field has its label, nothing is escaped twice."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, is_external, unlabelled_fields, urls_of

LINK = re.compile(r"""<a\b[^>]*\bhref=["']([^"']*)["']""", re.IGNORECASE)

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what a browser asks for
LIMIT = 80  # pages a role's crawl visits at most (lists link every row: enough for each kind)
# Links not to follow: sign-out, the language switch, static files, downloads (a dashboard
# figure's CSV, a technical document: files, not pages; their own tests check them).
SKIP = re.compile(r"^/(logout|lang/|assets/|documents/)|^/[^?]*\.csv(\?|$)")
ROLES = (
    ("COAL-01", "unit_operator"),
    ("HEAT-02", "unit_operator"),
    ("COAL", "platform_admin"),
    ("HQ", "hq_admin"),
    ("HQ", "auditor"),
    ("HQ", "bi_reader"),
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("crawl"))) as served:
        records(served)
        yield served


def records(api: InProcessApi) -> None:
    """A record of every kind a page shows, made through the API."""

    def call(unit: str, role: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = api.client.post(path, json=body, headers=api.auth(unit, role))
        assert answer.status_code in (200, 201), answer.text
        found: dict[str, Any] = answer.json()
        return found

    def need(title: str, **changes: str) -> str:
        body = {"demand_unit_id": "COAL-01", "title": title, "category": "product",
                "subcategory": "heat", "item_code": "STEAM-LP", "quantity": "500", "uom": "t",
                "required_by": later, "budget_amount": "95000.00", "business_type": "regular",
                "sourcing": "direct"} | changes  # fmt: skip
        return str(call("COAL-01", "unit_operator", "/v1/needs", body)["id"])

    later = (date.today() + timedelta(days=30)).isoformat()
    week = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    offer = {"supplier_unit_id": "HEAT-02", "unit_price": "181.00", "quantity": "500",
             "delivery_date": later, "valid_until": week}  # fmt: skip
    call("HEAT-02", "unit_operator", f"/v1/needs/{need('Offered steam')}/offers", offer)
    awarded = need("Steam under contract")
    offered = call("HEAT-02", "unit_operator", f"/v1/needs/{awarded}/offers", offer)
    won = call(
        "COAL-01", "unit_operator", f"/v1/needs/{awarded}/award", {"offer_id": offered["offer_id"]}
    )
    contract = won["contract_id"]
    for unit in ("COAL-01", "HEAT-02"):
        call(unit, "unit_operator", f"/v1/contracts/{contract}/sign", {})
    incident = {"kind": "product_quality", "severity": "major", "description": "Wet steam.",
                "occurred_at": datetime.now(UTC).isoformat()}  # fmt: skip
    call("COAL-01", "unit_operator", f"/v1/contracts/{contract}/quality-incidents", incident)
    dispute = {"subject_type": "contract", "subject_id": contract, "against_unit_id": "HEAT-02",
               "kind": "delivery", "claim": "Late."}  # fmt: skip
    call("COAL-01", "unit_operator", "/v1/disputes", dispute)
    ground = {"ground": "not_available_internally", "justification": "None inside."}
    call(
        "COAL-01", "unit_operator", f"/v1/needs/{need('Bought outside')}/external-sourcing", ground
    )
    tender = {"invitees": ["HEAT-02", "PWR-01"], "bid_deadline": week}
    call(
        "COAL-01",
        "unit_operator",
        f"/v1/needs/{need('Tendered', sourcing='tender')}/tender",
        tender,
    )
    finding = {"unit_id": "COAL-01", "issue": "incomplete_rules", "description": "No rules.",
               "rectify_by": later}  # fmt: skip
    call("HQ", "hq_admin", "/v1/inspections/findings", finding)


def crawl(user: PortalUser, start: str) -> dict[str, int]:
    """Status of every page reached from `start` by the pages' links, breadth first; each page
    checked on the way."""
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < LIMIT:
        path = queue.popleft()
        if path in seen:
            continue
        page = user.get(path, headers=BROWSER)
        seen[path] = page.status_code
        if page.status_code == 303:  # e.g. `/` of a signed-in user: its landing page
            location = page.headers["location"]
            assert location.startswith("/") and not location.startswith("//"), (path, location)
            queue.append(location)
            continue
        assert page.status_code in (200, 403, 404), (path, page.status_code, page.text[-500:])
        assert page.headers["content-type"].startswith("text/html"), path
        urls = urls_of(page.text)
        assert not [u for u in urls if is_external(u)], (path, urls)
        assert unlabelled_fields(page.text) == [], path
        assert "&#34;" not in page.text and "&amp;#" not in page.text, path
        for url in LINK.findall(page.text):
            link = url.replace("&amp;", "&").split("#", 1)[0]
            if link.startswith("/") and not SKIP.match(link) and link not in seen:
                queue.append(link)
    return seen


@pytest.mark.parametrize(("unit", "role"), ROLES, ids=[f"{u}-{r}" for u, r in ROLES])
def test_every_page_a_role_reaches_by_links_is_sound(
    api: InProcessApi, unit: str, role: str
) -> None:
    user = PortalUser(api, language="en")
    signed = user.sign_in(api.tokens[(unit, role)])
    assert signed.status_code == 303, signed.text
    seen = crawl(user, signed.headers["location"])
    shown = [p for p, status in seen.items() if status == 200]
    assert len(shown) >= 5, seen  # the crawl went somewhere: the landing page and its links


def test_an_address_that_is_no_page_answers_the_404_page_to_a_browser(api: InProcessApi) -> None:
    user = PortalUser(api, language="en")
    user.sign_in(api.tokens[("COAL-01", "unit_operator")])
    for path, status in (("/no-such-page", 404), ("/needs/need_x/award", 405)):
        page = user.get(path, headers=BROWSER)
        assert page.status_code == status, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert "There is nothing at this address." in page.text, path
    api_answer = user.get("/v1/no-such-thing", headers=BROWSER)
    assert api_answer.status_code == 404 and api_answer.json()["error"]["code"] == "not_found"
    assert user.get("/no-such-page").headers["content-type"].startswith("application/json")
