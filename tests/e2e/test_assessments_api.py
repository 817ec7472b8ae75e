"""The annual assessment over HTTP: every platform and enterprise with its KPIs, weights,
scores and total; who sees which units."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from marketplace.aggregates.assessment import WEIGHTS
from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of

YEAR = date.today().year


@pytest.mark.both_stores
def test_every_unit_is_assessed_for_the_group(demo: Server) -> None:
    bi = demo.client(demo.token("HQ", "bi_reader"))
    answer = bi.get("/v1/assessments/annual", params={"year": YEAR})
    assert answer.status_code == 200, answer.text
    items = {i["unit_id"]: i for i in answer.json()["items"]}
    assert "HQ" not in items and {"PWR", "HEAT-01", "COAL-02"} <= set(items)
    assert {k["kpi"]: k["weight"] for k in items["HEAT-01"]["kpis"]} == WEIGHTS
    # The demo's finding at HEAT-01 is rectified already: it counts in its deadline's year.
    findings = demo.admin.get("/v1/inspections/findings", params={"unit_id": "HEAT-01"}).json()
    deadline_year = int(findings["items"][0]["rectify_by"][:4])

    def heat01_in(year: int) -> dict[str, Any]:
        return bi.get("/v1/assessments/annual", params={"year": year, "unit_id": "HEAT-01"}).json()[
            "items"
        ][0]

    due = heat01_in(deadline_year)
    rectification = {k["kpi"]: k for k in due["kpis"]}["inspection_rectification"]
    assert (rectification["score"], due["total"]) == ("100.0", "100.0")
    assert "1 of 1" in rectification["basis"]
    assert rectification["basis_code"] == "findings_rectified_in_time"
    assert rectification["basis_facts"] == {"rectified_in_time": 1, "due": 1}
    before = {k["kpi"]: k for k in heat01_in(deadline_year - 1)["kpis"]}
    assert before["inspection_rectification"]["score"] is None


def test_a_unit_sees_its_own_reach_only(demo: Server) -> None:
    mine = as_unit(demo, "PWR-01").get("/v1/assessments/annual", params={"year": YEAR})
    assert [i["unit_id"] for i in mine.json()["items"]] == ["PWR-01"]
    platform = demo.client(demo.token("PWR", "platform_admin"))
    reach = {
        i["unit_id"]
        for i in platform.get("/v1/assessments/annual", params={"year": YEAR}).json()["items"]
    }
    assert "PWR" in reach and "PWR-01" in reach and "HEAT-01" not in reach
    error_of(
        as_unit(demo, "PWR-01").get(
            "/v1/assessments/annual", params={"year": YEAR, "unit_id": "PWR-02"}
        ),
        403,
        "forbidden",
    )
    error_of(
        demo.admin.get("/v1/assessments/annual", params={"year": 1900}), 422, "invalid_request"
    )
