"""Issue 14: the portal over HTTP (no browser) — sessions, CSRF, 403/404 pages, forms that
refuse like the API, both languages, and no page loading anything from another host."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import build_api, build_services
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import (
    PortalUser,
    csrf_of,
    is_external,
    unlabelled_fields,
    urls_of,
)

REQUIRED_BY = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def operator(api: InProcessApi, unit: str, language: str | None = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    answer = user.sign_in(api.tokens[(unit, "unit_operator")])
    assert answer.status_code == 303, answer.text
    return user


def need_form(**changes: str) -> dict[str, str]:
    return {
        "title": "Steam for the portal test",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "300",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "60000.00",
        "business_type": "regular",
        "directive_id": "",
        "sourcing": "direct",
    } | changes


def api_needs(api: InProcessApi, unit: str) -> list[dict[str, Any]]:
    answer = api.client.get(
        "/v1/needs", params={"limit": 500}, headers=api.auth(unit, "unit_operator")
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def sessions_table(api: InProcessApi) -> list[tuple[Any, ...]]:
    path = api.client.app.state.settings.read_models_path  # type: ignore[attr-defined]
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id_hash, token_id, csrf FROM portal_sessions").fetchall()


# ----- sign-in and sessions -------------------------------------------------------------------


def test_signing_in_starts_a_session_that_keeps_only_the_token_id(api: InProcessApi) -> None:
    user = PortalUser(api, language="en")
    page = user.get("/")
    assert page.status_code == 200 and 'name="token"' in page.text and "Sign in" in page.text
    token = api.tokens[("PWR-01", "unit_operator")]
    answer = user.sign_in(token)
    assert answer.status_code == 303 and answer.headers["location"] == "/inbox"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("mp_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    assert user.get("/").headers["location"] == "/inbox"  # signed in: / leads to the inbox
    inbox = user.get("/inbox")
    assert inbox.status_code == 200 and "PWR-01" in inbox.text
    session_id = user.cookies["mp_session"]
    rows = sessions_table(api)
    token_id = token.split(".", 1)[0]
    assert any(row[1] == token_id for row in rows)
    stored = repr(rows)
    assert token not in stored and token.split(".", 1)[1] not in stored
    assert session_id not in stored  # the cookie's value is kept hashed


def test_the_cookie_is_secure_over_https(api: InProcessApi) -> None:
    user = PortalUser(api)
    page = user.get("https://testserver/")
    answer = user.post(
        "https://testserver/login",
        {"csrf": csrf_of(page.text), "token": api.tokens[("PWR-02", "unit_operator")]},
    )
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("mp_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_wrong_or_bootstrap_token_does_not_sign_in(api: InProcessApi) -> None:
    user = PortalUser(api, language="en")
    answer = user.sign_in("tok_nobody.secret")
    assert answer.status_code == 401 and "not valid" in answer.text
    assert "mp_session" not in user.cookies
    answer = user.sign_in("in-process-bootstrap-admin-token")
    assert answer.status_code == 401 and "issued token" in answer.text
    assert user.get("/inbox").headers["location"] == "/"


def test_signing_in_again_rotates_the_session(api: InProcessApi) -> None:
    user = operator(api, "PWR-03")
    first = user.cookies["mp_session"]
    fresh = PortalUser(api)  # a sign-in form, while this browser is signed in
    csrf = csrf_of(fresh.get("/").text)
    user.cookies["mp_login"] = fresh.cookies["mp_login"]
    token = api.tokens[("PWR-03", "unit_operator")]
    assert user.post("/login", {"csrf": csrf, "token": token}).status_code == 303
    second = user.cookies["mp_session"]
    assert second != first
    stale = PortalUser(api, cookies={"mp_session": first})
    assert stale.get("/inbox").headers["location"] == "/"
    assert user.get("/inbox").status_code == 200


def test_a_revoked_token_ends_its_sessions_at_once(api: InProcessApi) -> None:
    issued = api.client.post(
        "/v1/tokens",
        json={"unit_id": "SVC-02", "roles": ["unit_operator"], "label": "portal revocation"},
        headers=api.admin,
    )
    assert issued.status_code == 201, issued.text
    user = PortalUser(api)
    assert user.sign_in(issued.json()["token"]).status_code == 303
    assert user.get("/inbox").status_code == 200
    token_id = issued.json()["token_id"]
    assert api.client.delete(f"/v1/tokens/{token_id}", headers=api.admin).status_code == 204
    assert user.get("/inbox").headers["location"] == "/"
    assert not any(row[1] == token_id for row in sessions_table(api))


def test_a_session_ends_after_its_idle_time(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = settings_for(tmp_path_factory.mktemp("idle"), portal_session_idle_minutes=5)
    with serve_in_process(settings) as api:
        user = operator(api, "PWR-01")
        real = api.svc.clock
        api.svc.clock = lambda: real() + timedelta(minutes=4)
        assert user.get("/inbox").status_code == 200  # activity: the idle time starts again
        api.svc.clock = lambda: real() + timedelta(minutes=8)
        assert user.get("/inbox").status_code == 200
        api.svc.clock = lambda: real() + timedelta(minutes=12)
        assert user.get("/inbox/items").status_code == 200  # the page's own refresh…
        api.svc.clock = lambda: real() + timedelta(minutes=14)  # …is not the user's activity
        assert user.get("/inbox").headers["location"] == "/"


def test_another_api_process_knows_the_session(
    api: InProcessApi, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`serve --workers N`: a session started in one process works in the others."""
    settings = api.client.app.state.settings  # type: ignore[attr-defined]
    user = operator(api, "HEAT-01")
    svc = build_services(settings)
    try:
        with TestClient(build_api(settings, svc)) as other:
            other.cookies.set("mp_session", user.cookies["mp_session"])
            page = other.get("/inbox", follow_redirects=False)
            assert page.status_code == 200 and "HEAT-01" in page.text
    finally:
        svc.store.close()


