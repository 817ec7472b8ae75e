"""The synergy bodies in process: the API's refusals (403, 404, 409, 422) change nothing, and
the `/working-groups` pages act through the same bodies and handlers — HQ sets the leadership
group, sets a working group up, revises and dissolves it; others read; refusals said on the
page."""

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


def leadership(api: InProcessApi) -> dict[str, Any]:
    answer = api.client.get("/v1/leadership-group", headers=api.auth("PWR-01", "unit_operator"))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_hq_sets_the_leadership_group_on_the_page_and_only_hq(api: InProcessApi) -> None:
    desk = hq(api)
    page = desk.get("/working-groups")
    assert 'action="/leadership-group"' in page.text and 'id="f-lg-office_unit_id"' in page.text
    assert 'value="HQ PWR HEAT COAL ENG SVC"' in page.text  # the form shows the group as it is
    assert unlabelled_fields(page.text) == []

    platform = PortalUser(api, language="en")
    assert platform.sign_in(api.tokens[("PWR", "platform_admin")]).status_code == 303
    read = platform.get("/working-groups")
    assert read.status_code == 200 and 'id="leadership-members">HQ, PWR, HEAT' in read.text
    assert 'action="/leadership-group"' not in read.text
    unit = {"id": "SVC-09", "name": "Closed depot", "level": "enterprise", "parent_id": "SVC"}
    assert api.client.post("/v1/units", json=unit, headers=api.auth()).status_code == 201
    closed = api.client.patch("/v1/units/SVC-09", json={"active": False}, headers=api.auth())
    assert closed.status_code == 200, closed.text
    before, head = leadership(api), api.svc.store.head()
    forbidden = platform.submit(
        "/working-groups", "/leadership-group", {"members": "PWR", "office_unit_id": "PWR"}
    )
    assert forbidden.status_code == 403

    for sent, status, field, words in [
        ({"members": " ", "office_unit_id": "HQ"}, 422, "members", "This field is required."),
        ({"members": "HQ PWR HQ", "office_unit_id": "HQ"}, 422, "members", None),
        ({"members": "HQ", "office_unit_id": "not a unit!"}, 422, "office_unit_id", None),
        ({"members": "HQ", "office_unit_id": ""}, 422, "office_unit_id", None),
        ({"members": "HQ GHOST-9", "office_unit_id": "HQ"}, 404, "members", "No such unit."),
        ({"members": "HQ", "office_unit_id": "GHOST-9"}, 404, "office_unit_id", "No such unit."),
    ]:
        bad = desk.submit("/working-groups", "/leadership-group", sent)
        assert bad.status_code == status, (sent, bad.text)
        assert f'id="e-lg-{field}"' in bad.text, sent
        assert words is None or words in bad.text
        assert f'value="{sent[field]}"' in bad.text  # what was typed, shown again
    inactive = desk.submit(
        "/working-groups", "/leadership-group", {"members": "HQ SVC-09", "office_unit_id": "HQ"}
    )
    assert inactive.status_code == 409 and "The unit is deactivated." in inactive.text
    assert (leadership(api), api.svc.store.head()) == (before, head)

    typed = {"members": "HQ, PWR  COAL", "office_unit_id": "PWR"}
    done = desk.submit("/working-groups", "/leadership-group", typed)
    assert (done.status_code, done.headers["location"]) == (303, "/working-groups")
    after = leadership(api)
    assert (after["members"], after["office_unit_id"]) == (["HQ", "PWR", "COAL"], "PWR")
    shown = platform.get("/working-groups").text
    assert 'id="leadership-members">HQ, PWR, COAL<' in shown
    assert 'id="leadership-office">PWR<' in shown


def test_the_pages_in_chinese(api: InProcessApi) -> None:
    page = hq(api, "zh-CN").get("/working-groups?sector=engineering")
    assert page.status_code == 200
    assert "协同领导小组" in page.text and "设立工作组" in page.text
    assert "设置协同领导小组" in page.text and "办公室所在单位" in page.text
    assert "工程建设与服务协调工作组" in page.text and "煤电化协调工作组" not in page.text
