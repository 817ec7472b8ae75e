"""Joint procurement over the in-process API on the demo: a pool opened, joined (a second share
replacing the first), withdrawn from, launched and awarded through `/v1/needs`; its members'
contracts; who sees which budget; the lists; the demo's transformers; the answers to wrong
requests (403/404/409/422) that change nothing; catalog entries with price tiers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api_world import World, bearer, created, later, served_demo

PWR_ADMIN = ("PWR", "platform_admin")
POOL = {"item_code": "TRF-1250KVA", "uom": "pc", "title": "Spare transformers"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    with served_demo("sqlite", tmp_path_factory.mktemp("pools")) as (built, client):
        yield built, client


def auth(world: World, unit: str, role: str = "unit_operator") -> dict[str, str]:
    return bearer(world.token(unit, role))


def error(answer: Any) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def open_pool(world: World, client: TestClient, **extra: Any) -> str:
    body = POOL | {"join_until": later(5)} | extra
    return created(client, world.token(*PWR_ADMIN), "/v1/joint-procurements", body, "id")


def share(unit: str, quantity: str, budget: str = "100000.00") -> dict[str, str]:
    return {"unit_id": unit, "quantity": quantity, "budget_amount": budget}


def test_a_pool_from_opening_to_its_members_contracts(world: tuple[World, TestClient]) -> None:
    built, client = world
    pool_id = open_pool(built, client, required_by=later(40)[:10])
    url = f"/v1/joint-procurements/{pool_id}"
    for unit, quantity in (("PWR-01", "2"), ("PWR-02", "3"), ("PWR-01", "4"), ("PWR-03", "1")):
        answer = client.post(f"{url}/shares", json=share(unit, quantity), headers=auth(built, unit))
        assert answer.status_code == 201, answer.text
    gone = client.delete(f"{url}/shares/PWR-03", headers=auth(built, "PWR-03"))
    assert gone.status_code == 200 and gone.json()["total_quantity"] == "7"
    assert error(client.delete(f"{url}/shares/PWR-03", headers=auth(built, "PWR-03"))) == (
        404,
        "not_found",
    )
    mine = client.get(url, headers=auth(built, "PWR-02")).json()
    assert [(s["unit_id"], s["quantity"], s["budget_amount"]) for s in mine["shares"]] == [
        ("PWR-01", "4", None),  # replaced, in its first place; another member's budget hidden
        ("PWR-02", "3", "100000.00"),
    ]
    assert mine["total_budget"] is None and mine["joining_open"]
    (saving,) = mine["savings"]  # 4 and 3 alone at 98,000.00; 7 together at 92,000.00
    assert (saving["pooled_unit_price"], saving["saving"]) == ("92000.00", "42000.00")
    launched = client.post(
        f"{url}/launch", json={"sourcing": "direct"}, headers=auth(built, *PWR_ADMIN)
    )
    assert launched.status_code == 200, launched.text
    pool = launched.json()
    assert (pool["status"], pool["total_budget"], pool["need_status"]) == (
        "launched",
        "200000.00",
        "open",
    )
    need = client.get(f"/v1/needs/{pool['need_id']}", headers=auth(built, *PWR_ADMIN)).json()
    assert (need["demand_unit_id"], need["quantity"], need["budget_amount"], need["pool_id"]) == (
        "PWR", "7", "200000.00", pool_id)  # fmt: skip
    late = client.post(f"{url}/shares", json=share("PWR-03", "1"), headers=auth(built, "PWR-03"))
    assert error(late) == (409, "pool_launched")
    offer = {"supplier_unit_id": "ENG-02", "unit_price": "91000.00", "quantity": "7"}
    offer |= {"delivery_date": later(30)[:10], "valid_until": later(10)}
    offer_id = created(client, built.token("ENG-02", "unit_operator"),
                       f"/v1/needs/{pool['need_id']}/offers", offer, "offer_id")  # fmt: skip
    awarded = client.post(f"/v1/needs/{pool['need_id']}/award", json={"offer_id": offer_id},
                          headers=auth(built, *PWR_ADMIN))  # fmt: skip
    assert awarded.status_code == 201, awarded.text
    pool = client.get(url, headers=auth(built, *PWR_ADMIN)).json()
    assert pool["status"] == "awarded" and pool["unit_price"] == "91000.00"
    assert awarded.json()["contract_id"] == pool["shares"][0]["contract_id"]
    for s, amount in zip(pool["shares"], ("364000.00", "273000.00"), strict=True):
        contract = client.get(
            f"/v1/contracts/{s['contract_id']}", headers=auth(built, s["unit_id"])
        )
        body = contract.json()
        assert contract.status_code == 200 and body["amount"] == s["amount"] == amount
        assert (body["trade_form"], body["source_id"], body["need_id"]) == (
            "joint",
            pool_id,
            pool["need_id"],
        )
        assert (body["demand_unit_id"], body["supply_unit_id"]) == (s["unit_id"], "ENG-02")


def test_the_lists_show_the_pools_a_unit_may_join_or_is_in(world: tuple[World, TestClient]) -> None:
    built, client = world
    mine = client.get("/v1/joint-procurements?unit_id=PWR-01", headers=auth(built, "PWR-01"))
    titles = {p["title"] for p in mine.json()["items"]}
    assert "Distribution transformers for the three plants' substations" in titles  # the demo's
    assert "Group-wide safety certification of new operators" in titles  # HQ's: it may join
    demo = next(p for p in mine.json()["items"] if p["item_code"] == "TRF-1250KVA"
                and p["status"] == "awarded" and p["member_count"] == 3)  # fmt: skip
    assert [(s["unit_id"], s["amount"]) for s in demo["shares"]] == [
        ("PWR-01", "525000.00"), ("PWR-02", "262500.00"), ("PWR-03", "175000.00")]  # fmt: skip
    heat = client.get("/v1/joint-procurements", headers=auth(built, "HEAT-02")).json()["items"]
    assert {p["lead_unit_id"] for p in heat} == {"HQ"}  # PWR's pools are not its to see
    hq = auth(built, "HQ", "hq_admin")
    awarded = client.get("/v1/joint-procurements?status=awarded&limit=1", headers=hq)
    assert [p["status"] for p in awarded.json()["items"]] == ["awarded"]
    # Pages (the demo has two pools at least, whatever this module's other tests added).
    first = client.get("/v1/joint-procurements?limit=1", headers=hq).json()
    cursor = first["next_cursor"]
    assert cursor
    then = client.get("/v1/joint-procurements", params={"limit": 1, "cursor": cursor}, headers=hq)
    assert [p["id"] for p in then.json()["items"]] != [p["id"] for p in first["items"]]
    other = client.get("/v1/joint-procurements?unit_id=PWR-01", headers=auth(built, "HEAT-02"))
    assert error(other) == (403, "forbidden")
    assert (
        error(client.get("/v1/joint-procurements?status=done", headers=auth(built, "HEAT-02")))[0]
        == 422
    )


def test_wrong_requests_are_refused_and_change_nothing(world: tuple[World, TestClient]) -> None:
    built, client = world
    pool_id = open_pool(built, client)
    url = f"/v1/joint-procurements/{pool_id}"
    head = built.head()
    pwr = auth(built, *PWR_ADMIN)
    opening, shares, launch = "/v1/joint-procurements", f"{url}/shares", f"{url}/launch"
    soon = POOL | {"join_until": later(5)}
    direct = {"sourcing": "direct"}
    cases = [
        (client.post(opening, json={}, headers=pwr), (422, "invalid_request")),
        (client.post(opening, json=soon, headers=auth(built, "PWR-01")), (403, "forbidden")),
        (client.post(opening, json=POOL | {"join_until": later(-1)}, headers=pwr),
         (409, "join_until_in_past")),
        (client.post(opening, json=soon | {"item_code": "NOT-LISTED"}, headers=pwr),
         (422, "invalid_request")),  # no category, and none in the catalog
        (client.post(opening, json=soon | {"category": "product"}, headers=pwr),
         (422, "invalid_request")),  # a category without its subcategory
        (client.post(shares, json=share("HEAT-01", "1"), headers=auth(built, "HQ", "hq_admin")),
         (403, "forbidden")),  # outside the lead's reach
        (client.post(shares, json=share("PWR-09", "1"), headers=pwr), (404, "not_found")),
        (client.post(shares, json=share("PWR-01", "0"), headers=pwr), (422, "invalid_request")),
        (client.post(shares, json=share("PWR-01", "1", "1e3"), headers=pwr),
         (422, "invalid_request")),
        (client.post(launch, json=direct, headers=pwr), (409, "pool_empty")),
        (client.post(launch, json={"sourcing": "auction"}, headers=pwr), (422, "invalid_request")),
        (client.post(launch, json=direct, headers=auth(built, "PWR-01")), (403, "forbidden")),
        (client.get(url, headers=auth(built, "HEAT-01")), (403, "forbidden")),
        (client.get(url, headers=auth(built, "HQ", "bi_reader")), (403, "forbidden")),
        (client.get(f"{opening}/jp_none", headers=pwr), (404, "not_found")),
    ]  # fmt: skip
    assert [error(answer) for answer, _ in cases] == [want for _, want in cases]
    assert built.head() == head
    joined = client.post(f"{url}/shares", json=share("PWR-01", "1"), headers=pwr)
    assert joined.status_code == 201
    undated = client.post(f"{url}/launch", json={"sourcing": "direct"}, headers=pwr)
    assert (
        undated.status_code == 422
        and undated.json()["error"]["details"][0]["field"] == "required_by"
    )


def test_catalog_entries_take_price_tiers(world: tuple[World, TestClient]) -> None:
    built, client = world
    hq = built.token("HQ", "hq_admin")
    version = {"period": "2036H1", "effective_from": "2036-01-01", "effective_to": "2036-06-30",
               "submission_deadline": later(5)}  # fmt: skip
    version_id = created(client, hq, "/v1/catalog/versions", version, "id")
    entry = {"supplier_unit_id": "ENG-02", "category": "product", "subcategory": "other",
             "item_code": "TRF-2500KVA", "item_name": "Transformer 2500 kVA", "uom": "pc",
             "reference_price": "150000.00",
             "price_breaks": [{"min_quantity": "4", "unit_price": "140000.00"},
                              {"min_quantity": 8, "unit_price": "132000.00"}]}  # fmt: skip
    url = f"/v1/catalog/versions/{version_id}/submissions"
    eng = auth(built, "ENG", "platform_admin")
    wrong = [
        entry | {"reference_price": None},
        entry | {"price_breaks": list(reversed(entry["price_breaks"]))},
        entry | {"price_breaks": [{"min_quantity": "4", "unit_price": "160000.00"}]},
        entry | {"price_breaks": [{"min_quantity": "4"}]},
    ]
    for body in wrong:
        assert error(client.post(url, json={"entries": [body]}, headers=eng)) == (
            422,
            "invalid_request",
        )
    assert client.post(url, json={"entries": [entry]}, headers=eng).status_code == 201
    shown = client.get(f"/v1/catalog/versions/{version_id}", headers=bearer(hq)).json()
    (listed,) = shown["entries"]
    assert listed["price_breaks"] == [
        {"min_quantity": "4", "unit_price": "140000.00"},
        {"min_quantity": "8", "unit_price": "132000.00"},
    ]


def test_the_lead_calls_a_pool_off_and_it_takes_nothing_more(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    pool_id = open_pool(built, client, required_by=later(40)[:10])
    url = f"/v1/joint-procurements/{pool_id}"
    joined = client.post(f"{url}/shares", json=share("PWR-01", "2"), headers=auth(built, "PWR-01"))
    assert joined.status_code == 201, joined.text
    reason = {"reason": "Each plant buys alone."}
    member = client.post(f"{url}/cancel", json=reason, headers=auth(built, "PWR-01"))
    assert member.status_code == 403  # a member is not the lead
    assert (
        client.post(
            f"{url}/cancel", json={"reason": ""}, headers=auth(built, *PWR_ADMIN)
        ).status_code
        == 422
    )
    head = built.head()
    called_off = client.post(f"{url}/cancel", json=reason, headers=auth(built, *PWR_ADMIN))
    assert (called_off.status_code, called_off.json()["status"]) == (200, "cancelled")
    assert built.head() == head + 1
    head = built.head()
    for refused in (
        client.post(f"{url}/shares", json=share("PWR-02", "1"), headers=auth(built, "PWR-02")),
        client.delete(f"{url}/shares/PWR-01", headers=auth(built, "PWR-01")),
        client.post(f"{url}/launch", json={"sourcing": "direct"}, headers=auth(built, *PWR_ADMIN)),
        client.post(f"{url}/cancel", json=reason, headers=auth(built, *PWR_ADMIN)),
    ):
        assert error(refused) == (409, "pool_cancelled")
    assert built.head() == head  # nothing changed


def notices(world: World, client: TestClient, unit: str, role: str, subject: str) -> list[Any]:
    """The unit's in-app notifications about `subject`, newest first."""
    answer = client.get("/v1/notifications?limit=200", headers=auth(world, unit, role))
    assert answer.status_code == 200, answer.text
    return [n for n in answer.json()["items"] if n["subject"] == subject]


