"""`POST /v1/needs` takes an optional delivery location; `GET /v1/needs/{id}` shows it to the
demand side and to suppliers alike (they price the freight by it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from marketplace.events.public.needs import NEED_POSTED_V1, NEED_POSTED_V2
from marketplace.events.wire import to_cloud_events
from tests.integration.api_world import World, bearer, demo_world
from tests.integration.test_authorisation_matrix import NEED

SITE = {"site": "Urea line, gate 3", "address": "8 Chemical Park Road, Ordos"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    built = demo_world(Path(tmp_path_factory.mktemp("location")))
    try:
        with TestClient(built.app) as client:
            yield built, client
    finally:
        built.svc.store.close()


def post_need(world: tuple[World, TestClient], body: dict[str, Any]) -> httpx.Response:
    built, client = world
    return client.post("/v1/needs", json=body, headers=bearer(op(built, "COAL-02")))


def op(world: World, unit: str) -> str:
    return world.token(unit, "unit_operator")


def invalid_fields(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    return {d["field"] for d in error["details"]}


def test_a_need_posted_with_a_location_shows_it(world: tuple[World, TestClient]) -> None:
    built, client = world
    answer = post_need(world, NEED | {"delivery_location": SITE})
    assert answer.status_code == 201, answer.text
    assert answer.json()["delivery_location"] == SITE
    need_id = answer.json()["id"]
    for unit in ("COAL-02", "HEAT-02"):
        shown = client.get(f"/v1/needs/{need_id}", headers=bearer(op(built, unit)))
        assert shown.status_code == 200, shown.text
        assert shown.json()["delivery_location"] == SITE, unit


def test_the_address_is_optional_and_so_is_the_location(world: tuple[World, TestClient]) -> None:
    site_only = post_need(world, NEED | {"delivery_location": {"site": "Depot 4"}})
    assert site_only.status_code == 201, site_only.text
    assert site_only.json()["delivery_location"] == {"site": "Depot 4", "address": None}
    without = post_need(world, NEED)
    assert without.status_code == 201, without.text
    assert without.json()["delivery_location"] is None


def test_its_posted_event_carries_it_in_v2_and_leaves_it_out_of_v1(
    world: tuple[World, TestClient],
) -> None:
    built, _ = world
    need_id = post_need(world, NEED | {"delivery_location": SITE}).json()["id"]
    posted = built.svc.store.events_of(need_id)[0]  # type: ignore[attr-defined]
    v2, v1 = to_cloud_events(posted, 1)
    assert (v2.type, v1.type) == (NEED_POSTED_V2, NEED_POSTED_V1)
    assert v2.data["spec"]["delivery_location"] == SITE
    newer = ("delivery_location", "lead_id", "pool_id")  # lead_id, pool_id: v2 gained later
    assert v1.data["spec"] == {k: v for k, v in v2.data["spec"].items() if k not in newer}


@pytest.mark.parametrize(
    ("location", "field"),
    [
        ({"site": ""}, "delivery_location.site"),
        ({"address": "8 Chemical Park Road"}, "delivery_location.site"),
        ({"site": "Gate\x073"}, "delivery_location.site"),
        ({"site": "Gate 3", "address": ""}, "delivery_location.address"),
        ({"site": "Gate 3", "floor": "2"}, "delivery_location.floor"),
        ({"site": "x" * 201}, "delivery_location.site"),
        ("Gate 3", "delivery_location"),
    ],
)
def test_a_bad_location_is_refused_naming_the_field(
    world: tuple[World, TestClient], location: Any, field: str
) -> None:
    assert invalid_fields(post_need(world, NEED | {"delivery_location": location})) == {field}