def test_signing_out_needs_the_csrf_token_and_ends_the_session(api: InProcessApi) -> None:
    user = operator(api, "HEAT-02")
    refused = user.post("/logout", {})
    assert refused.status_code == 403 and "nothing was changed" in refused.text
    assert user.get("/inbox").status_code == 200
    session = user.cookies["mp_session"]
    assert user.submit("/inbox", "/logout", {}).headers["location"] == "/"
    assert PortalUser(api, cookies={"mp_session": session}).get("/inbox").status_code == 303


def test_the_sign_in_form_needs_its_csrf_cookie(api: InProcessApi) -> None:
    user = PortalUser(api)
    token = api.tokens[("PWR-01", "unit_operator")]
    answer = user.post("/login", {"csrf": "forged", "token": token})
    assert answer.status_code == 403 and "mp_session" not in user.cookies


# ----- CSRF on changing forms, 403 and 404 pages --------------------------------------------


def test_a_form_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    api: InProcessApi,
) -> None:
    user = operator(api, "COAL-02")
    before = len(api_needs(api, "COAL-02"))
    for sent in ({}, {"csrf": "not-the-token"}):
        answer = user.post("/needs", need_form() | sent)
        assert answer.status_code == 403 and "<html" in answer.text
    other = operator(api, "COAL-03")  # another session's token is not this one's
    answer = user.post("/needs", need_form(csrf=other.csrf()))
    assert answer.status_code == 403
    assert len(api_needs(api, "COAL-02")) == before


def test_pages_outside_the_tokens_reach_answer_403_and_unknown_ids_404(
    api: InProcessApi,
) -> None:
    need_id = api_needs(api, "COAL-01")[0]["need_id"]
    bi = PortalUser(api, language="en")
    assert bi.sign_in(api.tokens[("HQ", "bi_reader")]).status_code == 303
    refused = bi.get(f"/needs/{need_id}")
    assert refused.status_code == 403 and "Not allowed" in refused.text
    assert bi.get("/needs").status_code == 403
    user = operator(api, "PWR-01")
    missing = user.get("/needs/need_does_not_exist")
    assert missing.status_code == 404 and "Not found" in missing.text
    assert user.get("/needs?cursor=garbage").status_code == 404


