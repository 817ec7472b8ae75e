"""`/v1/units` over HTTP: roles, refusals with rule codes, validation, concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.refusals import assert_listed_refusal


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    if status == 409:
        assert_listed_refusal(response.request.method, response.request.url.path, code)
    return dict(body["error"])


def unit_count(server: Server) -> int:
    return len(server.admin.get("/v1/units").json()["items"])


def test_the_demo_group_is_there(demo: Server) -> None:
    items = demo.admin.get("/v1/units", params={"level": "platform"}).json()["items"]
    assert {u["sector"] for u in items} == {
        "power",
        "heat",
        "coal_chemical",
        "engineering",
        "services",
    }
    hq = demo.admin.get("/v1/units/HQ").json()
    assert hq == {
        "id": "HQ",
        "name": "Energy Group Headquarters",
        "level": "group",
        "parent_id": None,
        "sector": "group",
        "active": True,
        "language": "zh-CN",  # of its notifications, until the unit changes it
    }


@pytest.mark.both_stores
def test_an_hq_admin_registers_moves_and_deactivates_a_unit(demo: Server) -> None:
    admin = demo.client(demo.token("HQ", "hq_admin"))
    created = admin.post(
        "/v1/units",
        json={
            "id": "PWR-10",
            "name": "Solar Park",
            "level": "enterprise",
            "parent_id": "PWR",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/units/PWR-10"
    assert created.json()["sector"] == "power"
    moved = admin.patch("/v1/units/PWR-10", json={"parent_id": "HEAT", "sector": "heat"})
    assert moved.json() == {
        "id": "PWR-10",
        "name": "Solar Park",
        "level": "enterprise",
        "parent_id": "HEAT",
        "sector": "heat",
        "active": True,
        "language": "zh-CN",
    }
    assert admin.patch("/v1/units/PWR-10", json={"active": False}).json()["active"] is False
    inactive = admin.get("/v1/units", params={"active": "false"}).json()["items"]
    assert [u["id"] for u in inactive] == ["PWR-10"]


def test_reading_needs_a_valid_token(demo: Server) -> None:
    error_of(demo.client().get("/v1/units"), 401, "unauthenticated")
    error_of(demo.client("tok_x.nope").get("/v1/units/HQ"), 401, "unauthenticated")
    assert (
        demo.client(demo.token("COAL-01", "unit_operator")).get("/v1/units/HQ").status_code == 200
    )


@pytest.mark.parametrize(
    ("unit_id", "role"),
    [
        ("PWR", "platform_admin"),
        ("PWR-01", "unit_operator"),
        ("HQ", "auditor"),
        ("HQ", "bi_reader"),
    ],
)
def test_only_hq_admins_restructure(demo: Server, unit_id: str, role: str) -> None:
    before = unit_count(demo)
    client = demo.client(demo.token(unit_id, role))
    body = {"id": "X-1", "name": "x", "level": "enterprise", "parent_id": "PWR"}
    error_of(client.post("/v1/units", json=body), 403, "forbidden")
    error_of(client.patch("/v1/units/PWR-01", json={"name": "hijacked"}), 403, "forbidden")
    assert unit_count(demo) == before
    assert demo.admin.get("/v1/units/PWR-01").json()["name"] != "hijacked"


def test_unknown_units_are_404(demo: Server) -> None:
    error_of(demo.admin.get("/v1/units/NOPE"), 404, "not_found")
    error_of(demo.admin.patch("/v1/units/NOPE", json={"name": "x"}), 404, "not_found")
    error_of(demo.admin.get("/v1/no-such-route"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        (
            "post",
            "/v1/units",
            {"id": "PWR", "name": "x", "level": "platform", "parent_id": "HQ"},
            "unit_exists",
        ),
        ("post", "/v1/units", {"id": "HQ2", "name": "x", "level": "group"}, "group_already_exists"),
        (
            "post",
            "/v1/units",
            {"id": "Y-1", "name": "x", "level": "enterprise", "parent_id": "ZZ"},
            "parent_not_found",
        ),
        (
            "post",
            "/v1/units",
            {"id": "Y-2", "name": "x", "level": "platform", "parent_id": "PWR"},
            "parent_level_not_allowed",
        ),
        ("patch", "/v1/units/COAL", {"parent_id": "COAL-01"}, "parent_level_not_allowed"),
        ("patch", "/v1/units/COAL-01", {"parent_id": "COAL-01"}, "cycle_not_allowed"),
        ("patch", "/v1/units/COAL", {"active": False}, "active_children_exist"),
        ("patch", "/v1/units/HQ", {"active": False}, "group_cannot_be_deactivated"),
    ],
)
def test_rule_refusals_are_409_with_the_rule_and_change_nothing(
    demo: Server, method: str, path: str, body: dict[str, Any], code: str
) -> None:
    before = demo.admin.get("/v1/units").json()
    error_of(getattr(demo.admin, method)(path, json=body), 409, code)
    assert demo.admin.get("/v1/units").json() == before


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        ('{"id": "Z-1", "name": "x",', ["body"]),
        ('{"id": "Z-1", "level": "enterprise", "parent_id": "PWR"}', ["name"]),
        ('{"id": "Z 1!", "name": 5, "level": "planet"}', ["id", "name", "level"]),
        ('{"id": "Z-1", "name": "x", "level": "group", "colour": "red"}', ["colour"]),
        ("[1, 2]", ["body"]),
    ],
)
def test_malformed_requests_are_422_per_field_and_change_nothing(
    demo: Server, content: str, fields: list[str]
) -> None:
    before = unit_count(demo)
    response = demo.admin.post(
        "/v1/units", content=content, headers={"content-type": "application/json"}
    )
    details = error_of(response, 422, "invalid_request")["details"]
    assert sorted({d["field"].split(".")[0] for d in details}) == sorted(fields)
    assert all(d["message"] for d in details)
    assert unit_count(demo) == before


def test_a_patch_with_wrong_types_is_422(demo: Server) -> None:
    details = error_of(
        demo.admin.patch("/v1/units/PWR-01", json={"active": "maybe", "name": ""}),
        422,
        "invalid_request",
    )["details"]
    assert {d["field"] for d in details} == {"active", "name"}


@pytest.mark.both_stores
def test_concurrent_updates_of_one_unit_all_apply_without_errors(demo: Server) -> None:
    def rename(i: int) -> httpx.Response:
        with demo.admin as client:
            return client.patch("/v1/units/SVC-02", json={"name": f"Training Centre v{i}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(rename, range(24)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= 20
    for r in responses:
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "concurrent_modification"
    final = demo.admin.get("/v1/units/SVC-02").json()["name"]
    assert final in {f"Training Centre v{i}" for i in range(24)}


def test_every_response_carries_a_request_id(demo: Server) -> None:
    given = demo.admin.get("/v1/units/HQ", headers={"X-Request-ID": "trace-123"})
    assert given.headers["x-request-id"] == "trace-123"
    assert len(demo.admin.get("/v1/units/HQ").headers["x-request-id"]) == 32