def test_the_lead_hears_of_each_share_and_the_members_of_the_launch_without_budgets(
    world: tuple[World, TestClient],
) -> None:
    """The app's notifier routes each act before the read answers (read-your-writes)."""
    built, client = world
    pool_id = open_pool(built, client, required_by=later(40)[:10])
    url = f"/v1/joint-procurements/{pool_id}"
    for unit, budget in (("PWR-01", "271828.00"), ("PWR-02", "314159.00"), ("PWR-03", "1.00")):
        answer = client.post(f"{url}/shares", json=share(unit, "2", budget),
                             headers=auth(built, unit))  # fmt: skip
        assert answer.status_code == 201, answer.text
    assert client.delete(f"{url}/shares/PWR-03", headers=auth(built, "PWR-03")).status_code == 200
    launched = client.post(f"{url}/launch", json={"sourcing": "direct"},
                           headers=auth(built, *PWR_ADMIN))  # fmt: skip
    assert launched.status_code == 200, launched.text

    jp = "marketplace.joint_procurement."
    lead = [n["event_type"] for n in notices(built, client, *PWR_ADMIN, pool_id)]
    assert lead == [f"{jp}withdrawn.v1", *[f"{jp}joined.v1"] * 3]  # not its own launch
    for unit in ("PWR-01", "PWR-02"):
        (told,) = notices(built, client, unit, "unit_operator", pool_id)
        assert told["event_type"] == f"{jp}launched.v1"
        assert launched.json()["need_id"] in told["body"]
        assert "2 家成员单位的合计数量 4 " in told["body"]  # zh-CN, the default
        assert "271828" not in told["body"] and "314159" not in told["body"]
        assert "585987" not in told["body"]  # nor their total
    assert notices(built, client, "PWR-03", "unit_operator", pool_id) == []  # it left