def test_another_units_need_shows_what_the_api_shows(api: InProcessApi) -> None:
    """No budget and no other unit's offers, as `GET /v1/needs/{id}` for that token."""
    need = api_needs(api, "COAL-01")[0]
    as_api = api.client.get(
        f"/v1/needs/{need['need_id']}", headers=api.auth("ENG-01", "unit_operator")
    ).json()
    assert as_api["budget_amount"] is None and as_api["offers"] == []
    page = operator(api, "ENG-01").get(f"/needs/{need['need_id']}")
    assert page.status_code == 200
    assert 'id="need-budget"' not in page.text and "data-offer=" not in page.text
    own = operator(api, "COAL-01").get(f"/needs/{need['need_id']}")
    assert 'id="need-budget"' in own.text and own.text.count("data-offer=") >= 2


# ----- forms behave like the API ------------------------------------------------------------


def test_an_invalid_need_form_shows_field_errors_keeps_the_input_and_posts_nothing(
    api: InProcessApi,
) -> None:
    before = len(api_needs(api, "HEAT-01"))
    for language, wording in (("en", "Enter a positive number"), ("zh-CN", "请输入正数")):
        user = operator(api, "HEAT-01", language)
        sent = need_form(quantity="-3", title="Kept as typed 保留", budget_amount="")
        answer = user.submit("/needs/new", "/needs", sent)
        assert answer.status_code == 422
        assert 'id="e-quantity"' in answer.text and wording in answer.text
        assert 'id="e-budget_amount"' in answer.text  # an empty required field: required
        assert 'value="Kept as typed 保留"' in answer.text and 'value="-3"' in answer.text
    assert len(api_needs(api, "HEAT-01")) == before


def test_a_refused_need_shows_the_rule_as_a_sentence(api: InProcessApi) -> None:
    user = operator(api, "HEAT-01")
    before = len(api_needs(api, "HEAT-01"))
    sent = need_form(business_type="special_task", directive_id="dir_missing")
    answer = user.submit("/needs/new", "/needs", sent)
    assert answer.status_code == 409
    assert "special task needs an approved directive" in answer.text
    assert 'value="dir_missing"' in answer.text
    assert len(api_needs(api, "HEAT-01")) == before


def test_post_offer_and_award_through_the_pages(api: InProcessApi) -> None:
    buyer = operator(api, "COAL-01")
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Steam for the awards"))
    assert posted.status_code == 303
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    assert any(n["need_id"] == need_id for n in api_needs(api, "COAL-01"))
    supplier = operator(api, "HEAT-02")
    page = f"/needs/{need_id}"
    valid_until = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    offer = {
        "supplier_unit_id": "HEAT-02",
        "unit_price": "181.00",
        "quantity": "300",
        "delivery_date": REQUIRED_BY,
        "valid_until": valid_until,
    }
    bad = supplier.submit(page, f"{page}/offers", offer | {"unit_price": "abc"})
    assert bad.status_code == 422 and 'id="e-unit_price"' in bad.text and 'value="abc"' in bad.text
    assert supplier.submit(page, f"{page}/offers", offer).status_code == 303
    again = supplier.submit(page, f"{page}/offers", offer)  # the form is gone; the API's rule
    assert again.status_code == 409 and "already has an open offer" in again.text
    outsider = operator(api, "ENG-01")  # not a catalog supplier of steam: the handler refuses
    other = outsider.submit(page, f"{page}/offers", offer | {"supplier_unit_id": "HEAT-02"})
    assert other.status_code == 403
    shown = buyer.get(page)
    assert "181.00" in shown.text and "185.00" in shown.text  # the offer and its catalog price
    offer_id = api.client.get(
        f"/v1/needs/{need_id}", headers=api.auth("COAL-01", "unit_operator")
    ).json()["offers"][0]["offer_id"]
    assert supplier.submit(page, f"{page}/award", {"offer_id": offer_id}).status_code == 403
    awarded = buyer.submit(page, f"{page}/award", {"offer_id": offer_id})
    assert awarded.status_code == 303
    view = buyer.get(page).text
    assert 'id="need-contract"' in view and "awarded" in view
    twice = buyer.submit(page, f"{page}/award", {"offer_id": offer_id})
    assert twice.status_code == 409 and "already been awarded" in twice.text


