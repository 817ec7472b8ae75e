"""The group's rules over the API in process, on the demo group (SQLite: the rules do not
depend on the store): HQ publishes versions in force from a day in the group's time zone, a
platform its own scheme for its enterprises only; a past year's assessment does not move when
the rules change; rewards and penalties for an ended year, corrected by new decisions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.aggregates.assessment import WEIGHTS
from marketplace.demo.rules import ENG_SCHEME
from marketplace.handlers import rules, tenders
from tests.integration.api_world import World, bearer, created, later, served_demo

NEXT = date.today().year + 1
EVEN = {
    "invitation_compliance": 20,
    "supplier_quality": 20,
    "inspection_rectification": 20,
    "quarterly_reporting": 20,
    "dispute_settlement": 20,
    "action_items_on_time": 0,
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    with served_demo("sqlite", tmp_path_factory.mktemp("rules")) as (built, client):
        yield built, client


@pytest.fixture
def own(tmp_path: Any) -> Iterator[tuple[World, TestClient]]:
    """A world of the test's own: it moves the clock or changes the rules in force now."""
    with served_demo("sqlite", tmp_path) as (built, client):
        yield built, client


def hq(world: World) -> dict[str, str]:
    return bearer(world.token("HQ", "hq_admin"))


def error(answer: Any) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def fields(answer: Any) -> dict[str, str]:
    assert answer.status_code == 422, answer.text
    return {d["field"]: d["type"] for d in answer.json()["error"]["details"]}


def test_version_0_then_hqs_versions_from_their_day_in_the_groups_zone(
    shared: tuple[World, TestClient],
) -> None:
    built, client = shared
    now = client.get("/v1/rules", headers=bearer(built.token("COAL-01", "unit_operator")))
    assert now.status_code == 200, now.text
    assert now.json()["version"] == 0  # the demo's version 1 takes effect on New Year's Day
    assert now.json()["assessment"]["weights"] == WEIGHTS
    assert now.json()["reminder_lead_hours"] is None
    body = {"effective_from": "2040-03-01", "assessment": {"weights": EVEN}}
    published = client.post("/v1/rules", json=body, headers=hq(built))
    assert published.status_code == 201, published.text
    version = published.json()["version"]
    assert published.json()["benefit_split"] == {"demand": "60", "supply": "40"}  # as before

    def in_force(at: str) -> int:
        answer = client.get("/v1/rules", params={"at": at}, headers=hq(built))
        assert answer.status_code == 200, answer.text
        return int(answer.json()["version"])

    # The day starts at midnight in Asia/Shanghai: 16:00 UTC the evening before.
    assert in_force("2040-02-29T15:59:59Z") == 1
    assert in_force("2040-02-29T16:00:00Z") == version
    assert in_force("2040-03-01T00:00:00+08:00") == version
    assert in_force("2040-03-01") == version  # a day: its start in the group's zone
    assert in_force(f"{NEXT - 1}-12-31T23:59:59+08:00") == 0
    assert in_force(f"{NEXT}-01-01") == 1
    listed = client.get("/v1/rules/versions", params={"limit": 2}, headers=hq(built)).json()
    assert [v["version"] for v in listed["items"]] == [0, 1] and listed["next_cursor"]


def test_a_version_is_refused_whole_with_each_fields_problem(
    shared: tuple[World, TestClient],
) -> None:
    built, client = shared
    wrong = {
        "effective_from": "2040-01-01",
        "assessment": {"weights": WEIGHTS | {"happiness": 5}},
        "benefit_split": {"demand": "70", "supply": "40"},
        "reminder_lead_hours": 0,
        "internal_preference_margin_pct": "101",
    }
    head = built.head()
    assert fields(client.post("/v1/rules", json=wrong, headers=hq(built))) == {
        "assessment.weights": "unknown_kpi",
        "benefit_split": "benefit_split_not_100",
        "reminder_lead_hours": "greater_than_equal",
        "internal_preference_margin_pct": "less_than_equal",
    }
    short = {"effective_from": "2040-01-01", "assessment": {"weights": {"supplier_quality": 100}}}
    assert fields(client.post("/v1/rules", json=short, headers=hq(built))) == {
        "assessment.weights": "kpi_weight_missing"
    }
    uneven = {"effective_from": "2040-01-01", "assessment": {"weights": WEIGHTS | EVEN}}
    uneven["assessment"]["weights"]["action_items_on_time"] = 5
    assert fields(client.post("/v1/rules", json=uneven, headers=hq(built))) == {
        "assessment.weights": "weights_not_100"
    }
    text = {"effective_from": "2040-01-01"}
    text["assessment"] = {"weights": WEIGHTS | {"supplier_quality": "25"}}
    assert "assessment.weights.supplier_quality" in fields(
        client.post("/v1/rules", json=text, headers=hq(built))
    )
    past = client.post("/v1/rules", json={"effective_from": "2020-01-01"}, headers=hq(built))
    assert error(past) == (409, "effective_from_in_past")
    assert built.head() == head


