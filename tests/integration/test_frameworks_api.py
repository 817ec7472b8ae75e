"""Framework agreements over the in-process API: drawn up and signed, call-offs refused before
signing, outside the period's dates, unpriced or over the schedule; amendments answered by the
other party only; a special task's price escalated to HQ and decided; racing call-offs never
exceed a period (both stores); refusals leave no trace; the list by reach."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.handlers import frameworks
from marketplace.handlers.auth import Principal
from tests.integration.api_world import World, bearer, created, served_demo

PWR, COAL = ("PWR-01", "unit_operator"), ("COAL-03", "unit_operator")


def body(**change: Any) -> dict[str, Any]:
    """PWR-01 buys thermal coal from COAL-03 in 2032: two months priced, a quarter not."""
    return {
        "demand_unit_id": "PWR-01",
        "supply_unit_id": "COAL-03",
        "item_code": "THERMAL-COAL-5500",
        "uom": "t",
        "from": "2032-01-01",
        "to": "2032-06-30",
        "schedule": [
            {"period": "2032-01", "quantity": "500", "unit_price": "612.50"},
            {"period": "2032-02", "quantity": "500", "unit_price": "612.50"},
            {"period": "2032Q2", "quantity": "1500"},
        ],
    } | change


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, TestClient]]:
    with served_demo(backend, tmp_path_factory.mktemp("frameworks")) as (built, client):
        yield built, client


def on(world: World, day: str, hour: int = 2) -> None:
    """The clock at `hour` UTC of `day` (10:00 in the group's zone, Asia/Shanghai)."""
    moment = datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)
    world.svc.clock = lambda: moment


def auth(world: World, who: tuple[str, str]) -> dict[str, str]:
    return bearer(world.token(*who))


def code(answer: Any) -> str:
    return str(answer.json()["error"]["code"])


def signed(built: World, client: TestClient, draft: dict[str, Any]) -> str:
    """Drawn up by the demand unit, signed by the supplier, then by the demand unit."""
    demand = (draft["demand_unit_id"], "unit_operator")
    framework_id = created(client, built.token(*demand), "/v1/frameworks", draft, "id")
    for who in (COAL, demand):
        answer = client.post(f"/v1/frameworks/{framework_id}/sign", headers=auth(built, who))
        assert answer.status_code == 200, answer.text
    return framework_id