def test_the_item_lookup_finds_by_code_or_name_and_names_the_matched_suppliers(
    api: InProcessApi,
) -> None:
    user = operator(api, "COAL-01")
    by_name = user.get("/needs/new", params={"lookup": "process steam"}).text
    assert "STEAM-LP" in by_name
    by_code = user.get("/needs/new", params={"lookup": "steam-lp"}).text
    assert "STEAM-LP" in by_code and "PWR-01" in by_code and "HEAT-02" in by_code
    chosen = user.get("/needs/new", params={"item_code": "STEAM-LP", "uom": "t"}).text
    assert "Catalog suppliers who will be matched" in chosen
    assert "HEAT-02" in chosen and "PWR-01" in chosen


# ----- languages, and nothing from another host ---------------------------------------------


def test_language_from_cookie_else_accept_language_else_chinese(api: InProcessApi) -> None:
    assert '<html lang="zh-CN">' in PortalUser(api, language=None).get("/").text
    assert "登录" in PortalUser(api, language=None).get("/").text
    assert "Sign in" in PortalUser(api, language="en-GB,en;q=0.9").get("/").text
    user = PortalUser(api, language="en")
    switched = user.get("/lang/zh-CN?next=/needs%3Fstatus%3Dopen")
    assert switched.headers["location"] == "/needs?status=open"
    assert user.cookies["lang"] == "zh-CN"
    assert "登录" in user.get("/").text  # the cookie wins over Accept-Language
    for elsewhere in ("//elsewhere.example", "/%5Celsewhere.example", "https://elsewhere.example"):
        assert user.get(f"/lang/en?next={elsewhere}").headers["location"] == "/", elsewhere
    # A control character in a query is refused before any page (the app's input rules).
    assert user.get("/lang/en?next=/%09/elsewhere.example").status_code == 422
    assert user.get("/lang/fr").status_code == 404


def test_no_page_loads_anything_from_another_host(api: InProcessApi) -> None:
    need_id = api_needs(api, "COAL-01")[0]["need_id"]
    pages = {"/": PortalUser(api).get("/")}
    user = operator(api, "PWR-01")
    for path in (
        "/inbox",
        "/inbox/items",
        "/needs",
        "/needs/new",
        "/needs/new?lookup=steam",
        "/needs/new?item_code=STEAM-LP",
        f"/needs/{need_id}",
        "/needs/need_unknown",
    ):
        pages[path] = user.get(path)
    bi = PortalUser(api)
    bi.sign_in(api.tokens[("HQ", "bi_reader")])
    pages["403"] = bi.get(f"/needs/{need_id}")
    for path, page in pages.items():
        assert page.headers["content-type"].startswith("text/html"), path
        assert "default-src 'self'" in page.headers["content-security-policy"], path
        urls = urls_of(page.text)
        assert urls or path == "/inbox/items", path
        assert not [u for u in urls if is_external(u)], (path, urls)
        assert unlabelled_fields(page.text) == [], path  # a <label> for every field
        assert "&#34;" not in page.text and "&amp;#" not in page.text, path  # nothing escaped twice
    css = user.get("/assets/portal.css")
    assert css.status_code == 200 and "http" not in css.text
    assert user.get("/assets/vendor/htmx/htmx.min.js").status_code == 200


def test_the_header_badge_counts_the_inbox(api: InProcessApi) -> None:
    count = len(
        api.client.get("/v1/inbox", headers=api.auth("SVC-03", "unit_operator")).json()["items"]
    )
    assert count > 0
    page = operator(api, "SVC-03").get("/needs").text
    assert f'class="badge" aria-label="Needs to act on">{count}</span>' in page


def test_a_background_refresh_after_the_session_ended_leads_the_page_to_sign_in(
    api: InProcessApi,
) -> None:
    """htmx follows `HX-Redirect` with the whole page, instead of swapping the sign-in page
    into the inbox list."""
    user = PortalUser(api)
    answer = user.get("/inbox/items", headers={"HX-Request": "true"})
    assert answer.headers["HX-Redirect"] == "/" and answer.text == ""
    assert user.get("/inbox/items").headers["location"] == "/"


def test_a_subcategory_of_two_categories_shows_the_chosen_ones_label(api: InProcessApi) -> None:
    user = operator(api, "COAL-01")
    page = user.get("/needs/new", params={"category": "service", "subcategory": "consulting"})
    selected = re.findall(r'<option value="consulting" selected>([^<]+)</option>', page.text)
    assert len(selected) == 1 and selected[0].startswith("Services")


