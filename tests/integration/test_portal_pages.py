"""Issue 14: the portal's pages over HTTP (no browser) — CSRF on changing forms, 403 and 404
pages, the new-need form refusing like the API in both languages, the needs board, and no page
loading anything from another host."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import (
    PortalUser,
    api_needs,
    is_external,
    need_form,
    operator,
    unlabelled_fields,
    urls_of,
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


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


def test_the_language_switch_of_a_refused_form_leads_back_to_the_forms_page(
    api: InProcessApi,
) -> None:
    user = operator(api, "HEAT-01")
    refused = user.submit("/needs/new?lookup=steam", "/needs", need_form(quantity="-3"))
    assert refused.status_code == 422
    assert 'href="/lang/zh-CN?next=/needs/new%3Flookup%3Dsteam"' in refused.text
    elsewhere = user.post("/needs", {"csrf": user.csrf(), **need_form(quantity="-3")},
                          headers={"referer": "https://elsewhere.example/needs/new"})  # fmt: skip
    assert 'href="/lang/zh-CN?next=/"' in elsewhere.text  # never back to another site


def test_a_refused_need_shows_the_rule_as_a_sentence(api: InProcessApi) -> None:
    user = operator(api, "HEAT-01")
    before = len(api_needs(api, "HEAT-01"))
    sent = need_form(business_type="special_task", directive_id="dir_missing")
    answer = user.submit("/needs/new", "/needs", sent)
    assert answer.status_code == 409
    assert "special task needs an approved directive" in answer.text
    assert 'value="dir_missing"' in answer.text
    assert len(api_needs(api, "HEAT-01")) == before


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


def test_a_subcategory_of_two_categories_shows_the_chosen_ones_label(api: InProcessApi) -> None:
    user = operator(api, "COAL-01")
    page = user.get("/needs/new", params={"category": "service", "subcategory": "consulting"})
    selected = re.findall(r'<option value="consulting" selected>([^<]+)</option>', page.text)
    assert len(selected) == 1 and selected[0].startswith("Services")


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
