"""Work meetings over the API on both stores: HQ schedules one regular meeting a half year
(also when requests race), records minutes once; a platform files a request with one matter,
HQ answers once; an action item's owner (or a superior) marks it done; the lists by reach."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.handlers import meetings
from marketplace.handlers.auth import Principal
from tests.integration.api_world import World, bearer, created, later, served_demo

HQ = ("HQ", "hq_admin")
MEETING = {
    "kind": "regular",
    "half_year": "2031H1",
    "scheduled_for": "2031-03-10T09:00:00+08:00",
    "agenda": ["Internal market trade by platform"],
    "invitees": ["PWR", "HEAT"],
}


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, TestClient]]:
    with served_demo(backend, tmp_path_factory.mktemp("meetings")) as (built, client):
        yield built, client


def auth(world: World, unit: str, role: str) -> dict[str, str]:
    return bearer(world.token(unit, role))


def hq(world: World) -> dict[str, str]:
    return auth(world, *HQ)


def code(answer: Any) -> str:
    return str(answer.json()["error"]["code"])


def minutes_body(due: str) -> dict[str, Any]:
    item = {"owner_unit_id": "PWR-01", "due": due, "text": "Send the spare-parts list"}
    return {
        "attendees": ["PWR", "HEAT"],
        "decisions": [{"text": "Share spare parts", "action_items": [item]}],
    }


def test_hq_schedules_one_regular_meeting_a_half_year(world: tuple[World, TestClient]) -> None:
    built, client = world
    groups = client.get("/v1/working-groups", headers=hq(built)).json()["items"]
    group = groups[0]["id"]  # the demo's: a meeting may be one of a working group's
    unknown = client.post(
        "/v1/meetings", json=MEETING | {"working_group_id": "wg_nowhere"}, headers=hq(built)
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "working_group_id"
    body = MEETING | {"working_group_id": group}
    meeting_id = created(client, built.token(*HQ), "/v1/meetings", body, "meeting_id")
    again = client.post("/v1/meetings", json=body, headers=hq(built))
    assert (again.status_code, code(again)) == (409, "regular_meeting_exists")
    shown = client.get(f"/v1/meetings/{meeting_id}", headers=auth(built, "PWR-01", "unit_operator"))
    assert shown.json()["working_group_id"] == group
    assert shown.json()["minutes"] is None
    listed = client.get("/v1/meetings?half_year=2031H1", headers=hq(built)).json()["items"]
    assert [(m["id"], m["kind"], m["minutes_recorded"]) for m in listed] == [
        (meeting_id, "regular", False)
    ]


def test_a_scheduled_meeting_reaches_each_invitee_in_app(world: tuple[World, TestClient]) -> None:
    """The app's notifier routes it before the read answers (read-your-writes); SQLite only:
    routing does not depend on the store."""
    built, client = world
    body = MEETING | {"half_year": "2034H1", "invitees": ["PWR-01", "HEAT"]}
    meeting_id = created(client, built.token(*HQ), "/v1/meetings", body, "meeting_id")

    def notices(unit: str, role: str) -> list[dict[str, Any]]:
        answer = client.get("/v1/notifications?limit=200", headers=auth(built, unit, role))
        assert answer.status_code == 200, answer.text
        return [n for n in answer.json()["items"] if n["subject"] == meeting_id]

    (invited,) = notices("PWR-01", "unit_operator")
    assert invited["event_type"] == "marketplace.meeting.scheduled.v1" and not invited["read"]
    assert invited["title"] == "例行工作会议通知：2034H1"  # noqa: RUF001 - zh-CN, the default
    assert "Internal market trade by platform" in invited["body"]
    assert [n["event_type"] for n in notices("HEAT", "platform_admin")] == [invited["event_type"]]
    assert notices("PWR", "platform_admin") == []  # the invitee's platform was not invited
    assert notices("HQ", "hq_admin") == []


@pytest.mark.both_stores
def test_of_racing_requests_for_a_half_year_one_schedules(world: tuple[World, TestClient]) -> None:
    built, _ = world
    admin = Principal("tok_race", "HQ", frozenset({Role.HQ_ADMIN}))

    def schedule(_: int) -> str:
        try:
            meetings.schedule_regular(
                built.svc, admin, "2033H2", built.svc.clock(), ["Race"], ["PWR"], None
            )
        except DomainError as refused:
            return refused.code
        return "scheduled"

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(schedule, range(4)))
    assert outcomes == ["regular_meeting_exists"] * 3 + ["scheduled"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"half_year": "2031Q1"}, "half_year"),
        ({"half_year": "2031H3"}, "half_year"),
        ({"kind": "ad_hoc"}, "kind"),
        ({"invitees": []}, "invitees"),
        ({"invitees": ["NOPE"]}, "invitees.0"),
        ({"scheduled_for": "2031-03-10"}, "scheduled_for"),
    ],
)
def test_a_bad_meeting_is_refused_naming_the_field(
    world: tuple[World, TestClient], change: dict[str, Any], field: str
) -> None:
    built, client = world
    answer = client.post("/v1/meetings", json=MEETING | change, headers=hq(built))
    assert answer.status_code == 422, answer.text
    assert field in {d["field"] for d in answer.json()["error"]["details"]}


@pytest.mark.parametrize(
    ("unit", "role"), [("PWR", "platform_admin"), ("PWR-01", "unit_operator"), ("HQ", "auditor")]
)
def test_only_hq_schedules_and_records_minutes(
    world: tuple[World, TestClient], unit: str, role: str
) -> None:
    built, client = world
    body = MEETING | {"half_year": "2031H2"}
    assert (
        client.post("/v1/meetings", json=body, headers=auth(built, unit, role)).status_code == 403
    )
    meeting_id = client.get("/v1/meetings", headers=hq(built)).json()["items"][0]["id"]
    answer = client.post(
        f"/v1/meetings/{meeting_id}/minutes", json=minutes_body("2031-04-01"),
        headers=auth(built, unit, role),
    )  # fmt: skip
    assert answer.status_code == 403


def test_minutes_make_action_items_their_owner_marks_done(world: tuple[World, TestClient]) -> None:
    built, client = world
    body = MEETING | {"half_year": "2032H1"}
    meeting_id = created(client, built.token(*HQ), "/v1/meetings", body, "meeting_id")
    # The due day is long past: the item is overdue from the start.
    recorded = client.post(
        f"/v1/meetings/{meeting_id}/minutes", json=minutes_body("2020-01-01"), headers=hq(built)
    )
    assert recorded.status_code == 200, recorded.text
    (decision,) = recorded.json()["minutes"]["decisions"]
    item_id = decision["action_items"][0]["action_item_id"]
    again = client.post(
        f"/v1/meetings/{meeting_id}/minutes", json=minutes_body("2032-01-01"), headers=hq(built)
    )
    assert (again.status_code, code(again)) == (409, "minutes_recorded")

    pwr01 = auth(built, "PWR-01", "unit_operator")
    mine = client.get("/v1/action-items?status=overdue", headers=pwr01).json()["items"]
    assert item_id in {i["id"] for i in mine}
    assert {i["owner_unit_id"] for i in mine} == {"PWR-01"}

    path = f"/v1/action-items/{item_id}/done"
    for unit, role in (("PWR-02", "unit_operator"), ("HEAT", "platform_admin")):
        refused = client.post(path, json={"evidence": "x"}, headers=auth(built, unit, role))
        assert refused.status_code == 403
    done = client.post(path, json={"evidence": "List sent."}, headers=pwr01)
    assert (done.status_code, done.json()["status"]) == (200, "done"), done.text
    twice = client.post(path, json={"evidence": "Again."}, headers=pwr01)
    assert (twice.status_code, code(twice)) == (409, "action_item_done")
    done_list = client.get("/v1/action-items?status=done&owner_unit_id=PWR-01", headers=pwr01)
    assert item_id in {i["id"] for i in done_list.json()["items"]}
    blank = client.post(path, json={"evidence": ""}, headers=pwr01)
    assert blank.status_code == 422


def test_action_items_are_listed_within_reach_by_due_day(world: tuple[World, TestClient]) -> None:
    built, client = world
    # An item of its own, due on a day no other test uses (the module's tests share the world).
    body = MEETING | {"half_year": "2033H1"}
    meeting_id = created(client, built.token(*HQ), "/v1/meetings", body, "meeting_id")
    recorded = client.post(
        f"/v1/meetings/{meeting_id}/minutes", json=minutes_body("2020-01-02"), headers=hq(built)
    )
    assert recorded.status_code == 200, recorded.text
    everything = client.get("/v1/action-items?limit=500", headers=hq(built)).json()["items"]
    assert [i["due"] for i in everything] == sorted(i["due"] for i in everything)
    assert {i["status"] for i in everything} <= {"open", "overdue", "done"}
    pwr = client.get("/v1/action-items", headers=auth(built, "PWR", "platform_admin")).json()
    assert {i["owner_unit_id"] for i in pwr["items"]} <= {"PWR", "PWR-01", "PWR-02", "PWR-03"}
    other = client.get(
        "/v1/action-items?owner_unit_id=COAL-01", headers=auth(built, "PWR-01", "unit_operator")
    )
    assert other.status_code == 403
    bi = client.get("/v1/action-items", headers=auth(built, "HQ", "bi_reader"))
    assert bi.status_code == 403
    window = client.get(
        "/v1/action-items?due_from=2020-01-02&due_to=2020-01-02", headers=hq(built)
    ).json()["items"]
    assert window and {i["due"] for i in window} == {"2020-01-02"}
    assert client.get("/v1/action-items?status=late", headers=hq(built)).status_code == 422


def test_a_platform_asks_for_an_ad_hoc_meeting_and_hq_answers_once(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    pwr = auth(built, "PWR", "platform_admin")
    body = {"matter": "Spare capacity of the repair shops", "report": "Two shops idle in May."}
    request_id = created(client, built.token("PWR", "platform_admin"), "/v1/meeting-requests",
                         body, "request_id")  # fmt: skip
    accepted = client.post(
        f"/v1/meeting-requests/{request_id}/accept",
        json={"scheduled_for": later(3)},
        headers=hq(built),
    )
    assert accepted.status_code == 200, accepted.text
    meeting = client.get(f"/v1/meetings/{accepted.json()['meeting_id']}", headers=pwr).json()
    assert (meeting["kind"], meeting["request_id"], meeting["invitees"]) == (
        "ad_hoc", request_id, ["PWR"]
    )  # fmt: skip
    for answer, payload in (("accept", {"scheduled_for": later(4)}), ("decline", {"reason": "No"})):
        again = client.post(
            f"/v1/meeting-requests/{request_id}/{answer}", json=payload, headers=hq(built)
        )
        assert (again.status_code, code(again)) == (409, "request_answered")
    declined_id = created(client, built.token("PWR", "platform_admin"), "/v1/meeting-requests",
                          {"matter": "Heat tariffs", "report": "R"}, "request_id")  # fmt: skip
    refused = client.post(
        f"/v1/meeting-requests/{declined_id}/decline", json={"reason": "No"}, headers=pwr
    )
    assert refused.status_code == 403
    declined = client.post(
        f"/v1/meeting-requests/{declined_id}/decline", json={"reason": "At the regular one."},
        headers=hq(built),
    )  # fmt: skip
    assert declined.json()["status"] == "declined"
    listed = client.get("/v1/meeting-requests?status=accepted", headers=pwr).json()["items"]
    assert request_id in {r["id"] for r in listed}
    assert {r["platform_unit_id"] for r in listed} == {"PWR"}
    heat = client.get("/v1/meeting-requests", headers=auth(built, "HEAT", "platform_admin"))
    assert request_id not in {r["id"] for r in heat.json()["items"]}
    hidden = client.get(
        f"/v1/meeting-requests/{request_id}", headers=auth(built, "HEAT", "platform_admin")
    )
    assert hidden.status_code == 403


@pytest.mark.parametrize(
    "matter",
    ["", "Spare capacity\nHeat tariffs", "Spare capacity; heat tariffs", "1. Spare capacity",
     "x" * 201],
)  # fmt: skip
def test_a_request_carries_exactly_one_matter(world: tuple[World, TestClient], matter: str) -> None:
    built, client = world
    answer = client.post(
        "/v1/meeting-requests",
        json={"matter": matter, "report": "R"},
        headers=auth(built, "PWR", "platform_admin"),
    )
    assert answer.status_code == 422, answer.text
    listed = client.post(
        "/v1/meeting-requests",
        json={"matter": ["Spare capacity", "Heat tariffs"], "report": "R"},
        headers=auth(built, "PWR", "platform_admin"),
    )
    assert listed.status_code == 422


@pytest.mark.parametrize(("unit", "role"), [("HQ", "hq_admin"), ("PWR-01", "unit_operator")])
def test_only_a_platforms_admin_files_a_request(
    world: tuple[World, TestClient], unit: str, role: str
) -> None:
    built, client = world
    answer = client.post(
        "/v1/meeting-requests",
        json={"matter": "Spare capacity", "report": "R"},
        headers=auth(built, unit, role),
    )
    assert answer.status_code == 403


def test_the_demo_has_a_regular_meeting_with_an_overdue_item_and_requests(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    regular = [
        m for m in client.get("/v1/meetings?limit=500", headers=hq(built)).json()["items"]
        if m["kind"] == "regular" and m["minutes_recorded"]
    ]  # fmt: skip
    assert regular
    overdue = client.get("/v1/action-items?status=overdue&owner_unit_id=COAL-01", headers=hq(built))
    assert overdue.status_code == 200
    statuses = {
        r["status"] for r in client.get("/v1/meeting-requests", headers=hq(built)).json()["items"]
    }
    assert {"accepted", "pending"} <= statuses
    items = client.get("/v1/action-items?owner_unit_id=PWR-01&status=overdue", headers=hq(built))
    assert items.json()["items"], "the demo's PWR-01 item is overdue"


def test_an_unknown_meeting_request_or_item_is_404(world: tuple[World, TestClient]) -> None:
    built, client = world
    assert client.get("/v1/meetings/mtg_nope", headers=hq(built)).status_code == 404
    answer = client.post(
        "/v1/action-items/act_nope/done", json={"evidence": "x"}, headers=hq(built)
    )
    assert answer.status_code == 404
    answer = client.post(
        "/v1/meeting-requests/mrq_nope/accept", json={"scheduled_for": later(1)},
        headers=hq(built),
    )  # fmt: skip
    assert answer.status_code == 404