def test_a_platform_publishes_its_own_scheme_for_its_subtree(
    shared: tuple[World, TestClient],
) -> None:
    built, client = shared
    coal = bearer(built.token("COAL", "platform_admin"))
    body = {"effective_from": "2040-01-01", "assessment": {"weights": {"supplier_quality": 100}}}
    mine = client.post("/v1/rules/platform/COAL", json=body, headers=coal)
    assert mine.status_code == 201, mine.text
    assert (mine.json()["platform_unit_id"], mine.json()["version"]) == ("COAL", 1)
    assert client.post("/v1/rules/platform/HEAT", json=body, headers=coal).status_code == 403
    enterprise = client.post("/v1/rules/platform/COAL-01", json=body, headers=hq(built))
    assert error(enterprise) == (409, "not_a_platform")
    assert fields(
        client.post(
            "/v1/rules/platform/COAL",
            json={"effective_from": "2040-01-01", "assessment": {"weights": {"x": 100}}},
            headers=coal,
        )
    ) == {"assessment.weights": "unknown_kpi"}
    assert client.get("/v1/rules/platform/COAL", headers=coal).status_code == 404  # not yet
    at = {"at": "2040-01-01"}
    shown = client.get("/v1/rules/platform/COAL", params=at, headers=coal).json()
    assert shown["assessment"]["weights"] == {"supplier_quality": 100}
    eng = client.get("/v1/rules/platform/ENG", headers=coal).json()  # the demo's, in force
    assert eng["assessment"]["weights"] == ENG_SCHEME
    versions = client.get("/v1/rules/platform/COAL/versions", headers=hq(built)).json()
    assert [s["version"] for s in versions["items"]] == [1]


