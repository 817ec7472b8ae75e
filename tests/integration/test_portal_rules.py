"""The group rules' pages in process: `/rules` shows the version in force, every version and
the platforms' schemes; HQ publishes a version, a platform's admin its scheme, through the
API's bodies and handlers, each field's problem beside it; anyone else's post is a 403 page.
HQ's rewards and penalties show on the unit's page, the quarterly report and the dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from marketplace.aggregates.assessment import WEIGHTS
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser, unlabelled_fields

LAST = date.today().year - 1


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("rules-pages"))) as served:
        yield served


def signed_in(api: InProcessApi, unit: str, role: str, language: str = "en") -> PortalUser:
    user = PortalUser(api, language=language)
    assert user.sign_in(api.tokens[(unit, role)]).status_code == 303
    return user


def version_form(**changes: str) -> dict[str, str]:
    return {
        "effective_from": "2041-01-01",
        **{f"w-{k}": str(w) for k, w in WEIGHTS.items()},
        "internal_preference_margin_pct": "2",
        "arm_length_tolerance_pct": "5",
        "split-demand": "50",
        "split-supply": "50",
        "reminder_lead_hours": "",
    } | changes


def versions(api: InProcessApi) -> list[dict[str, Any]]:
    answer = api.client.get("/v1/rules/versions", headers=api.auth())
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_hq_publishes_a_version_on_the_page(api: InProcessApi) -> None:
    hq = signed_in(api, "HQ", "hq_admin")
    page = hq.get("/rules")
    assert page.status_code == 200
    assert unlabelled_fields(page.text) == []
    assert "Version 0: the built-in defaults" in page.text
    assert 'data-version="1"' in page.text and 'href="/rules"' in page.text  # the nav's link
    before = len(versions(api))
    wrong = hq.submit(
        "/rules", "/rules",
        version_form(**{"w-supplier_quality": "35", "w-dispute_settlement": "x",
                        "split-supply": "40", "reminder_lead_hours": "0"}),
    )  # fmt: skip
    assert wrong.status_code == 422
    assert 'id="e-w-dispute_settlement"' in wrong.text and "whole number" in wrong.text
    assert 'id="e-benefit_split"' in wrong.text and 'id="e-reminder_lead_hours"' in wrong.text
    assert 'value="35"' in wrong.text  # what was typed stays
    uneven = hq.submit("/rules", "/rules", version_form(**{"w-supplier_quality": "35"}))
    assert uneven.status_code == 422 and "they sum to 110" in uneven.text
    past = hq.submit("/rules", "/rules", version_form(effective_from="2020-01-01"))
    assert past.status_code == 409 and 'id="e-effective_from"' in past.text
    assert len(versions(api)) == before
    done = hq.submit("/rules", "/rules", version_form(internal_preference_margin_pct="2.5"))
    assert done.status_code == 303, done.text
    latest = versions(api)[-1]
    assert (latest["effective_from"], latest["internal_preference_margin_pct"]) == (
        "2041-01-01",
        "2.5",
    )
    assert latest["reminder_lead_hours"] is None  # empty: the deployment's setting
    assert 'data-version="' + str(latest["version"]) + '"' in hq.get("/rules").text


def test_a_platform_admin_publishes_its_own_scheme_only(api: InProcessApi) -> None:
    heat = signed_in(api, "HEAT", "platform_admin")
    page = heat.get("/rules")
    assert page.status_code == 200 and "Publish a version" not in page.text
    assert '<option value="HEAT"' in page.text and '<option value="PWR"' not in page.text
    chosen = {"w-invitation_compliance": "70", "w-supplier_quality": "30"}
    sent = {"platform_unit_id": "HEAT", "effective_from": "2041-02-01"} | chosen
    assert heat.submit("/rules", "/rules/platform", sent).status_code == 303
    scheme = api.client.get("/v1/rules/platform/HEAT/versions", headers=api.auth()).json()
    assert scheme["items"][-1]["assessment"]["weights"] == {
        "invitation_compliance": 70,
        "supplier_quality": 30,
    }
    other = heat.submit("/rules", "/rules/platform", sent | {"platform_unit_id": "PWR"})
    assert other.status_code == 403
    short = heat.submit("/rules", "/rules/platform", sent | {"w-supplier_quality": "20"})
    assert short.status_code == 422 and 'id="e-s-weights"' in short.text
    assert heat.submit("/rules", "/rules", version_form()).status_code == 403
    operator = signed_in(api, "HEAT-01", "unit_operator")
    assert operator.get("/rules").status_code == 200  # rules are the group's: anyone reads
    assert operator.submit("/rules", "/rules/platform", sent).status_code == 403


def test_decisions_show_on_the_units_page_the_report_and_the_dashboard(
    api: InProcessApi,
) -> None:
    penalty = {"unit_id": "COAL-02", "kind": "penalty", "reason": "Reports filed late."}
    answer = api.client.post(
        f"/v1/assessments/annual/{LAST}/decisions", json=[penalty], headers=api.auth()
    )
    assert answer.status_code == 201, answer.text
    coal = signed_in(api, "COAL-02", "unit_operator")
    unit = coal.get("/units/COAL-02").text
    assert 'id="unit-decisions"' in unit and "Reports filed late." in unit
    report = coal.get(f"/reports?unit_id=COAL-02&quarter={LAST + 1}Q1").text
    assert 'id="report-decisions"' in report and "Reports filed late." in report
    other = signed_in(api, "HEAT-01", "unit_operator").get("/units/COAL-02").text
    assert "Reports filed late." not in other  # not in its reach: no section
    hq = signed_in(api, "HQ", "hq_admin", language="zh-CN")
    board = hq.get(f"/dashboard/assessment?period=year&year={LAST}&unit_id=PWR").text
    assert 'id="assessment-decisions"' in board and "奖励" in board  # the demo's PWR reward
    assert "集团规则第 0 版" in board
    eng = hq.get(f"/dashboard/assessment?period=year&year={LAST + 1}&unit_id=ENG").text
    assert "ENG 方案第 1 版" in eng  # the demo's scheme weighs ENG's enterprises
