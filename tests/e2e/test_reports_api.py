"""Quarterly reports over HTTP: live subtree figures, submission once the quarter is over, who
may read and submit."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of


def quarters() -> tuple[str, str]:
    """This quarter and the one before, in the group's time zone (the service's default)."""
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    number = (today.month - 1) // 3 + 1
    before = (today.year, number - 1) if number > 1 else (today.year - 1, 4)
    return f"{today.year}Q{number}", f"{before[0]}Q{before[1]}"


def test_live_figures_cover_the_subtree(demo: Server) -> None:
    current, _ = quarters()
    hq = demo.client(demo.token("HQ", "bi_reader"))
    group = hq.get("/v1/reports/quarterly", params={"unit_id": "HQ", "quarter": current})
    assert group.status_code == 200, group.text
    body = group.json()
    assert body["quarter"] == current and "COAL-01" in body["units"]
    trade = body["figures"]["internal_trade"]
    assert trade["as_supplier"]["contracts"] >= 1  # the demo's contracts
    assert trade["as_supplier"] == trade["as_buyer"]  # inside the group, both sides count
    assert body["figures"]["disputes"]["to_mediation"] >= 1  # the demo's dispute
    assert body["submitted"] is None
    coal = demo.client(demo.token("COAL", "platform_admin")).get(
        "/v1/reports/quarterly", params={"unit_id": "COAL", "quarter": current}
    )
    assert coal.status_code == 200 and "HEAT-01" not in coal.json()["units"]


def test_submission_freezes_an_ended_quarter_once(demo: Server) -> None:
    current, previous = quarters()
    admin = demo.client(demo.token("HEAT", "platform_admin"))
    error_of(
        admin.post("/v1/reports/quarterly/submit", json={"unit_id": "HEAT", "quarter": current}),
        409,
        "quarter_not_ended",
    )
    done = admin.post("/v1/reports/quarterly/submit", json={"unit_id": "HEAT", "quarter": previous})
    assert done.status_code == 201, done.text
    frozen = done.json()["submitted"]
    assert frozen["submitted_by"]["unit_id"] == "HEAT" and "HEAT-01" in frozen["units"]
    assert frozen["figures"] == done.json()["figures"]
    error_of(
        admin.post("/v1/reports/quarterly/submit", json={"unit_id": "HEAT", "quarter": previous}),
        409,
        "report_already_submitted",
    )
    again = as_unit(demo, "HEAT-01").get(
        "/v1/reports/quarterly", params={"unit_id": "HEAT-01", "quarter": previous}
    )
    assert again.status_code == 200 and again.json()["submitted"] is None


def test_report_refusals(demo: Server) -> None:
    current, previous = quarters()
    error_of(
        as_unit(demo, "HEAT-01").post(
            "/v1/reports/quarterly/submit", json={"unit_id": "HEAT-01", "quarter": previous}
        ),
        403,
        "forbidden",
    )
    error_of(
        demo.client(demo.token("COAL", "platform_admin")).post(
            "/v1/reports/quarterly/submit", json={"unit_id": "HEAT", "quarter": previous}
        ),
        403,
        "forbidden",
    )
    error_of(
        as_unit(demo, "HEAT-01").get(
            "/v1/reports/quarterly", params={"unit_id": "COAL", "quarter": current}
        ),
        403,
        "forbidden",
    )
    error_of(
        demo.admin.get("/v1/reports/quarterly", params={"unit_id": "HQ", "quarter": "2027Q5"}),
        422,
        "invalid_request",
    )
    error_of(
        demo.admin.get("/v1/reports/quarterly", params={"unit_id": "NOPE", "quarter": current}),
        404,
        "not_found",
    )
