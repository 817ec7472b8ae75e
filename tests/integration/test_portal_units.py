"""Issue 15: the organisation chart's pages over HTTP — the tree of every unit with its level,
sector and status, HQ's restructuring forms (rename, move, sector, deactivate/reactivate) and a
unit's tokens (issued with the secret shown once, revoked), through the API's bodies and
handlers; refusals change nothing and other roles get 403 pages."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import marketplace.demo
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, is_external, unlabelled_fields, urls_of


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("portal"))) as served:
        yield served


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def hq(api: InProcessApi, language: str = "en") -> PortalUser:
    return signed_in(api, "HQ", "hq_admin", language)


def unit_json(api: InProcessApi, unit_id: str) -> dict[str, Any]:
    answer = api.client.get(f"/v1/units/{unit_id}", headers=api.auth())
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def register(api: InProcessApi, unit_id: str, parent: str, level: str = "enterprise") -> None:
    body = {"id": unit_id, "name": f"{unit_id} Co.", "level": level, "parent_id": parent}
    answer = api.client.post("/v1/units", json=body, headers=api.auth())
    assert answer.status_code == 201, answer.text


def until(check: Callable[[], bool], seconds: float = 5) -> bool:
    """Whether `check` holds within `seconds` (read models follow the store a moment later)."""
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def tree_rows(html: str) -> dict[str, str]:
    """Each unit of the tree → the text of its row (up to its subordinates)."""
    found = re.findall(r'<li data-unit="([^"]+)">(.*?)(?=<details|</li>)', html, re.S)
    return {u: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)) for u, text in found}


def token_ids(api: InProcessApi, unit_id: str) -> dict[str, bool]:
    """The unit's tokens as the API lists them: id → revoked."""
    answer = api.client.get("/v1/tokens", params={"unit_id": unit_id}, headers=api.auth())
    assert answer.status_code == 200, answer.text
    return {t["token_id"]: t["revoked"] for t in answer.json()["items"]}


def test_the_tree_shows_every_demo_unit_with_level_sector_and_status(api: InProcessApi) -> None:
    chart = Path(marketplace.demo.__file__).parent / "organisation.yaml"
    demo = yaml.safe_load(chart.read_text("utf-8"))["units"]
    boss = hq(api)
    assert until(lambda: {u["id"] for u in demo} <= set(tree_rows(boss.get("/units").text)))
    page = boss.get("/units")
    assert page.status_code == 200
    rows = tree_rows(page.text)
    levels = {"group": "group", "platform": "platform", "enterprise": "enterprise"}
    for u in demo:
        row = rows[u["id"]]
        assert u["name"] in row and levels[u["level"]] in row
    assert "power" in rows["PWR-01"] and "coal chemicals" in rows["COAL-02"]
    assert "operating" in rows["HEAT-01"]
    # Nested: HQ's details hold the platforms, a platform's its enterprises.
    assert re.search(r'data-unit="HQ">.*?<details open>.*?data-unit="PWR">', page.text, re.S)
    assert "Subordinate units of PWR (3)" in page.text
    assert unlabelled_fields(page.text) == [] and not [
        u for u in urls_of(page.text) if is_external(u)
    ]
    # Any token reads the chart, as GET /v1/units; only HQ gets restructuring forms.
    for unit, role in (
        ("HQ", "bi_reader"),
        ("COAL-01", "unit_operator"),
        ("HEAT", "platform_admin"),
    ):
        user = signed_in(api, unit, role)
        assert "PWR-01" in tree_rows(user.get("/units").text)
        detail = user.get("/units/PWR-01")
        assert detail.status_code == 200
        assert "/units/PWR-01/name" not in detail.text and "/tokens" not in detail.text
    auditor = signed_in(api, "HQ", "auditor").get("/units/PWR-01").text
    assert 'id="unit-tokens"' in auditor and "/units/PWR-01/name" not in auditor
    assert boss.get("/units/NOWHERE").status_code == 404
    chinese = hq(api, language="zh-CN")
    tree = chinese.get("/units").text
    assert "组织架构" in tree and "电力" in tree and "运营中" in tree
    detail = chinese.get("/units/PWR-01").text
    assert "上级单位" in detail and "签发令牌" in detail and "更名" in detail


def test_each_restructuring_form_changes_the_unit(api: InProcessApi) -> None:
    register(api, "UT-A", "SVC")
    boss = hq(api)
    page = "/units/UT-A"
    assert boss.get(page).status_code == 200
    done = boss.submit(page, f"{page}/name", {"name": "Renamed Unit A"})
    assert done.status_code == 303 and done.headers["location"] == page
    assert unit_json(api, "UT-A")["name"] == "Renamed Unit A"
    assert boss.submit(page, f"{page}/parent", {"parent_id": "ENG"}).status_code == 303
    assert unit_json(api, "UT-A")["parent_id"] == "ENG"
    assert boss.submit(page, f"{page}/sector", {"sector": "engineering"}).status_code == 303
    assert unit_json(api, "UT-A")["sector"] == "engineering"
    assert boss.submit(page, f"{page}/active", {"active": "false"}).status_code == 303
    assert unit_json(api, "UT-A")["active"] is False
    shown = boss.get(page).text
    assert "Renamed Unit A" in shown and "deactivated" in shown and "Reactivate the unit" in shown
    assert until(lambda: "deactivated" in tree_rows(boss.get("/units").text).get("UT-A", ""))
    assert boss.submit(page, f"{page}/active", {"active": "true"}).status_code == 303
    assert unit_json(api, "UT-A")["active"] is True
    assert until(lambda: 'data-unit="UT-A"' in boss.get("/units/ENG").text)  # its new parent's