def test_call_offs_follow_the_schedule(world: tuple[World, TestClient]) -> None:
    built, client = world
    on(built, "2031-12-20")
    framework_id = created(client, built.token(*PWR), "/v1/frameworks", body(), "id")
    url = f"/v1/frameworks/{framework_id}"
    on(built, "2032-01-05")
    early = client.post(f"{url}/call-offs", json={"period": "2032-01", "quantity": "10"},
                        headers=auth(built, PWR))  # fmt: skip
    assert (early.status_code, code(early)) == (409, "framework_not_active")
    for who in (COAL, PWR):
        assert client.post(f"{url}/sign", headers=auth(built, who)).status_code == 200
    again = client.post(f"{url}/sign", headers=auth(built, COAL))
    assert (again.status_code, code(again)) == (409, "already_signed")
    by_supplier = client.post(f"{url}/call-offs", json={"period": "2032-01", "quantity": "10"},
                              headers=auth(built, COAL))  # fmt: skip
    assert by_supplier.status_code == 403
    made = client.post(f"{url}/call-offs", json={"period": "2032-01", "quantity": "300"},
                       headers=auth(built, PWR))  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json() | {"contract_id": "c"} == {
        "contract_id": "c", "call_off_id": f"{framework_id}/2032-01/1", "period": "2032-01",
        "quantity": "300", "unit_price": "612.50", "amount": "183750.00",
        "delivery_date": "2032-01-31", "remaining": "200",
    }  # fmt: skip
    contract = client.get(f"/v1/contracts/{made.json()['contract_id']}", headers=auth(built, COAL))
    assert {k: contract.json()[k] for k in ("status", "trade_form", "source_id", "need_id")} == {
        "status": "active", "trade_form": "framework",
        "source_id": f"{framework_id}/2032-01/1", "need_id": None,
    }  # fmt: skip
    head = built.head()
    refusals = {
        ("2032-01", "200.5"): "over_schedule",
        ("2032-02", "10"): "outside_framework",
        ("2032-03", "10"): "period_not_scheduled",
    }
    for (period, quantity), refused in refusals.items():
        answer = client.post(f"{url}/call-offs", json={"period": period, "quantity": quantity},
                             headers=auth(built, PWR))  # fmt: skip
        assert (answer.status_code, code(answer)) == (409, refused), answer.text
    over = client.post(f"{url}/call-offs", json={"period": "2032-01", "quantity": "201"},
                       headers=auth(built, PWR))  # fmt: skip
    assert over.json()["error"]["details"] == {
        "period": "2032-01", "scheduled": "500", "called_off": "300", "remaining": "200",
    }  # fmt: skip
    on(built, "2032-04-02")
    unpriced = client.post(f"{url}/call-offs", json={"period": "2032Q2", "quantity": "10"},
                           headers=auth(built, PWR))  # fmt: skip
    assert (unpriced.status_code, code(unpriced)) == (409, "period_not_priced")
    assert built.head() == head  # the refusals changed nothing
    shown = client.get(url, headers=auth(built, COAL)).json()
    assert [(p["period"], p["from"], p["to"], p["called_off"], p["remaining"])
            for p in shown["periods"]] == [
        ("2032-01", "2032-01-01", "2032-01-31", "300", "200"),
        ("2032-02", "2032-02-01", "2032-02-29", "0", "500"),
        ("2032Q2", "2032-04-01", "2032-06-30", "0", "1500"),
    ]  # fmt: skip
    assert [s["unit_id"] for s in shown["signatures"]] == ["COAL-03", "PWR-01"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schedule": []}, "schedule"),
        ({"schedule": [{"period": "2032-13", "quantity": "1"}]}, "schedule.0.period"),
        ({"schedule": [{"period": "2032Q5", "quantity": "1"}]}, "schedule.0.period"),
        ({"schedule": [{"period": "2032-01", "quantity": "0"}]}, "schedule.0.quantity"),
        ({"schedule": [{"period": "2032-01", "quantity": "1", "unit_price": 612.5}]},
         "schedule.0.unit_price"),
        ({"from": "2032/01/01"}, "from"),
        ({"shortfall_tolerance_pct": "101"}, "shortfall_tolerance_pct"),
        ({"business_type": "urgent"}, "business_type"),
    ],
)  # fmt: skip
def test_a_bad_agreement_is_refused_naming_the_field(
    world: tuple[World, TestClient], change: dict[str, Any], field: str
) -> None:
    built, client = world
    answer = client.post("/v1/frameworks", json=body(**change), headers=auth(built, PWR))
    assert answer.status_code == 422, answer.text
    assert field in {d["field"] for d in answer.json()["error"]["details"]}


def test_the_schedules_rules_and_who_draws_one_up(world: tuple[World, TestClient]) -> None:
    built, client = world
    on(built, "2031-12-20")
    head = built.head()
    cases = {
        "invalid_schedule": body(schedule=[{"period": "2032-01", "quantity": "1"},
                                           {"period": "2032Q1", "quantity": "1"}]),
        "invalid_framework_dates": body(**{"from": "2032-07-01"}),
        "self_supply": body(supply_unit_id="PWR-01"),
        "directive_required": body(business_type="special_task"),
    }  # fmt: skip
    for refused, draft in cases.items():
        answer = client.post("/v1/frameworks", json=draft, headers=auth(built, PWR))
        assert (answer.status_code, code(answer)) == (409, refused), answer.text
    foreign = client.post(
        "/v1/frameworks", json=body(), headers=auth(built, ("HEAT-01", "unit_operator"))
    )
    assert foreign.status_code == 403
    unknown = client.post("/v1/frameworks", json=body(supply_unit_id="COAL-77"),
                          headers=auth(built, PWR))  # fmt: skip
    assert unknown.status_code == 404
    assert built.head() == head
    by_platform = client.post(
        "/v1/frameworks", json=body(), headers=auth(built, ("COAL", "platform_admin"))
    )
    assert by_platform.status_code == 201 and by_platform.json()["status"] == "awaiting_signatures"


