"""Issue 14: the catalog search page `/catalog` over HTTP — by item code (any case) or words of
the name, by category and subcategory, paged, for every signed-in role, as the API's search."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from marketplace.portal.routes import catalog_search
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, is_external, unlabelled_fields, urls_of

_ENTRY = re.compile(r'data-entry="([^"]+)"')
_NEXT = re.compile(r'rel="next" href="([^"]+)"')


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("catalog"))) as served:
        yield served


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def api_search(api: InProcessApi, **params: str) -> list[dict[str, Any]]:
    answer = api.client.get(
        "/v1/catalog/search", params={"limit": 500, **params}, headers=api.auth()
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def entries(html: str) -> list[str]:
    return _ENTRY.findall(html)


def test_every_role_searches_by_code_or_name(api: InProcessApi) -> None:
    by_code = {h["entry_id"] for h in api_search(api, item_code="STEAM-LP")}
    assert len(by_code) == 2
    for unit, role in (("COAL-01", "unit_operator"), ("HQ", "auditor"), ("HQ", "bi_reader"),
                       ("COAL", "platform_admin")):  # fmt: skip
        user = signed_in(api, unit, role)
        page = user.get("/catalog", params={"q": "steam-lp"})
        assert page.status_code == 200, (unit, role)
        assert set(entries(page.text)) == by_code
    page = user.get("/catalog", params={"q": "steam-lp"}).text
    for shown in ("HEAT-02", "PWR-01", "Low-pressure process steam 0.8 MPa", "t"):
        assert shown in page
    prices = {h["reference_price"] for h in api_search(api, item_code="STEAM-LP")} - {None}
    assert prices and all(p in page for p in prices)
    assert not unlabelled_fields(page)
    assert not [u for u in urls_of(page) if is_external(u)]

    by_name = {h["entry_id"] for h in api_search(api, q="steam")}
    assert len(by_name) > len(by_code)
    assert set(entries(user.get("/catalog", params={"q": "Steam"}).text)) == by_name
    assert entries(user.get("/catalog", params={"q": "no such thing"}).text) == []


def test_category_and_subcategory_narrow_the_search(api: InProcessApi) -> None:
    user = signed_in(api, "COAL-01", "unit_operator")
    services = {h["entry_id"] for h in api_search(api, category="service")}
    found = user.get("/catalog", params={"category": "service"}).text
    assert services and set(entries(found)) == services
    heat = {h["entry_id"] for h in api_search(api, category="product", subcategory="heat")}
    both = {"q": "steam", "category": "product", "subcategory": "heat"}
    steam = {h["entry_id"] for h in api_search(api, **both)}
    assert steam and steam < heat
    assert set(entries(user.get("/catalog", params=both).text)) == steam
    # A subcategory alone is its category's; an unknown one is no filter.
    alone = user.get("/catalog", params={"subcategory": "heat"}).text
    assert set(entries(alone)) == heat and 'value="product" selected' in alone
    everything = {h["entry_id"] for h in api_search(api)}
    unknown = user.get("/catalog", params={"category": "nonsense", "subcategory": "x"})
    assert unknown.status_code == 200 and set(entries(unknown.text)) <= everything


def test_the_whole_catalog_in_pages(api: InProcessApi) -> None:
    user = signed_in(api, "HQ", "auditor")
    everything = [h["entry_id"] for h in api_search(api)]
    assert len(everything) > 20  # the demo catalog fills more than a page
    seen: list[str] = []
    path: str | None = "/catalog"
    while path is not None:
        page = user.get(path.replace("&amp;", "&")).text
        seen += entries(page)
        found = _NEXT.search(page)
        path = found[1] if found else None
    assert seen == everything


def test_a_search_keeps_its_filters_from_page_to_page(
    api: InProcessApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_search, "PAGE", 2)  # so that a few hits make several pages
    user = signed_in(api, "COAL-01", "unit_operator")
    wanted = [h["entry_id"] for h in api_search(api, q="steam", category="product")]
    assert len(wanted) > 2
    seen: list[str] = []
    path: str | None = "/catalog?q=steam&category=product"
    while path is not None:
        page = user.get(path.replace("&amp;", "&")).text
        seen += entries(page)
        found = _NEXT.search(page)
        path = found[1] if found else None
    assert seen == wanted


def test_chinese_labels_and_refused_text(api: InProcessApi) -> None:
    user = signed_in(api, "COAL-01", "unit_operator", language="zh-CN")
    page = user.get("/catalog", params={"q": "STEAM-LP"}).text
    for chinese in ("目录", "产品类", "热力", "搜索"):
        assert chinese in page, chinese
    controlled = user.get("/catalog", params={"q": "steam\x07"})
    assert controlled.status_code == 422 and entries(controlled.text) == []
    too_long = user.get("/catalog", params={"q": "x" * 101})
    assert too_long.status_code == 422
    assert PortalUser(api).get("/catalog").headers["location"] == "/"
