"""Work meetings over HTTP: HQ schedules the half year's regular meeting (a second is refused),
records minutes once; the owner unit marks its action item done; a platform asks for an ad-hoc
meeting and HQ answers once; the lists by reach; refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.e2e.conftest import Server
from tests.e2e.test_needs_api import as_unit
from tests.e2e.test_units_api import error_of


def platform_admin(demo: Server, unit: str) -> httpx.Client:
    return demo.client(demo.token(unit, "platform_admin"))


def free_half_year(demo: Server) -> str:
    """A half year without a regular meeting yet on this server (the demo holds one)."""
    taken = {m["half_year"] for m in demo.admin.get("/v1/meetings?limit=500").json()["items"]}
    return next(f"{y}H{h}" for y in range(2100, 2200) for h in (1, 2) if f"{y}H{h}" not in taken)


def test_a_regular_meeting_from_schedule_to_an_item_done(demo: Server) -> None:
    hq = demo.admin
    half_year = free_half_year(demo)
    meeting = {
        "kind": "regular",
        "half_year": half_year,
        "scheduled_for": f"{half_year[:4]}-03-10T09:00:00+08:00",
        "agenda": ["Trade by platform"],
        "invitees": ["PWR", "HEAT"],
    }
    scheduled = hq.post("/v1/meetings", json=meeting)
    assert scheduled.status_code == 201, scheduled.text
    meeting_id = scheduled.json()["meeting_id"]
    error_of(hq.post("/v1/meetings", json=meeting), 409, "regular_meeting_exists")
    error_of(platform_admin(demo, "PWR").post("/v1/meetings", json=meeting), 403, "forbidden")
    bad = hq.post("/v1/meetings", json=meeting | {"half_year": "2100H3"})
    assert bad.status_code == 422

    yesterday = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    minutes = {
        "attendees": ["PWR", "HEAT"],
        "decisions": [
            {
                "text": "Share spare parts.",
                "action_items": [
                    {"owner_unit_id": "PWR-03", "due": yesterday, "text": "Send the list"}
                ],
            }
        ],
    }
    recorded = hq.post(f"/v1/meetings/{meeting_id}/minutes", json=minutes)
    assert recorded.status_code == 200, recorded.text
    item_id = recorded.json()["minutes"]["decisions"][0]["action_items"][0]["action_item_id"]
    error_of(hq.post(f"/v1/meetings/{meeting_id}/minutes", json=minutes), 409, "minutes_recorded")

    owner = as_unit(demo, "PWR-03")
    overdue = owner.get("/v1/action-items", params={"status": "overdue"}).json()["items"]
    assert [(i["id"], i["status"]) for i in overdue] == [(item_id, "overdue")]
    error_of(
        as_unit(demo, "PWR-01").post(f"/v1/action-items/{item_id}/done", json={"evidence": "x"}),
        403,
        "forbidden",
    )
    done = owner.post(f"/v1/action-items/{item_id}/done", json={"evidence": "Sent."})
    assert (done.status_code, done.json()["status"]) == (200, "done"), done.text
    error_of(
        owner.post(f"/v1/action-items/{item_id}/done", json={"evidence": "Again."}),
        409,
        "action_item_done",
    )
    listed = owner.get("/v1/action-items").json()["items"]
    assert [(i["id"], i["status"], i["evidence"]) for i in listed] == [(item_id, "done", "Sent.")]
    shown = hq.get("/v1/meetings", params={"half_year": half_year}).json()["items"]
    assert [(m["id"], m["minutes_recorded"]) for m in shown] == [(meeting_id, True)]


def test_a_request_for_an_ad_hoc_meeting_is_answered_once(demo: Server) -> None:
    hq, eng = demo.admin, platform_admin(demo, "ENG")
    several = eng.post("/v1/meeting-requests", json={"matter": "A\nB", "report": "R"})
    assert several.status_code == 422
    error_of(
        as_unit(demo, "ENG-01").post("/v1/meeting-requests", json={"matter": "A", "report": "R"}),
        403,
        "forbidden",
    )
    filed = eng.post("/v1/meeting-requests", json={"matter": "Design staff", "report": "Short."})
    assert filed.status_code == 201, filed.text
    request_id = filed.json()["request_id"]
    when = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    error_of(
        eng.post(f"/v1/meeting-requests/{request_id}/accept", json={"scheduled_for": when}),
        403,
        "forbidden",
    )
    accepted = hq.post(f"/v1/meeting-requests/{request_id}/accept", json={"scheduled_for": when})
    assert accepted.status_code == 200, accepted.text
    meeting = hq.get(f"/v1/meetings/{accepted.json()['meeting_id']}").json()
    assert (meeting["kind"], meeting["request_id"]) == ("ad_hoc", request_id)
    error_of(
        hq.post(f"/v1/meeting-requests/{request_id}/decline", json={"reason": "No"}),
        409,
        "request_answered",
    )
    mine = eng.get("/v1/meeting-requests").json()["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(request_id, "accepted")]
    assert platform_admin(demo, "SVC").get(f"/v1/meeting-requests/{request_id}").status_code == 403


def test_the_quarterly_report_and_the_assessment_count_the_meetings_follow_up(
    demo: Server,
) -> None:
    """A platform's report counts its subtree's action items (open, overdue, done) and the
    meeting requests it filed; the annual assessment judges the items due by the day `on`:
    done by their due day or not."""
    hq, svc = demo.admin, platform_admin(demo, "SVC")
    today = datetime.now(UTC).date()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"

    def report() -> dict[str, dict[str, int]]:
        answer = svc.get("/v1/reports/quarterly", params={"unit_id": "SVC", "quarter": quarter})
        assert answer.status_code == 200, answer.text
        figures = answer.json()["figures"]
        return {k: figures[k] for k in ("action_items", "meeting_requests")}

    def kpi(year: int) -> dict[str, int]:
        answer = hq.get("/v1/assessments/annual", params={"year": year, "unit_id": "SVC-03"})
        assert answer.status_code == 200, answer.text
        kpis = {k["kpi"]: k for k in answer.json()["items"][0]["kpis"]}
        assert kpis["action_items_on_time"]["weight"] == 10
        facts: dict[str, int] = kpis["action_items_on_time"]["basis_facts"]
        return facts

    days = {
        "left overdue": today - timedelta(days=2),
        "done late": today - timedelta(days=1),
        "done in time": today + timedelta(days=5),
        "still open": today + timedelta(days=5),
    }
    years = sorted({d.year for d in days.values()})
    before_report, before_kpis = report(), {y: kpi(y) for y in years}

    scheduled = hq.post(
        "/v1/meetings",
        json={
            "kind": "regular",
            "half_year": free_half_year(demo),
            "scheduled_for": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
            "agenda": ["Follow-up"],
            "invitees": ["SVC"],
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    items = [
        {"owner_unit_id": "SVC-03", "due": day.isoformat(), "text": text}
        for text, day in days.items()
    ]
    minutes = {"attendees": ["SVC"], "decisions": [{"text": "Follow up.", "action_items": items}]}
    recorded = hq.post(f"/v1/meetings/{scheduled.json()['meeting_id']}/minutes", json=minutes)
    assert recorded.status_code == 200, recorded.text
    ids = {
        i["text"]: i["action_item_id"]
        for i in recorded.json()["minutes"]["decisions"][0]["action_items"]
    }
    owner = as_unit(demo, "SVC-03")
    for text in ("done late", "done in time"):
        done = owner.post(f"/v1/action-items/{ids[text]}/done", json={"evidence": "Done."})
        assert done.status_code == 200, done.text
    filed = svc.post("/v1/meeting-requests", json={"matter": "Crane sharing", "report": "R."})
    assert filed.status_code == 201, filed.text

    after = report()
    assert {
        k: after["action_items"][k] - before_report["action_items"][k]
        for k in after["action_items"]
    } == {"open": 1, "overdue": 1, "done": 2}
    requests = after["meeting_requests"]
    assert (requests["filed"], requests["pending"]) == (
        before_report["meeting_requests"]["filed"] + 1,
        before_report["meeting_requests"]["pending"] + 1,
    )
    judged = {y: {"due": 0, "on_time": 0} for y in years}
    for text in ("left overdue", "done late", "done in time"):
        judged[days[text].year]["due"] += 1
    judged[days["done in time"].year]["on_time"] += 1
    for year in years:
        grew = {k: kpi(year)[k] - before_kpis[year][k] for k in ("due", "on_time")}
        assert grew == judged[year], year