def test_amendments_need_the_other_partys_consent(world: tuple[World, TestClient]) -> None:
    built, client = world
    on(built, "2031-12-20")
    framework_id = signed(built, client, body())
    url = f"{url_of(framework_id)}/amendments"
    on(built, "2032-01-10")
    empty = client.post(url, json={"period": "2032-02", "reason": "?"}, headers=auth(built, COAL))
    assert empty.status_code == 422
    started = client.post(url, json={"period": "2032-01", "quantity": "400", "reason": "Less."},
                          headers=auth(built, COAL))  # fmt: skip
    assert (started.status_code, code(started)) == (409, "period_not_amendable")
    proposed = client.post(url, json={"period": "2032-02", "quantity": "450",
                                      "reason": "Longwall maintenance."},
                           headers=auth(built, COAL))  # fmt: skip
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["number"] == 1 and proposed.json()["status"] == "pending"
    own = client.post(f"{url}/1/accept", headers=auth(built, COAL))
    assert (own.status_code, code(own)) == (409, "own_amendment")
    stranger = client.post(f"{url}/1/accept", headers=auth(built, ("HEAT-01", "unit_operator")))
    assert stranger.status_code == 403
    accepted = client.post(f"{url}/1/accept", headers=auth(built, PWR))
    assert accepted.status_code == 200, accepted.text
    late_price = client.post(
        url,
        json={"period": "2032Q2", "unit_price": "598.00", "reason": "Index fell."},
        headers=auth(built, PWR),
    )
    assert late_price.status_code == 201
    rejected = client.post(f"{url}/2/reject", json={"reason": "Freight rose."},
                           headers=auth(built, COAL))  # fmt: skip
    assert rejected.json()["status"] == "rejected"
    regular = client.post(
        url,
        json={"period": "2032Q2", "unit_price": "600.00", "reason": "Midway."},
        headers=auth(built, COAL),
    )
    assert regular.status_code == 201
    escalated = client.post(f"{url}/3/escalate", headers=auth(built, PWR))
    assert (escalated.status_code, code(escalated)) == (409, "not_special_task")
    missing = client.post(f"{url}/9/accept", headers=auth(built, PWR))
    assert missing.status_code == 404
    shown = client.get(url_of(framework_id), headers=auth(built, PWR)).json()
    assert [(a["number"], a["period"], a["status"], a["proposed_by"], a["answered_by"],
             a["reason"], a["answer_reason"]) for a in shown["amendments"]] == [
        (1, "2032-02", "accepted", "COAL-03", "PWR-01", "Longwall maintenance.", None),
        (2, "2032Q2", "rejected", "PWR-01", "COAL-03", "Index fell.", "Freight rose."),
        (3, "2032Q2", "pending", "COAL-03", None, "Midway.", None),
    ]  # fmt: skip
    assert [(p["period"], p["quantity"], p["unit_price"]) for p in shown["periods"]] == [
        ("2032-01", "500", "612.50"), ("2032-02", "450", "612.50"), ("2032Q2", "1500", None),
    ]  # fmt: skip


def url_of(framework_id: str) -> str:
    return f"/v1/frameworks/{framework_id}"