def test_a_refusal_is_a_sentence_and_changes_nothing(api: InProcessApi) -> None:
    register(api, "UT-P", "SVC")
    register(api, "UT-C", "UT-P")
    boss = hq(api)
    page = "/units/UT-P"
    before = unit_json(api, "UT-P")
    moved = boss.submit(page, f"{page}/parent", {"parent_id": "UT-C"})
    assert moved.status_code == 409
    assert "cannot move under itself or under one of its own subordinate units" in moved.text
    assert 'role="alert"' in moved.text
    gone = boss.submit(page, f"{page}/active", {"active": "false"})
    assert gone.status_code == 409 and "still has active subordinate units" in gone.text
    wrong = boss.submit("/units/PWR-01", "/units/PWR-01/parent", {"parent_id": "HQ"})
    assert wrong.status_code == 409 and "an enterprise under a platform" in wrong.text
    assert unit_json(api, "UT-P") == before
    assert unit_json(api, "PWR-01")["parent_id"] == "PWR"
    chinese = hq(api, language="zh-CN").submit(page, f"{page}/parent", {"parent_id": "UT-C"})
    assert chinese.status_code == 409 and "单位不能调整到自身或其下属单位之下" in chinese.text


def test_a_field_error_stands_beside_the_field_with_the_value_kept(api: InProcessApi) -> None:
    register(api, "UT-F", "SVC")
    boss = hq(api)
    page = "/units/UT-F"
    long_name = "N" * 201
    answer = boss.submit(page, f"{page}/name", {"name": long_name})
    assert answer.status_code == 422
    assert 'id="e-name"' in answer.text and "This text is too long." in answer.text
    assert f'value="{long_name}"' in answer.text
    empty = boss.submit(page, f"{page}/sector", {"sector": ""})
    assert empty.status_code == 422 and 'id="e-sector"' in empty.text
    assert unit_json(api, "UT-F")["name"] == "UT-F Co."
    assert unit_json(api, "UT-F")["sector"] == "services"


def test_others_cannot_restructure_and_csrf_is_checked(api: InProcessApi) -> None:
    register(api, "UT-R", "SVC")
    before = unit_json(api, "UT-R")
    page = "/units/UT-R"
    for unit, role in (("HQ", "bi_reader"), ("SVC-01", "unit_operator"), ("SVC", "platform_admin")):
        user = signed_in(api, unit, role)
        for action, field in (
            ("name", {"name": "Taken over"}),
            ("parent", {"parent_id": "ENG"}),
            ("sector", {"sector": "heat"}),
            ("active", {"active": "false"}),
        ):
            answer = user.submit(page, f"{page}/{action}", field)
            assert answer.status_code == 403, (role, action, answer.text)
        issued = user.submit(page, f"{page}/tokens", {"roles": "unit_operator", "label": "x"})
        assert issued.status_code == 403
    boss = hq(api)
    boss.get(page)
    no_csrf = boss.post(f"{page}/name", {"name": "Without CSRF"})
    assert no_csrf.status_code == 403
    assert unit_json(api, "UT-R") == before
    assert token_ids(api, "UT-R") == {}


def test_a_token_is_shown_once_works_and_is_revoked(api: InProcessApi) -> None:
    register(api, "UT-T", "SVC")
    boss = hq(api)
    page = "/units/UT-T"
    answer = boss.submit(
        page, f"{page}/tokens", {"roles": "unit_operator", "label": "ERP link", "expires_at": ""}
    )
    assert answer.status_code == 201
    assert "no-store" in answer.headers["cache-control"]
    secret = re.search(r'<code id="new-token"[^>]*>([^<]+)</code>', answer.text)
    assert secret
    token = secret[1].strip()
    [token_id] = token_ids(api, "UT-T")
    assert token_id in answer.text and "ERP link" in answer.text
    again = boss.get(page).text
    assert token not in again and 'id="new-token"' not in again and token_id in again
    assert token not in str(boss.cookies)
    works = api.client.get("/v1/units/UT-T", headers={"Authorization": f"Bearer {token}"})
    assert works.status_code == 200
    revoked = boss.submit(page, f"{page}/tokens/{token_id}/revoke", {})
    assert revoked.status_code == 303
    assert token_ids(api, "UT-T") == {token_id: True}
    refused = api.client.get("/v1/units/UT-T", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert "revoked" in boss.get(page).text
    assert boss.submit(page, f"{page}/tokens/tok_nowhere/revoke", {}).status_code == 404


def test_a_token_form_keeps_what_was_typed(api: InProcessApi) -> None:
    register(api, "UT-K", "SVC")
    boss = hq(api)
    page = "/units/UT-K"
    none = boss.submit(page, f"{page}/tokens", {"label": "No role chosen"})
    assert none.status_code == 422 and "Choose at least one role." in none.text
    assert 'value="No role chosen"' in none.text
    past = boss.submit(
        page,
        f"{page}/tokens",
        {"roles": "unit_operator", "label": "Old", "expires_at": "2001-01-01T08:00"},
    )
    assert past.status_code == 422 and 'id="e-expires_at"' in past.text
    assert 'value="2001-01-01T08:00"' in past.text
    wrong = boss.submit(page, f"{page}/tokens", {"roles": "hq_admin", "label": "Too much"})
    assert wrong.status_code == 409 and "cannot be given to a unit of this level" in wrong.text
    assert 'id="f-role-hq_admin" name="roles" value="hq_admin" checked' in wrong.text
    for role in ("hq_admin", "platform_admin", "unit_operator", "auditor", "bi_reader"):
        assert f'id="f-role-{role}"' in wrong.text  # every role offered, whoever is signed in
    assert token_ids(api, "UT-K") == {}
