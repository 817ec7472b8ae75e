"""`GET /v1/external-sourcing`: requests to buy outside the group within the caller's reach (a
platform admin its subtree, an operator its unit, HQ and auditors all), by status and demand
unit, newest first, paged with a cursor; on both stores (the list's join runs on each)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api_world import World, bearer, created, served_demo
from tests.integration.test_authorisation_matrix import NEED

PATH = "/v1/external-sourcing"
pytestmark = pytest.mark.both_stores


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, TestClient]]:
    with served_demo(backend, tmp_path_factory.mktemp("external")) as (built, client):
        build(built, client)
        yield built, client


def ask(world: World, client: TestClient, key: str, unit: str, **ground: str) -> None:
    """A need of `unit` and its request, made in this order (so later ones are newer)."""
    token = world.token(unit, "unit_operator")
    need = created(client, token, "/v1/needs", NEED | {"demand_unit_id": unit, "title": key}, "id")
    body = {"ground": "not_available_internally", "justification": f"Why {key}"} | ground
    path = f"/v1/needs/{need}/external-sourcing"
    world.ids[key] = created(client, token, path, body, "request_id")
    world.ids[f"{key}_need"] = need


def build(world: World, client: TestClient) -> None:
    """COAL-02 waits on one request and bought outside on another; COAL-03's was approved by
    its platform; HEAT-02's was rejected by HQ."""
    ask(world, client, "used", "COAL-02")
    ask(world, client, "approved", "COAL-03")
    ask(world, client, "rejected", "HEAT-02", ground="beyond_internal_capability")
    ask(world, client, "waiting", "COAL-02", ground="insufficient_for_urgent_need", quantity="100")
    coal, hq = world.token("COAL", "platform_admin"), world.token("HQ", "hq_admin")
    ids = world.ids
    for key, token in (("used", coal), ("approved", coal)):
        decided = client.post(f"{PATH}/{ids[key]}/approve", headers=bearer(token))
        assert decided.is_success, decided.text
    rejected = client.post(
        f"{PATH}/{ids['rejected']}/reject", json={"reason": "Ask PWR-01."}, headers=bearer(hq)
    )
    assert rejected.is_success, rejected.text
    closed = client.post(
        f"/v1/needs/{ids['used_need']}/close-external",
        json={"external_supplier": "Outside Steam Ltd"},
        headers=bearer(world.token("COAL-02", "unit_operator")),
    )
    assert closed.is_success, closed.text


def listed(client: TestClient, token: str, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(PATH, params={"limit": 500, **params}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    items: list[dict[str, Any]] = body["items"]
    return items


def names(world: World, items: list[dict[str, Any]]) -> list[str]:
    """The scenario's names of the requests listed, in the list's order."""
    by_id = {v: k for k, v in world.ids.items()}
    return [by_id[i["request_id"]] for i in items]


def test_each_caller_lists_its_reach_newest_first(world: tuple[World, TestClient]) -> None:
    built, client = world
    every = ["waiting", "rejected", "approved", "used"]
    for unit, role in (("HQ", "hq_admin"), ("HQ", "auditor")):
        assert names(built, listed(client, built.token(unit, role))) == every
    coal_admin = built.token("COAL", "platform_admin")
    assert names(built, listed(client, coal_admin)) == ["waiting", "approved", "used"]
    assert names(built, listed(client, built.token("HEAT", "platform_admin"))) == ["rejected"]
    coal_02 = built.token("COAL-02", "unit_operator")
    assert names(built, listed(client, coal_02)) == ["waiting", "used"]
    assert listed(client, built.token("ENG-01", "unit_operator")) == []


def test_an_item_names_its_need_ground_and_decision(world: tuple[World, TestClient]) -> None:
    built, client = world
    ids = built.ids
    items = {i["request_id"]: i for i in listed(client, built.token("HQ", "auditor"))}
    waiting, rejected = items[ids["waiting"]], items[ids["rejected"]]
    assert {k: waiting[k] for k in ("need_id", "demand_unit_id", "title", "item_code", "uom")} == {
        "need_id": ids["waiting_need"],
        "demand_unit_id": "COAL-02",
        "title": "waiting",
        "item_code": NEED["item_code"],
        "uom": NEED["uom"],
    }
    assert (waiting["ground"], waiting["quantity"], waiting["status"]) == (
        "insufficient_for_urgent_need",
        "100",
        "requested",
    )
    assert (waiting["need_quantity"], waiting["justification"]) == (NEED["quantity"], "Why waiting")
    assert waiting["decided_at"] is None and waiting["decided_by_unit_id"] is None
    assert waiting["requested_by_unit_id"] == "COAL-02"
    assert (rejected["status"], rejected["decided_by_unit_id"], rejected["reason"]) == (
        "rejected",
        "HQ",
        "Ask PWR-01.",
    )
    assert rejected["decided_at"] >= rejected["requested_at"]
    assert items[ids["approved"]]["decided_by_unit_id"] == "COAL"
    assert items[ids["used"]]["status"] == "used"


def test_filters_by_status_and_demand_unit(world: tuple[World, TestClient]) -> None:
    built, client = world
    coal = built.token("COAL", "platform_admin")
    assert names(built, listed(client, coal, status="requested")) == ["waiting"]
    assert names(built, listed(client, coal, status="approved")) == ["approved"]
    assert names(built, listed(client, coal, status="used")) == ["used"]
    assert listed(client, coal, status="rejected") == []
    assert names(built, listed(client, coal, unit_id="COAL-03")) == ["approved"]
    hq = built.token("HQ", "hq_admin")
    assert names(built, listed(client, hq, unit_id="COAL-02", status="used")) == ["used"]


def test_refusals(world: tuple[World, TestClient]) -> None:
    built, client = world

    def answer(token: str, **params: str) -> int:
        return client.get(PATH, params=params, headers=bearer(token)).status_code

    assert answer(built.token("COAL", "platform_admin"), unit_id="HEAT-02") == 403
    assert answer(built.token("COAL-02", "unit_operator"), unit_id="COAL-03") == 403
    assert answer(built.token("HQ", "bi_reader")) == 403
    hq = built.token("HQ", "hq_admin")
    assert answer(hq, status="pending") == 422
    assert answer(hq, unit="COAL-02") == 422
    assert answer(hq, cursor="not-a-cursor") == 422
    assert client.get(PATH).status_code == 401


def test_pages_with_a_cursor(world: tuple[World, TestClient]) -> None:
    built, client = world
    hq = built.token("HQ", "auditor")
    whole = listed(client, hq)
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get(PATH, params=params, headers=bearer(hq)).json()
        assert len(page["items"]) <= 1
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole and len(seen) == 4
    foreign = client.get("/v1/contracts", params={"limit": 1}, headers=bearer(hq)).json()
    assert foreign["next_cursor"]  # the demo has contracts: a cursor of another list
    wrong = client.get(PATH, params={"cursor": foreign["next_cursor"]}, headers=bearer(hq))
    assert wrong.status_code == 422, wrong.text