def test_a_supplier_revises_and_withdraws_its_own_offer_only(api: InProcessApi) -> None:
    buyer = operator(api, "COAL-01")
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Steam to revise"))
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    page = f"/needs/{need_id}"
    valid_until = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    terms = {"unit_price": "190.00", "quantity": "300", "delivery_date": REQUIRED_BY,
             "valid_until": valid_until}  # fmt: skip
    supplier = operator(api, "PWR-01")
    made = supplier.submit(page, f"{page}/offers", terms | {"supplier_unit_id": "PWR-01"})
    assert made.status_code == 303

    def offer() -> dict[str, Any]:
        read = api.client.get(f"/v1/needs/{need_id}", headers=api.auth("PWR-01", "unit_operator"))
        found: dict[str, Any] = read.json()["offers"][0]
        return found

    offer_id = offer()["offer_id"]
    shown = supplier.get(page).text
    assert f"/offers/{offer_id}/revise" in shown and 'value="190.00"' in shown
    revise, withdraw = f"{page}/offers/{offer_id}/revise", f"{page}/offers/{offer_id}/withdraw"
    bad = supplier.submit(page, revise, terms | {"unit_price": "1.234"})
    assert bad.status_code == 422 and 'value="1.234"' in bad.text and "decimal places" in bad.text
    assert offer()["unit_price"] == "190.00"
    assert supplier.submit(page, revise, terms | {"unit_price": "176.00"}).status_code == 303
    assert offer()["unit_price"] == "176.00"
    rival = operator(api, "HEAT-02")  # another supplier of the need: not its offer
    assert rival.submit(page, revise, terms).status_code == 403
    assert rival.submit(page, withdraw, {}).status_code == 403
    other_need = api_needs(api, "COAL-01")[-1]["need_id"]
    elsewhere = f"/needs/{other_need}/offers/{offer_id}/withdraw"
    assert supplier.submit(page, elsewhere, {}).status_code == 404
    assert supplier.post(withdraw, {}).status_code == 403  # no CSRF token
    assert offer()["status"] == "open"
    assert supplier.submit(page, withdraw, {}).status_code == 303
    assert offer()["status"] == "withdrawn"
    again = supplier.submit(page, withdraw, {})
    assert again.status_code == 409 and "no longer open" in again.text


def test_the_needs_board_pages_and_filters(api: InProcessApi) -> None:
    operator_headers = api.auth("ENG-02", "unit_operator")
    for n in range(23):
        body = {"demand_unit_id": "ENG-02", "title": f"Board need {n:02d}"} | {
            k: v for k, v in need_form().items() if k not in ("title", "directive_id")
        }
        answer = api.client.post("/v1/needs", json=body, headers=operator_headers)
        assert answer.status_code == 201, answer.text
    user = operator(api, "ENG-02")
    first = user.get("/needs").text
    titles = re.findall(r">Board need (\d\d)</a>", first)
    assert titles == [f"{n:02d}" for n in range(22, 2, -1)]  # 20, newest first
    cursor = re.search(r'href="/needs\?cursor=([^"]+)"', first)
    assert cursor
    second = user.get(f"/needs?cursor={cursor[1]}").text
    assert re.findall(r">Board need (\d\d)</a>", second) == ["02", "01", "00"]
    assert "Next page" not in second
    assert re.findall(r">Board need (\d\d)</a>", user.get("/needs?status=open").text)
    assert "Board need" not in user.get("/needs?status=awarded").text
    assert "Board need" not in operator(api, "ENG-01").get("/needs").text  # its own unit's


