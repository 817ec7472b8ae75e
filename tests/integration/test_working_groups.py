"""The synergy bodies in process: the API's refusals (403, 404, 409, 422) change nothing, and
the `/working-groups` pages act through the same bodies and handlers — HQ sets a group up,
revises and dissolves it; others read; refusals said on the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, operator, unlabelled_fields


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("bodies"))) as served:
        yield served


def hq(api: InProcessApi, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[("HQ", "hq_admin")]).status_code == 303
    return user


def body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Steam coordination",
        "sectors": ["heat"],
        "categories": ["product"],
        "members": ["HEAT", "HEAT-01"],
        "lead_unit_id": "HEAT",
    } | changes


def groups(api: InProcessApi, **params: str) -> list[dict[str, Any]]:
    answer = api.client.get("/v1/working-groups", params=params, headers=api.auth())
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_api_refusals_change_nothing(api: InProcessApi) -> None:
    head = api.svc.store.head()
    post = api.client.post
    cases = [
        (api.auth("PWR", "platform_admin"), body(), 403, "forbidden"),
        (api.auth("PWR-01", "unit_operator"), body(), 403, "forbidden"),
        (api.auth(), body(lead_unit_id="PWR"), 409, "lead_not_a_member"),
        (api.auth(), body(sectors=["shipping"]), 409, "unknown_sector"),
        (api.auth(), body(members=["HEAT", "GHOST"]), 404, "not_found"),
        (api.auth(), body(categories=["services"]), 422, "invalid_request"),
        (api.auth(), body(sectors=[], categories=[]), 422, "invalid_request"),
        (api.auth(), body(members=["HEAT", "HEAT"]), 422, "invalid_request"),
    ]
    for headers, sent, status, code in cases:
        answer = post("/v1/working-groups", json=sent, headers=headers)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), sent
    put = api.client.put
    answer = put(
        "/v1/leadership-group",
        json={"members": ["HQ"], "office_unit_id": "HQ"},
        headers=api.auth("PWR", "platform_admin"),
    )
    assert answer.status_code == 403
    assert api.svc.store.head() == head


def test_hq_sets_up_revises_and_dissolves_a_group_on_its_pages(api: InProcessApi) -> None:
    desk = hq(api)
    page = desk.get("/working-groups")
    assert page.status_code == 200
    assert "煤电化协调工作组" in page.text and 'id="leadership-office"' in page.text
    assert unlabelled_fields(page.text) == []

    refused = desk.submit("/working-groups", "/working-groups", {
        "name": "Boilers", "sectors": "heat", "members": "HEAT HEAT-02", "lead_unit_id": "PWR",
    })  # fmt: skip
    assert refused.status_code == 409
    assert "The lead unit must be one of the member units." in refused.text
    invalid = desk.submit("/working-groups", "/working-groups", {
        "name": "Boilers", "members": "HEAT", "lead_unit_id": "HEAT",
    })  # fmt: skip
    assert invalid.status_code == 422 and 'id="e-sectors"' in invalid.text
    assert not [g for g in groups(api) if g["name"] == "Boilers"]

    made = desk.submit("/working-groups", "/working-groups", {
        "name": "Boilers", "sectors": "heat", "categories": "engineering",
        "members": "HEAT, HEAT-02", "lead_unit_id": "HEAT-02",
    })  # fmt: skip
    assert made.status_code == 303, made.text
    where = made.headers["location"]
    (formed,) = [g for g in groups(api) if g["name"] == "Boilers"]
    assert (formed["members"], formed["lead_unit_id"]) == (["HEAT", "HEAT-02"], "HEAT-02")
    assert where == f"/working-groups/{formed['id']}"

    revised = desk.submit(where, where, {
        "name": "Boilers and steam", "sectors": "heat", "categories": "engineering",
        "members": "HEAT HEAT-02 PWR-03", "lead_unit_id": "HEAT",
    })  # fmt: skip
    assert revised.status_code == 303, revised.text
    assert [g["name"] for g in groups(api, unit_id="PWR-03")] == ["Boilers and steam"]

    reader = operator(api, "PWR-03", language="zh-CN")
    shown = reader.get(where)
    assert shown.status_code == 200 and "运行中" in shown.text
    assert "撤销工作组" not in shown.text  # only HQ changes it
    forbidden = reader.post(f"{where}/dissolve", {"csrf": reader.csrf(where), "reason": "x"})
    assert forbidden.status_code == 403

    gone = desk.submit(where, f"{where}/dissolve", {"reason": "Boiler plan agreed."})
    assert gone.status_code == 303
    assert groups(api, unit_id="PWR-03")[0]["status"] == "dissolved"
    again = desk.get(where)
    assert "Revise the working group" not in again.text and "Boiler plan agreed." in again.text
    late = desk.post(where, {"csrf": desk.csrf("/working-groups"), "name": "x", "sectors": "heat",
                             "members": "HEAT", "lead_unit_id": "HEAT"})  # fmt: skip
    assert late.status_code == 409 and "is dissolved" in late.text


def test_the_pages_in_chinese(api: InProcessApi) -> None:
    page = hq(api, "zh-CN").get("/working-groups?sector=engineering")
    assert page.status_code == 200
    assert "协同领导小组" in page.text and "设立工作组" in page.text
    assert "工程建设与服务协调工作组" in page.text and "煤电化协调工作组" not in page.text
