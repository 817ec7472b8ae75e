"""Issue 14: the administrator's desk `/approvals` over HTTP — its subtree's requests to buy
outside the group awaiting a decision, approved or rejected with a reason through the API's
handler and body, refused as the API refuses, nothing changed by a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import (
    PortalUser,
    is_external,
    need_json,
    operator,
    unlabelled_fields,
    urls_of,
)
from tests.integration.test_authorisation_matrix import NEED


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("approvals"))) as served:
        yield served


def requested(api: InProcessApi, unit: str, title: str) -> tuple[str, str]:
    """A need of `unit` and its request to buy outside, made through the API: (need, request)."""
    body = NEED | {"demand_unit_id": unit, "title": title}
    posted = api.client.post("/v1/needs", json=body, headers=api.auth(unit, "unit_operator"))
    assert posted.status_code == 201, posted.text
    need_id = str(posted.json()["id"])
    ask = {"ground": "beyond_internal_capability", "justification": f"{title}: no one inside."}
    made = api.client.post(
        f"/v1/needs/{need_id}/external-sourcing", json=ask, headers=api.auth(unit, "unit_operator")
    )
    assert made.status_code == 201, made.text
    return need_id, str(made.json()["request_id"])


def admin(api: InProcessApi, platform: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    answer = user.sign_in(api.tokens[(platform, "platform_admin")])
    assert (answer.status_code, answer.headers["location"]) == (303, "/approvals"), answer.text
    return user


def request_of(api: InProcessApi, need_id: str, unit: str) -> dict[str, Any]:
    [found] = need_json(api, need_id, unit)["external_sourcing"]
    return dict(found)


def test_the_desk_shows_its_subtree_and_approves(api: InProcessApi) -> None:
    need_id, request_id = requested(api, "COAL-01", "Desk approval")
    heat_need, heat_request = requested(api, "HEAT-01", "Another platform's")
    coal = admin(api, "COAL")
    page = coal.get("/approvals")
    assert page.status_code == 200
    assert request_id in page.text and f'href="/needs/{need_id}"' in page.text
    assert "Desk approval: no one inside." in page.text  # the justification
    assert "technical difficulty" in page.text  # the ground, as a sentence
    assert heat_request not in page.text and "Another platform" not in page.text
    assert not unlabelled_fields(page.text)
    assert not [u for u in urls_of(page.text) if is_external(u)]

    done = coal.submit("/approvals", f"/approvals/{request_id}/approve", {})
    assert (done.status_code, done.headers["location"]) == (303, "/approvals")
    assert request_of(api, need_id, "COAL-01")["status"] == "approved"
    assert request_id not in coal.get("/approvals").text  # no longer awaiting
    decided = coal.get("/approvals?status=approved").text
    assert request_id in decided and "COAL" in decided
    assert request_id in coal.get("/approvals?status=all").text
    assert request_of(api, heat_need, "HEAT-01")["status"] == "requested"


def test_a_rejection_needs_a_reason_and_a_decision_is_taken_once(api: InProcessApi) -> None:
    need_id, request_id = requested(api, "COAL-02", "Desk rejection")
    coal = admin(api, "COAL")
    action = f"/approvals/{request_id}/reject"
    empty = coal.submit("/approvals", action, {"reason": "  "})
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    assert request_of(api, need_id, "COAL-02")["status"] == "requested"

    done = coal.submit("/approvals", action, {"reason": "HEAT-02 can supply it."})
    assert done.status_code == 303
    found = request_of(api, need_id, "COAL-02")
    assert (found["status"], found["reason"]) == ("rejected", "HEAT-02 can supply it.")
    shown = coal.get("/approvals?status=rejected").text
    assert request_id in shown and "HEAT-02 can supply it." in shown

    again = coal.submit("/approvals", f"/approvals/{request_id}/approve", {})
    assert again.status_code == 409
    assert "This request has already been decided." in again.text
    assert request_of(api, need_id, "COAL-02")["status"] == "rejected"


def test_refusals_change_nothing(api: InProcessApi) -> None:
    need_id, request_id = requested(api, "COAL-03", "Desk refusals")
    approve = f"/approvals/{request_id}/approve"
    # A unit operator has no desk, even for its own unit's request.
    buyer = operator(api, "COAL-03")
    assert buyer.get("/approvals").status_code == 403
    assert buyer.submit("/needs", approve, {}).status_code == 403
    # Another platform's admin: the request is outside its subtree.
    heat = admin(api, "HEAT")
    assert request_id not in heat.get("/approvals?status=all").text
    assert heat.submit("/approvals", approve, {}).status_code == 403
    rejected = heat.submit("/approvals", f"/approvals/{request_id}/reject", {"reason": "No."})
    assert rejected.status_code == 403
    # No CSRF token: refused before anything is done.
    coal = admin(api, "COAL")
    assert coal.post(approve, {}).status_code == 403
    assert coal.post(approve, {"csrf": "forged"}).status_code == 403
    assert request_of(api, need_id, "COAL-03")["status"] == "requested"
    # Unknown requests: 404 pages.
    assert coal.submit("/approvals", f"/approvals/{need_id}-x9/approve", {}).status_code == 404
    assert coal.submit("/approvals", "/approvals/nonsense/approve", {}).status_code == 404
    # Signed out: the sign-in page.
    assert PortalUser(api).get("/approvals").headers["location"] == "/"


def test_hq_sees_every_platform_and_the_desk_speaks_chinese(api: InProcessApi) -> None:
    _, coal_request = requested(api, "COAL-01", "HQ view coal")
    _, power_request = requested(api, "PWR-01", "HQ view power")
    hq = PortalUser(api, language="zh-CN")
    assert hq.sign_in(api.tokens[("HQ", "hq_admin")]).headers["location"] == "/approvals"
    page = hq.get("/approvals").text
    assert coal_request in page and power_request in page
    for chinese in ("审批", "批准", "驳回", "驳回理由", "技术难度"):
        assert chinese in page, chinese
    assert "Approve" not in page
