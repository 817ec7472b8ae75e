"""Issue 14: signing in to the portal over HTTP (no browser) — sessions that keep only the
token's id, rotate, end when idle or revoked and are shared by processes; CSRF on the sign-in
and sign-out forms; the language."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import build_api, build_services
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, csrf_of, operator


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def sessions_table(api: InProcessApi) -> list[tuple[Any, ...]]:
    path = api.client.app.state.settings.read_models_path  # type: ignore[attr-defined]
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id_hash, token_id, csrf FROM portal_sessions").fetchall()


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


def test_a_background_refresh_after_the_session_ended_leads_the_page_to_sign_in(
    api: InProcessApi,
) -> None:
    """htmx follows `HX-Redirect` with the whole page, instead of swapping the sign-in page
    into the inbox list."""
    user = PortalUser(api)
    answer = user.get("/inbox/items", headers={"HX-Request": "true"})
    assert answer.headers["HX-Redirect"] == "/" and answer.text == ""
    assert user.get("/inbox/items").headers["location"] == "/"
