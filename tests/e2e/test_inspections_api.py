"""Inspections over HTTP: HQ records findings, units rectify, lists show open, overdue and
rectified findings to the right readers; refusals."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of

IN_A_MONTH = (date.today() + timedelta(days=30)).isoformat()


def finding(unit: str, issue: str = "incomplete_rules", rectify_by: str = IN_A_MONTH) -> dict:
    return {
        "unit_id": unit,
        "issue": issue,
        "description": "Checked on site",
        "rectify_by": rectify_by,
    }


def test_a_finding_from_record_to_rectification(demo: Server) -> None:
    hq = demo.admin
    recorded = hq.post("/v1/inspections/findings", json=finding("PWR-02"))
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert (body["status"], body["platform_id"], body["sector"]) == ("open", "PWR", "power")
    finding_id = body["id"]

    error_of(
        as_unit(demo, "PWR-01").post(
            f"/v1/inspections/findings/{finding_id}/rectified", json={"evidence": "x"}
        ),
        403,
        "forbidden",
    )
    done = as_unit(demo, "PWR-02").post(
        f"/v1/inspections/findings/{finding_id}/rectified", json={"evidence": "Rules adopted"}
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["late"]) == ("rectified", False)
    error_of(
        as_unit(demo, "PWR-02").post(
            f"/v1/inspections/findings/{finding_id}/rectified", json={"evidence": "again"}
        ),
        409,
        "finding_rectified",
    )
    listed = as_unit(demo, "PWR-02").get("/v1/inspections/findings").json()["items"]
    assert [(f["id"], f["status"]) for f in listed] == [(finding_id, "rectified")]
    assert as_unit(demo, "PWR-02").get(f"/v1/inspections/findings/{finding_id}").status_code == 200
    error_of(
        as_unit(demo, "PWR-01").get(f"/v1/inspections/findings/{finding_id}"), 403, "forbidden"
    )


def test_lists_by_status_and_reader(demo: Server) -> None:
    hq = demo.admin
    open_id = hq.post("/v1/inspections/findings", json=finding("SVC-01")).json()["id"]
    mine = as_unit(demo, "SVC-01").get("/v1/inspections/findings").json()["items"]
    assert {f["id"] for f in mine} == {open_id}
    svc_platform = demo.client(demo.token("SVC", "platform_admin"))
    assert open_id in {
        f["id"] for f in svc_platform.get("/v1/inspections/findings").json()["items"]
    }
    coal_platform = demo.client(demo.token("COAL", "platform_admin"))
    assert open_id not in {
        f["id"] for f in coal_platform.get("/v1/inspections/findings").json()["items"]
    }
    error_of(
        coal_platform.get("/v1/inspections/findings", params={"unit_id": "SVC-01"}),
        403,
        "forbidden",
    )
    auditor = demo.client(demo.token("HQ", "auditor"))
    every = auditor.get("/v1/inspections/findings").json()["items"]
    statuses = {f["unit_id"]: f["status"] for f in every}
    assert statuses["SVC-01"] == "open"
    assert statuses["HEAT-01"] == "rectified"  # from the demo
    assert statuses["COAL-02"] == "open"  # from the demo
    opened = auditor.get("/v1/inspections/findings", params={"status": "open"}).json()["items"]
    assert all(f["status"] == "open" for f in opened) and opened
    assert auditor.get("/v1/inspections/findings", params={"status": "overdue"}).json() == {
        "items": [],
        "next_cursor": None,
    }
    error_of(
        demo.client(demo.token("HQ", "bi_reader")).get("/v1/inspections/findings"), 403, "forbidden"
    )


def test_refusals(demo: Server) -> None:
    hq = demo.admin
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    error_of(
        hq.post("/v1/inspections/findings", json=finding("PWR-01", rectify_by=yesterday)),
        409,
        "rectify_by_in_past",
    )
    error_of(
        hq.post("/v1/inspections/findings", json=finding("PWR-01", issue="bad")),
        422,
        "invalid_request",
    )
    error_of(hq.post("/v1/inspections/findings", json=finding("NOPE")), 404, "not_found")
    error_of(
        as_unit(demo, "PWR-01").post("/v1/inspections/findings", json=finding("PWR-01")),
        403,
        "forbidden",
    )
    error_of(hq.get("/v1/inspections/findings/fnd_missing"), 404, "not_found")