def test_the_demand_unit_asks_to_buy_outside_on_one_of_the_four_grounds(
    api: InProcessApi,
) -> None:
    buyer = operator(api, "COAL-01", "zh-CN")
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Steam from outside"))
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    page, action = f"/needs/{need_id}", f"/needs/{need_id}/external-sourcing"
    assert "1 · 内部市场无法提供" in buyer.get(page).text
    empty = buyer.submit(page, action, {"ground": "", "justification": "", "quantity": ""})
    assert empty.status_code == 422
    assert 'id="e-ground"' in empty.text and 'id="e-x-justification"' in empty.text
    assert "此项为必填项" in empty.text
    short = {
        "ground": "insufficient_for_urgent_need",
        "justification": "Urgent 紧急",
        "quantity": "",
    }
    refused = buyer.submit(page, action, short)
    assert refused.status_code == 409 and "依此理由须注明外部采购数量" in refused.text
    assert "Urgent 紧急</textarea>" in refused.text
    assert need_json_of(api, need_id)["external_sourcing"] == []
    supplier = operator(api, "HEAT-02")
    assert "/external-sourcing" not in supplier.get(page).text
    assert supplier.submit(page, action, short | {"quantity": "100"}).status_code == 403
    assert buyer.submit(page, action, short | {"quantity": "100"}).status_code == 303
    (request,) = need_json_of(api, need_id)["external_sourcing"]
    assert request["ground"] == "insufficient_for_urgent_need" and request["quantity"] == "100"
    assert "待审批" in buyer.get(page).text
    approved = api.client.post(
        f"/v1/external-sourcing/{request['request_id']}/approve",
        json={},
        headers=api.auth("COAL", "platform_admin"),
    )
    assert approved.status_code == 200, approved.text
    assert "已批准" in buyer.get(page).text


def need_json_of(api: InProcessApi, need_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api.client.get(
        f"/v1/needs/{need_id}", headers=api.auth("COAL-01", "unit_operator")
    ).json()
    return found


def test_a_tender_is_launched_with_the_checklist_of_catalog_suppliers(api: InProcessApi) -> None:
    buyer = operator(api, "COAL-01")
    direct = buyer.submit("/needs/new", "/needs", need_form(title="Steam bought directly"))
    where = direct.headers["location"]
    assert f'action="{where}/tender"' not in buyer.get(where).text  # a direct need has no tender
    posted = buyer.submit("/needs/new", "/needs", need_form(title="Steam by tender",
                                                            sourcing="tender"))  # fmt: skip
    need_id = posted.headers["location"].rsplit("/", 1)[1]
    page, action = f"/needs/{need_id}", f"/needs/{need_id}/tender"
    shown = buyer.get(page).text
    for unit in ("HEAT-02", "PWR-01"):  # every catalog supplier, ticked
        assert re.search(rf'id="f-invite-{unit}" name="invitees" value="{unit}"\s+checked', shown)
    deadline = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form = {"bid_deadline": deadline, "more_invitees": "", "internal_preference_margin_pct": "",
            "omission_filing": ""}  # fmt: skip
    missing = buyer.post(action, {"csrf": buyer.csrf(page), "invitees": "HEAT-02", **form})
    assert missing.status_code == 409 and "omission filed: PWR-01." in missing.text
    assert re.search(r'value="PWR-01"\s*>', missing.text)  # left unticked, as sent
    unknown = buyer.post(
        action,
        {
            "csrf": buyer.csrf(page),
            "invitees": ["HEAT-02", "PWR-01"],
            **form,
            "more_invitees": "NOPE-99",
        },
    )
    assert unknown.status_code == 404 and 'id="e-t-more_invitees"' in unknown.text
    assert 'value="NOPE-99"' in unknown.text
    bad = buyer.post(
        action,
        {
            "csrf": buyer.csrf(page),
            "invitees": ["HEAT-02", "PWR-01"],
            **form,
            "internal_preference_margin_pct": "abc",
            "bid_deadline": "",
        },
    )
    assert bad.status_code == 422
    assert (
        'id="e-t-internal_preference_margin_pct"' in bad.text
        and 'id="e-t-bid_deadline"' in bad.text
    )
    assert need_json_of(api, need_id)["tender_id"] is None
    typed = "ENG-01\uff0cSVC-01"  # a full-width comma, as a Chinese keyboard types it
    filed = {"more_invitees": typed, "omission_filing": "PWR-01 is overhauling"}
    launched = buyer.post(
        action, {"csrf": buyer.csrf(page), "invitees": "HEAT-02", **form, **filed}
    )
    assert launched.status_code == 303
    tender_id = need_json_of(api, need_id)["tender_id"]
    assert tender_id and f'id="need-tender">{tender_id}' in buyer.get(page).text
    tender = api.client.get(
        f"/v1/tenders/{tender_id}", headers=api.auth("COAL-01", "unit_operator")
    )
    assert sorted(tender.json()["invitees"]) == ["ENG-01", "HEAT-02", "SVC-01"]
    assert tender.json()["compliance"] == "exception_filed"