def test_a_special_tasks_price_is_decided_by_the_superiors(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    on(built, "2031-12-20")
    hq = built.token("HQ", "hq_admin")
    directive = {"demand_unit_id": "PWR-01", "supply_unit_id": "COAL-03",
                 "item_code": "THERMAL-COAL-5500", "quantity": "2500",
                 "rationale": "Winter reserve for the grid."}  # fmt: skip
    directive_id = created(client, hq, "/v1/directives", directive, "id")
    framework_id = signed(
        built, client, body(business_type="special_task", directive_id=directive_id)
    )
    url = f"{url_of(framework_id)}/amendments"
    on(built, "2032-03-01")
    price = {"period": "2032Q2", "unit_price": "640.00", "reason": "Cost of the reserve."}
    assert client.post(url, json=price, headers=auth(built, COAL)).status_code == 201
    early = client.post(f"{url}/1/decision", json={"unit_price": "620.00"},
                        headers=bearer(hq))  # fmt: skip
    assert early.status_code == 403  # nothing escalated: no mediator yet
    escalated = client.post(f"{url}/1/escalate", headers=auth(built, PWR))
    assert escalated.json()["mediator_unit_id"] == "HQ"  # power and coal: different sectors
    mediator = client.get(url_of(framework_id), headers=auth(built, ("PWR", "platform_admin")))
    assert mediator.status_code == 200
    by_platform = client.post(f"{url}/1/decision", json={"unit_price": "620.00"},
                              headers=auth(built, ("PWR", "platform_admin")))  # fmt: skip
    assert by_platform.status_code == 403
    decided = client.post(f"{url}/1/decision", json={"unit_price": "620.00"}, headers=bearer(hq))
    assert decided.status_code == 200, decided.text
    assert (decided.json()["status"], decided.json()["answered_by"]) == ("decided", "HQ")
    shown = client.get(url_of(framework_id), headers=auth(built, COAL)).json()
    assert shown["periods"][2]["unit_price"] == "620.00"
    on(built, "2032-04-01")
    made = client.post(
        f"{url_of(framework_id)}/call-offs",
        json={"period": "2032Q2", "quantity": "100"},
        headers=auth(built, PWR),
    )
    assert made.json()["amount"] == "62000.00"


def test_a_period_is_closed_by_the_demand_unit_after_it_ended(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    on(built, "2031-12-20")
    framework_id = signed(built, client, body())
    close = f"{url_of(framework_id)}/periods/2032-01/close"
    on(built, "2032-01-31")
    running = client.post(close, headers=auth(built, PWR))
    assert (running.status_code, code(running)) == (409, "period_not_ended")
    on(built, "2032-02-01")
    assert client.post(close, headers=auth(built, COAL)).status_code == 403
    closed = client.post(close, headers=auth(built, PWR))
    assert closed.status_code == 200, closed.text
    # Nothing was called off: 100% short, but no call-off contract to record an incident on.
    assert closed.json()["closure"] | {"closed_at": None} == {
        "delivered": "0", "shortfall": "500", "shortfall_pct": "100.00", "incident_id": None,
        "closed_at": None,
    }  # fmt: skip
    twice = client.post(close, headers=auth(built, PWR))
    assert (twice.status_code, code(twice)) == (409, "period_closed")
    bad = client.post(f"{url_of(framework_id)}/periods/2032-1/close", headers=auth(built, PWR))
    assert bad.status_code == 422
    unscheduled = client.post(f"{url_of(framework_id)}/periods/2032-09/close",
                              headers=auth(built, PWR))  # fmt: skip
    assert unscheduled.status_code == 404


@pytest.mark.both_stores
def test_racing_call_offs_never_exceed_the_period(world: tuple[World, TestClient]) -> None:
    built, client = world
    on(built, "2031-12-20")
    framework_id = signed(built, client, body())
    on(built, "2032-02-10")
    operator = Principal("tok_race", "PWR-01", frozenset({Role.UNIT_OPERATOR}))

    def call_off(_: int) -> str:
        try:
            frameworks.call_off(built.svc, operator, framework_id, "2032-02", Decimal(100))
        except DomainError as refused:
            return refused.code
        return "called_off"

    with ThreadPoolExecutor(10) as pool:
        outcomes = sorted(pool.map(call_off, range(10)))
    assert outcomes == ["called_off"] * 5 + ["over_schedule"] * 5
    shown = client.get(url_of(framework_id), headers=auth(built, PWR)).json()
    (february,) = [p for p in shown["periods"] if p["period"] == "2032-02"]
    assert (february["called_off"], february["remaining"], len(february["call_offs"])) == (
        "500", "0", 5)  # fmt: skip
    numbers = sorted(int(c["call_off_id"].rsplit("/", 1)[1]) for c in february["call_offs"])
    assert numbers == [1, 2, 3, 4, 5]


def test_the_list_by_reach_and_status(world: tuple[World, TestClient]) -> None:
    built, client = world
    on(built, "2031-12-20")
    framework_id = signed(built, client, body(demand_unit_id="PWR-02"))
    listed = client.get(
        "/v1/frameworks",
        params={"unit_id": "PWR-02", "status": "active"},
        headers=auth(built, ("PWR", "platform_admin")),
    ).json()["items"]
    assert [(f["id"], f["from"], [p["period"] for p in f["periods"]]) for f in listed] == [
        (framework_id, "2032-01-01", ["2032-01", "2032-02", "2032Q2"])]  # fmt: skip
    mine = client.get("/v1/frameworks", headers=auth(built, ("PWR-02", "unit_operator")))
    assert [f["id"] for f in mine.json()["items"]] == [framework_id]
    other = client.get("/v1/frameworks", params={"unit_id": "PWR-02"},
                       headers=auth(built, ("HEAT", "platform_admin")))  # fmt: skip
    assert other.status_code == 403
    assert client.get(url_of(framework_id), headers=auth(built, ("PWR-01", "unit_operator"))
                      ).status_code == 403  # fmt: skip


def notices(built: World, client: TestClient, who: tuple[str, str], subject: str) -> list[str]:
    """The types of the unit's in-app notifications about `subject`, newest first."""
    answer = client.get("/v1/notifications?limit=200", headers=auth(built, who))
    assert answer.status_code == 200, answer.text
    return [n["event_type"] for n in answer.json()["items"] if n["subject"] == subject]


def test_the_party_that_did_not_act_is_notified_in_app(world: tuple[World, TestClient]) -> None:
    """The app's notifier routes each act before the read answers (read-your-writes); SQLite
    only: routing does not depend on the store."""
    built, client = world
    on(built, "2031-12-20")
    framework_id = created(client, built.token(*PWR), "/v1/frameworks", body(), "id")
    supplier = client.get("/v1/notifications?limit=200", headers=auth(built, COAL)).json()
    (drawn_up,) = [n for n in supplier["items"] if n["subject"] == framework_id]
    assert drawn_up["title"] == f"框架协议待签署：{framework_id}"  # noqa: RUF001 - zh-CN
    assert "THERMAL-COAL-5500" in drawn_up["body"] and "计划总量 2500 t" in drawn_up["body"]
    assert notices(built, client, PWR, framework_id) == []  # it drew it up

    for who in (COAL, PWR):
        answer = client.post(f"{url_of(framework_id)}/sign", headers=auth(built, who))
        assert answer.status_code == 200, answer.text
    on(built, "2032-01-10")
    proposed = client.post(
        f"{url_of(framework_id)}/amendments",
        json={"period": "2032-02", "quantity": "450", "reason": "Longwall maintenance."},
        headers=auth(built, COAL),
    )
    assert proposed.status_code == 201, proposed.text

    fwk = "marketplace.framework."
    assert notices(built, client, COAL, framework_id) == [f"{fwk}activated.v1", f"{fwk}created.v1"]
    assert notices(built, client, PWR, framework_id) == [
        f"{fwk}amendment_proposed.v1",
        f"{fwk}signed.v1",
    ]
    # The parties' platforms act for them but are not parties: nothing is theirs to do.
    assert notices(built, client, ("PWR", "platform_admin"), framework_id) == []