def assessed(client: TestClient, world: World, year: int, unit: str) -> dict[str, Any]:
    answer = client.get(
        "/v1/assessments/annual", params={"year": year, "unit_id": unit}, headers=hq(world)
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()["items"][0]
    return found


def test_the_platforms_scheme_weighs_its_enterprises_only(
    shared: tuple[World, TestClient],
) -> None:
    built, client = shared
    year = date.today().year
    enterprise = assessed(client, built, year, "ENG-01")
    platform = assessed(client, built, year, "ENG")
    assert {k["kpi"]: k["weight"] for k in enterprise["kpis"]} == ENG_SCHEME
    assert enterprise["platform_scheme"] == {"platform_unit_id": "ENG", "version": 1}
    assert {k["kpi"]: k["weight"] for k in platform["kpis"]} == WEIGHTS
    assert (platform["platform_scheme"], platform["rules_version"]) == (None, 0)
    other = assessed(client, built, year, "PWR-01")
    assert {k["kpi"]: k["weight"] for k in other["kpis"]} == WEIGHTS


def test_a_past_years_assessment_does_not_move_when_the_rules_change(
    own: tuple[World, TestClient],
) -> None:
    """The demo's year ended: its assessment keeps the rules in force on its last day. A
    change effective within the running year changes the running year's (the rules in force
    on its last day); one effective after its end changes neither."""
    built, client = own
    past = date.today().year
    moment = datetime(past + 1, 6, 1, 4, tzinfo=UTC)
    built.svc.clock = lambda: moment
    units = ("PWR", "COAL-02", "ENG-01", "SVC-03")
    before = {u: assessed(client, built, past, u) for u in units}
    running = {u: assessed(client, built, past + 1, u) for u in units}
    assert {before[u]["rules_version"] for u in units} == {0}
    assert running["PWR"]["rules_version"] == 1  # the demo's, from New Year's Day
    within = {"effective_from": f"{past + 1}-09-01", "assessment": {"weights": EVEN}}
    published = client.post("/v1/rules", json=within, headers=hq(built))
    assert published.status_code == 201, published.text
    version = published.json()["version"]
    scheme = {"effective_from": f"{past + 1}-07-01"}
    scheme["assessment"] = {"weights": {"supplier_quality": 100}}
    assert client.post("/v1/rules/platform/ENG", json=scheme, headers=hq(built)).is_success
    assert {u: assessed(client, built, past, u) for u in units} == before
    changed = {u: assessed(client, built, past + 1, u) for u in units}
    assert changed["PWR"]["rules_version"] == version
    assert {k["kpi"]: k["weight"] for k in changed["COAL-02"]["kpis"]} == {
        k: w for k, w in EVEN.items() if w
    }
    assert changed["ENG-01"]["platform_scheme"] == {"platform_unit_id": "ENG", "version": 2}
    assert [k["kpi"] for k in changed["ENG-01"]["kpis"]] == ["supplier_quality"]
    after_its_end = {"effective_from": f"{past + 2}-01-01", "assessment": {"weights": WEIGHTS}}
    assert client.post("/v1/rules", json=after_its_end, headers=hq(built)).is_success
    assert {u: assessed(client, built, past + 1, u) for u in units} == changed
    assert {u: assessed(client, built, past, u) for u in units} == before


def test_a_tender_launched_without_a_margin_takes_the_rules_default(
    own: tuple[World, TestClient],
) -> None:
    built, client = own
    today = built.svc.today().isoformat()
    body = {"effective_from": today, "internal_preference_margin_pct": "3.5"}
    body |= {"reminder_lead_hours": 36}
    assert client.post("/v1/rules", json=body, headers=hq(built)).status_code == 201
    coal = built.token("COAL-01", "unit_operator")
    need = {
        "demand_unit_id": "COAL-01", "title": "Steam", "category": "product",
        "subcategory": "heat", "item_code": "STEAM-LP", "quantity": "100", "uom": "t",
        "required_by": later(60)[:10], "budget_amount": "20000.00",
        "business_type": "regular", "sourcing": "tender",
    }  # fmt: skip
    need_id = created(client, coal, "/v1/needs", need, "id")
    suppliers = client.get(f"/v1/needs/{need_id}", headers=bearer(coal)).json()["matches"]
    invite = {"invitees": [m["supplier_unit_id"] for m in suppliers], "bid_deadline": later(3)}
    tender_id = created(client, coal, f"/v1/needs/{need_id}/tender", invite, "tender_id")
    assert tenders.load_tender(built.svc, tender_id).margin_pct == Decimal("3.5")
    named = created(
        client, coal, "/v1/needs", need, "id"
    )  # a launch that names its margin keeps it
    tender_named = created(
        client, coal, f"/v1/needs/{named}/tender", invite | {"internal_preference_margin_pct": 0},
        "tender_id",
    )  # fmt: skip
    assert tenders.load_tender(built.svc, tender_named).margin_pct == 0
    assert rules.reminder_lead(built.svc, built.svc.clock()) == timedelta(hours=36)


def test_hq_records_rewards_and_penalties_for_an_ended_year(
    shared: tuple[World, TestClient],
) -> None:
    built, client = shared
    last = date.today().year - 1
    path = f"/v1/assessments/annual/{last}/decisions"
    early = client.post(
        f"/v1/assessments/annual/{last + 1}/decisions",
        json=[{"unit_id": "COAL", "kind": "reward", "reason": "Early."}],
        headers=hq(built),
    )
    assert error(early) == (409, "year_not_ended")
    assert early.json()["error"]["details"] == {"year": last + 1, "ends": f"{last + 1}-12-31"}
    # CONTRACT.md's bare list, all or none: an unknown unit records nothing.
    head = built.head()
    mixed = [
        {"unit_id": "COAL", "kind": "reward", "amount": "80000.00", "reason": "Compliance."},
        {"unit_id": "NOWHERE", "kind": "penalty", "reason": "?"},
    ]
    assert client.post(path, json=mixed, headers=hq(built)).status_code == 404
    assert error(client.post(path, json=[mixed[0] | {"unit_id": "HQ"}], headers=hq(built))) == (
        409,
        "unit_not_assessed",
    )
    assert built.head() == head
    late = {"unit_id": "COAL-02", "kind": "penalty", "amount": None, "reason": "Late reports."}
    answer = client.post(path, json=[mixed[0], late], headers=hq(built))
    assert answer.status_code == 201, answer.text
    reward, penalty = answer.json()["decisions"]
    # A correction names the decision it replaces: the object form, as the Kafka command's.
    fixed = {"unit_id": "COAL", "kind": "reward", "amount": "60000.00", "reason": "Corrected."}
    corrected = client.post(
        path, json={"decisions": [fixed | {"supersedes": reward["decision_id"]}]}, headers=hq(built)
    )
    assert corrected.status_code == 201, corrected.text
    twice = [fixed | {"supersedes": reward["decision_id"]}]
    again = client.post(path, json=twice, headers=hq(built))
    assert error(again) == (409, "decision_not_in_effect")
    other_unit = [fixed | {"unit_id": "HEAT", "supersedes": penalty["decision_id"]}]
    assert error(client.post(path, json=other_unit, headers=hq(built))) == (
        409,
        "decision_of_another_unit",
    )
    withdraw = f"{path}/{penalty['decision_id']}/withdraw"
    gone = client.post(withdraw, json={"reason": "Reports were filed on paper."}, headers=hq(built))
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert error(client.post(withdraw, json={"reason": "Twice."}, headers=hq(built))) == (
        409,
        "decision_not_in_effect",
    )
    elsewhere = f"/v1/assessments/annual/{last - 1}/decisions/{penalty['decision_id']}/withdraw"
    assert client.post(elsewhere, json={"reason": "x"}, headers=hq(built)).status_code == 404
    coal = assessed(client, built, last, "COAL")["decisions"]
    assert [(d["amount"], d["status"]) for d in coal] == [
        ("60000.00", "in_effect"),
        ("80000.00", "superseded"),
    ]
    assert coal[0]["supersedes"] == coal[1]["decision_id"]
    assert coal[1]["superseded_by"] == coal[0]["decision_id"]
    mine = client.get(
        "/v1/assessments/annual",
        params={"year": last, "unit_id": "COAL-02"},
        headers=bearer(built.token("COAL-02", "unit_operator")),
    ).json()["items"][0]["decisions"]
    assert [(d["kind"], d["status"], d["amount"]) for d in mine] == [("penalty", "withdrawn", None)]
