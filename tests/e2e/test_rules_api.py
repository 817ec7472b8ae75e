"""The group's rules over HTTP, one journey on the demo (SQLite: the rules do not depend on the
store): HQ publishes a version in force from today, a platform its own scheme for its
enterprises; the year's assessment names the rules that weighed each unit; HQ rewards a unit
for last year, corrects the decision and withdraws a penalty; this year is not over yet."""

from __future__ import annotations

from datetime import date

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of

THIS_YEAR = date.today().year  # the server's group zone is a day ahead at most
WEIGHTS = {
    "invitation_compliance": 40,
    "supplier_quality": 30,
    "inspection_rectification": 10,
    "quarterly_reporting": 10,
    "dispute_settlement": 10,
    "action_items_on_time": 0,
}


def test_rules_schemes_and_decisions_journey(demo: Server) -> None:
    hq, coal = demo.admin, demo.client(demo.token("COAL", "platform_admin"))
    before = hq.get("/v1/rules").json()
    assert before["version"] == 0
    # The demo published ENG's scheme from the server's today, a day in the group's zone.
    day = as_unit(demo, "COAL-01").get("/v1/rules/platform/ENG").json()["effective_from"]

    published = hq.post(
        "/v1/rules",
        json={"effective_from": day, "assessment": {"weights": WEIGHTS},
              "internal_preference_margin_pct": "1.5"},
    )  # fmt: skip
    assert published.status_code == 201, published.text
    version = published.json()["version"]
    now = hq.get("/v1/rules").json()
    assert (now["version"], now["internal_preference_margin_pct"]) == (version, "1.5")
    operator = as_unit(demo, "COAL-01")
    error_of(operator.post("/v1/rules", json={"effective_from": day}), 403, "forbidden")

    scheme = {"effective_from": day, "assessment": {"weights": {"supplier_quality": 100}}}
    assert coal.post("/v1/rules/platform/COAL", json=scheme).status_code == 201
    error_of(coal.post("/v1/rules/platform/PWR", json=scheme), 403, "forbidden")

    answer = hq.get("/v1/assessments/annual", params={"year": THIS_YEAR, "limit": 500})
    assert answer.status_code == 200, answer.text
    units = {i["unit_id"]: i for i in answer.json()["items"]}
    assert units["COAL-01"]["platform_scheme"] == {"platform_unit_id": "COAL", "version": 1}
    assert [k["kpi"] for k in units["COAL-01"]["kpis"]] == ["supplier_quality"]
    assert (units["COAL"]["rules_version"], units["COAL"]["platform_scheme"]) == (version, None)
    assert {k["kpi"]: k["weight"] for k in units["PWR-01"]["kpis"]} == {
        k: w for k, w in WEIGHTS.items() if w
    }

    decisions = f"/v1/assessments/annual/{THIS_YEAR - 1}/decisions"
    reward = {"unit_id": "COAL-01", "kind": "reward", "amount": "30000.00", "reason": "Quality."}
    first = hq.post(decisions, json=[reward])
    assert first.status_code == 201, first.text
    first_id = first.json()["decisions"][0]["decision_id"]
    fixed = reward | {"amount": "35000.00", "supersedes": first_id}
    penalty = {"unit_id": "COAL-02", "kind": "penalty", "reason": "Findings left open."}
    second = hq.post(decisions, json=[fixed, penalty])
    assert second.status_code == 201, second.text
    penalty_id = second.json()["decisions"][1]["decision_id"]
    withdrawn = hq.post(f"{decisions}/{penalty_id}/withdraw", json={"reason": "Rectified."})
    assert withdrawn.status_code == 200, withdrawn.text
    error_of(
        hq.post(f"/v1/assessments/annual/{THIS_YEAR + 1}/decisions", json=[reward]),
        409,
        "year_not_ended",
    )
    shown = coal.get("/v1/assessments/annual", params={"year": THIS_YEAR - 1}).json()["items"]
    by_unit = {i["unit_id"]: i["decisions"] for i in shown}
    assert [(d["amount"], d["status"]) for d in by_unit["COAL-01"]] == [
        ("35000.00", "in_effect"),
        ("30000.00", "superseded"),
    ]
    assert [d["status"] for d in by_unit["COAL-02"]] == ["withdrawn"]
    assert "PWR" not in by_unit  # the demo's reward is outside COAL's reach
