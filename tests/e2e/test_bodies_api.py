"""The synergy bodies over HTTP (paper §3.1.1-3.1.2): the demo's leadership group and working
groups; HQ forms, revises and dissolves a working group and recomposes the leadership group;
every signed-in token reads them; refusals (403, 404, 409, 422)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of


def group(**changes: object) -> dict[str, object]:
    return {
        "name": "热电联产协调工作组",
        "sectors": ["power", "heat"],
        "categories": ["product"],
        "members": ["PWR", "HEAT", "HEAT-02"],
        "lead_unit_id": "HEAT",
    } | changes


@pytest.mark.both_stores
def test_hq_forms_revises_and_dissolves_a_working_group(demo: Server) -> None:
    hq, plant = demo.admin, as_unit(demo, "HEAT-02")
    formed = hq.post("/v1/working-groups", json=group())
    assert formed.status_code == 201, formed.text
    wg = formed.json()
    assert (wg["status"], wg["lead_unit_id"], wg["members"]) == (
        "active",
        "HEAT",
        ["PWR", "HEAT", "HEAT-02"],
    )
    path = f"/v1/working-groups/{wg['id']}"
    assert plant.get(path).json()["name"] == "热电联产协调工作组"

    revised = hq.patch(path, json={"members": ["PWR", "HEAT", "PWR-02"], "lead_unit_id": "PWR"})
    assert revised.status_code == 200, revised.text
    assert (revised.json()["members"], revised.json()["lead_unit_id"]) == (
        ["PWR", "HEAT", "PWR-02"],
        "PWR",
    )
    mine = plant.get("/v1/working-groups", params={"unit_id": "HEAT-02"}).json()["items"]
    assert wg["id"] not in [g["id"] for g in mine]  # HEAT-02 left it
    theirs = plant.get("/v1/working-groups", params={"unit_id": "PWR-02"}).json()["items"]
    assert [g["id"] for g in theirs] == [wg["id"]]

    dissolved = hq.post(f"{path}/dissolve", json={"reason": "The heating season plan is agreed."})
    assert dissolved.status_code == 200, dissolved.text
    assert (dissolved.json()["status"], dissolved.json()["reason"]) == (
        "dissolved",
        "The heating season plan is agreed.",
    )
    error_of(hq.patch(path, json={"name": "x"}), 409, "working_group_dissolved")
    error_of(hq.post(f"{path}/dissolve", json={"reason": "again"}), 409, "working_group_dissolved")
    listed = hq.get("/v1/working-groups", params={"unit_id": "PWR-02", "status": "dissolved"})
    assert [(g["id"], g["status"]) for g in listed.json()["items"]] == [(wg["id"], "dissolved")]


def test_the_demo_has_a_leadership_group_and_working_groups_any_token_reads(
    demo: Server,
) -> None:
    reader = as_unit(demo, "SVC-02")
    leadership = reader.get("/v1/leadership-group")
    assert leadership.status_code == 200, leadership.text
    assert (leadership.json()["group_unit_id"], leadership.json()["office_unit_id"]) == ("HQ", "HQ")
    coal = reader.get("/v1/working-groups", params={"sector": "coal_chemical"}).json()["items"]
    assert [g["name"] for g in coal] == ["煤电化协调工作组"]
    assert coal[0]["lead_unit_id"] == "COAL"
    eng = reader.get("/v1/working-groups", params={"unit_id": "ENG-02"}).json()["items"]
    assert [g["categories"] for g in eng] == [["engineering", "service"]]
    first = reader.get("/v1/working-groups", params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    error_of(reader.get("/v1/working-groups", params={"colour": "red"}), 422, "invalid_request")


def test_hq_recomposes_the_leadership_group(demo: Server) -> None:
    hq = demo.admin
    members = ["HQ", "PWR", "HEAT", "COAL", "ENG", "SVC", "SVC-01"]
    changed = hq.put("/v1/leadership-group", json={"members": members, "office_unit_id": "SVC-01"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["members"], changed.json()["office_unit_id"]) == (members, "SVC-01")
    again = hq.put("/v1/leadership-group", json={"members": members, "office_unit_id": "SVC-01"})
    assert again.json() == changed.json()
    error_of(
        as_unit(demo, "SVC-01").put(
            "/v1/leadership-group", json={"members": ["HQ"], "office_unit_id": "HQ"}
        ),
        403,
        "forbidden",
    )
    error_of(
        hq.put("/v1/leadership-group", json={"members": ["HQ", "NOPE"], "office_unit_id": "HQ"}),
        404,
        "not_found",
    )
    error_of(
        hq.put("/v1/leadership-group", json={"members": ["HQ", "HQ"], "office_unit_id": "HQ"}),
        422,
        "invalid_request",
    )
    error_of(hq.put("/v1/leadership-group", json={"members": []}), 422, "invalid_request")


def test_refusals(demo: Server) -> None:
    hq = demo.admin
    for who in (as_unit(demo, "COAL-02"), demo.client(demo.token("COAL", "platform_admin"))):
        error_of(who.post("/v1/working-groups", json=group()), 403, "forbidden")
    error_of(
        hq.post("/v1/working-groups", json=group(lead_unit_id="ENG")), 409, "lead_not_a_member"
    )
    error_of(hq.post("/v1/working-groups", json=group(sectors=["fishing"])), 409, "unknown_sector")
    error_of(hq.post("/v1/working-groups", json=group(members=["PWR", "NOPE"])), 404, "not_found")
    for bad in (
        group(categories=["software"]),
        group(sectors=[], categories=[]),
        group(members=[]),
        group(members=["PWR", "PWR"], lead_unit_id="PWR"),
        group(name=""),
        group(name="a\x07b"),
        group(colour="red"),
    ):
        error_of(hq.post("/v1/working-groups", json=bad), 422, "invalid_request")
    wg = hq.post("/v1/working-groups", json=group(lead_unit_id="PWR")).json()
    path = f"/v1/working-groups/{wg['id']}"
    error_of(as_unit(demo, "PWR-01").patch(path, json={"name": "x"}), 403, "forbidden")
    error_of(
        as_unit(demo, "PWR-01").post(f"{path}/dissolve", json={"reason": "x"}), 403, "forbidden"
    )
    error_of(hq.patch(path, json={"lead_unit_id": "ENG"}), 409, "lead_not_a_member")
    error_of(hq.patch(path, json={"members": ["HEAT"]}), 409, "lead_not_a_member")
    error_of(hq.patch(path, json={"members": []}), 422, "invalid_request")
    error_of(hq.post(f"{path}/dissolve", json={}), 422, "invalid_request")
    error_of(hq.patch("/v1/working-groups/wg-nope", json={"name": "x"}), 404, "not_found")
    error_of(hq.get("/v1/working-groups/wg-nope"), 404, "not_found")
    error_of(demo.client("tok_wrong").get("/v1/working-groups"), 401, "unauthenticated")

    hq.patch("/v1/units/ENG-02", json={"active": False}).raise_for_status()
    error_of(
        hq.patch(path, json={"members": ["PWR", "ENG-02"]}), 409, "unit_inactive"
    )  # a deactivated unit joins no group
    assert hq.get(path).json()["members"] == ["PWR", "HEAT", "HEAT-02"]
