"""Shared resources over the in-process API: the excavator two engineering companies share,
worked by hand (amounts, a refused overlap, handover and a damaged return that becomes an
incident against the booking unit, trade volume by trade form); twenty bookings racing for a
resource on both stores; refusals (403, 404, 409, 422) that change nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api_world import World, bearer, created, served_demo

EXCAVATOR = {
    "owner_unit_id": "ENG-02",
    "kind": "equipment",
    "name": "Excavator EX-300",
    "uom": "day",
    "rate": "2000.00",
}


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, TestClient]]:
    with served_demo(backend, tmp_path_factory.mktemp("resources")) as (built, client):
        yield built, client


def op(world: World, unit: str) -> dict[str, str]:
    return bearer(world.token(unit, "unit_operator"))


def hq(world: World) -> dict[str, str]:
    return bearer(world.token("HQ", "hq_admin"))


def code(answer: Any) -> str:
    return str(answer.json()["error"]["code"])


def window(first: str, last: str, **more: Any) -> dict[str, Any]:
    """Days of May 2031 in the group's time zone, [first, last)."""
    return {"from": f"2031-05-{first}", "to": f"2031-05-{last}"} | more


def listed(world: World, client: TestClient, **changes: str) -> str:
    return created(client, world.token("ENG-02", "unit_operator"), "/v1/resources",
                   EXCAVATOR | changes, "resource_id")  # fmt: skip


def trade_by_form(world: World, client: TestClient) -> dict[str, tuple[int, Decimal, Decimal]]:
    answer = client.get("/v1/projections/trade-volume?group_by=trade_form", headers=hq(world))
    assert answer.status_code == 200, answer.text
    return {
        row["key"]: (row["contracts"], Decimal(row["amount"]), Decimal(row["delivered_amount"]))
        for row in answer.json()["items"]
    }


def test_an_excavator_shared_by_two_engineering_companies(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    before = trade_by_form(built, client).get("resource", (0, Decimal(0), Decimal(0)))
    resource_id = listed(built, client)
    path = f"/v1/resources/{resource_id}"
    borrower = op(built, "ENG-01")

    # 5 days at 2000.00: 10000.00; then 2 days back to back: 4000.00.
    first = client.post(f"{path}/bookings", json=window("04", "09", unit_id="ENG-01"),
                        headers=borrower)  # fmt: skip
    assert first.status_code == 201, first.text
    a = first.json()
    assert (a["duration"], a["quantity"], a["amount"], a["status"]) == (
        5,
        "1",
        "10000.00",
        "booked",
    )
    assert a["from"] == "2031-05-03T16:00:00Z"  # midnight in Shanghai
    second = client.post(f"{path}/bookings", json=window("09", "11", unit_id="ENG-01"),
                         headers=borrower).json()  # fmt: skip
    assert second["amount"] == "4000.00"

    contract = client.get(f"/v1/contracts/{a['contract_id']}", headers=borrower).json()
    assert (contract["status"], contract["trade_form"], contract["source_id"]) == (
        "active", "resource", a["booking_id"]
    )  # fmt: skip
    assert (contract["demand_unit_id"], contract["supply_unit_id"]) == ("ENG-01", "ENG-02")
    assert (contract["item_code"], contract["quantity"], contract["unit_price"]) == (
        resource_id, "5", "2000.00"
    )  # fmt: skip
    assert contract["amount"] == "10000.00"

    # HEAT-01 wants the 8th and the 9th: both are taken, one stretch of 1 booked, 0 free.
    refused = client.post(f"{path}/bookings", json=window("08", "10", unit_id="HEAT-01"),
                          headers=op(built, "HEAT-01"))  # fmt: skip
    assert (refused.status_code, code(refused)) == (409, "resource_unavailable")
    details = refused.json()["error"]["details"]
    assert [(c["from"], c["to"], c["booked"], c["free"]) for c in details["conflicts"]] == [
        ("2031-05-07T16:00:00+00:00", "2031-05-09T16:00:00+00:00", "1", "0")
    ]
    own = client.post(f"{path}/bookings", json=window("20", "21", unit_id="ENG-02"),
                      headers=op(built, "ENG-02"))  # fmt: skip
    assert (own.status_code, code(own)) == (409, "self_supply")

    # The owner hands over; the borrower cannot. The owner takes it back damaged.
    booking = f"{path}/bookings/{a['booking_id']}"
    fine = {"condition": "Full tank, teeth checked."}
    assert client.post(f"{booking}/handover", json=fine, headers=borrower).status_code == 403
    handed = client.post(f"{booking}/handover", json=fine, headers=op(built, "ENG-02"))
    assert handed.json()["status"] == "handed_over", handed.text
    damaged = {"condition": "Boom dented.", "damaged": True, "damage": "Boom dented on a pylon.",
               "severity": "major"}  # fmt: skip
    back = client.post(f"{booking}/return", json=damaged, headers=op(built, "ENG-02"))
    assert back.status_code == 200, back.text
    assert (back.json()["status"], back.json()["damaged"]) == ("returned", True)
    incident = client.get(f"/v1/quality-incidents/{back.json()['incident_id']}", headers=borrower)
    assert incident.status_code == 200, incident.text
    assert (incident.json()["kind"], incident.json()["severity"]) == ("damage", "major")
    assert incident.json()["contract_id"] == a["contract_id"]
    # The owner raised it: the owner, not the borrower, turns it into a dispute against ENG-01.
    escalate = f"/v1/quality-incidents/{back.json()['incident_id']}/dispute"
    claim = {"claim": "Pay for the boom's repair."}
    assert client.post(escalate, json=claim, headers=borrower).status_code == 403
    disputed = client.post(escalate, json=claim, headers=op(built, "ENG-02"))
    assert disputed.status_code == 201, disputed.text
    dispute = client.get(f"/v1/disputes/{disputed.json()['dispute_id']}", headers=borrower).json()
    assert (dispute["raiser_unit_id"], dispute["against_unit_id"]) == ("ENG-02", "ENG-01")
    done = client.get(f"/v1/contracts/{a['contract_id']}", headers=borrower).json()
    assert (done["status"], done["delivered_amount"]) == ("completed", "10000.00")

    # The second booking is called off before it starts; the window is free again.
    cancelled = client.post(f"{path}/bookings/{second['booking_id']}/cancel",
                            json={"reason": "Survey postponed."}, headers=borrower)  # fmt: skip
    assert cancelled.json()["status"] == "cancelled", cancelled.text
    ended = client.get(f"/v1/contracts/{second['contract_id']}", headers=borrower).json()
    assert ended["status"] == "terminated"
    third = client.post(f"{path}/bookings", json=window("09", "11", unit_id="HEAT-01"),
                        headers=op(built, "HEAT-01"))  # fmt: skip
    assert third.status_code == 201, third.text

    # Trade by form: three resource contracts (one terminated, still counted as it was
    # active), 18000.00 in all, 10000.00 delivered by the return.
    after = trade_by_form(built, client)["resource"]
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (
        3, Decimal("18000.00"), Decimal("10000.00")
    )  # fmt: skip
    # The damage is the borrower's doing: ENG-02's supplier quality shows no incident for it.
    quality = client.get("/v1/projections/supplier-quality?supplier_unit_id=ENG-02",
                         headers=hq(built)).json()["items"]  # fmt: skip
    assert [row["incidents"] for row in quality] == [0]

    calendar = client.get(f"{path}/calendar?from=2031-05-01&to=2031-05-15", headers=hq(built))
    assert calendar.status_code == 200, calendar.text
    shown = calendar.json()
    assert [(b["unit_id"], b["status"]) for b in shown["bookings"]] == [
        ("ENG-01", "returned"), ("HEAT-01", "booked")
    ]  # fmt: skip
    assert [(s["from"][5:10], s["to"][5:10], s["free"]) for s in shown["stretches"]] == [
        ("04-30", "05-03", "1"), ("05-03", "05-10", "0"), ("05-10", "05-14", "1")
    ]  # fmt: skip


@pytest.mark.both_stores
def test_of_twenty_racing_bookings_as_many_win_as_the_resource_has(
    world: tuple[World, TestClient],
) -> None:
    """Three cranes; twenty bookings of one each, every two of them sharing the 11th: three
    are made, seventeen refused, none fails."""
    built, client = world
    resource_id = listed(built, client, name="Mobile crane 50 t", available_quantity="3")
    start = threading.Barrier(20)
    units = ["ENG-01", "HEAT-01", "HEAT-02", "PWR-01", "COAL-01"]

    def book(n: int) -> tuple[int, str]:
        unit = units[n % len(units)]
        days = ("10", "12") if n % 2 else ("11", "13")
        start.wait()
        answer = client.post(f"/v1/resources/{resource_id}/bookings",
                             json=window(*days, unit_id=unit), headers=op(built, unit))  # fmt: skip
        return answer.status_code, answer.json().get("error", {}).get("code", "")

    with ThreadPoolExecutor(20) as pool:
        outcomes = sorted(pool.map(book, range(20)))
    assert outcomes == [(201, "")] * 3 + [(409, "resource_unavailable")] * 17
    made = client.get(f"/v1/resources/{resource_id}", headers=hq(built)).json()["bookings"]
    assert len(made) == 3
    contracts = {b["contract_id"] for b in made}
    for contract_id in contracts:
        answer = client.get(f"/v1/contracts/{contract_id}", headers=hq(built))
        assert answer.json()["status"] == "active"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from": "2031-05-04T08:30:00+08:00"}, "from"),  # not a midnight of a day resource
        ({"to": "2031-05-04"}, "to"),  # ends where it starts
        ({"from": "2031-05-06"}, "to"),  # ends before it starts
        ({"from": "2020-01-01", "to": "2020-01-03"}, "to"),  # over already
        ({"quantity": "0"}, "quantity"),
        ({"from": "tomorrow"}, "from"),
        ({"unit": "ENG-01"}, "unit"),
    ],
)
def test_a_bad_booking_is_refused_naming_the_field(
    world: tuple[World, TestClient], change: dict[str, str], field: str
) -> None:
    built, client = world
    resource_id = listed(built, client, name="Dumper truck")
    head = built.head()
    body = window("04", "06", unit_id="ENG-01") | change
    answer = client.post(f"/v1/resources/{resource_id}/bookings", json=body,
                         headers=op(built, "ENG-01"))  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert field in {d["field"] for d in answer.json()["error"]["details"]}
    assert built.head() == head


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "vehicle"}, "kind"),
        ({"uom": "week"}, "uom"),
        ({"rate": "0"}, "rate"),
        ({"available_quantity": "-1"}, "available_quantity"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_listing_is_refused_naming_the_field(
    world: tuple[World, TestClient], change: dict[str, str], field: str
) -> None:
    built, client = world
    answer = client.post("/v1/resources", json=EXCAVATOR | change, headers=op(built, "ENG-02"))
    assert answer.status_code == 422, answer.text
    assert field in {d["field"] for d in answer.json()["error"]["details"]}


def test_refusals_leave_no_trace(world: tuple[World, TestClient]) -> None:
    built, client = world
    resource_id = listed(built, client, name="Vibratory roller", uom="hour", rate="300.00")
    path = f"/v1/resources/{resource_id}"
    hours = {"unit_id": "ENG-01", "from": "2031-06-02T08:00:00+08:00",
             "to": "2031-06-02T12:00:00+08:00"}  # fmt: skip
    made = client.post(f"{path}/bookings", json=hours, headers=op(built, "ENG-01")).json()
    assert made["amount"] == "1200.00"  # 4 h at 300.00
    booking = f"{path}/bookings/{made['booking_id']}"
    head = built.head()
    checks = [
        ("/v1/resources", EXCAVATOR, "ENG-01", 403),  # not the owner's operator
        (f"{path}/bookings", hours | {"unit_id": "HEAT-01"}, "ENG-01", 403),  # for another unit
        ("/v1/resources/res_nope/bookings", hours, "ENG-01", 404),
        (f"{path}/bookings/{resource_id}-B9/handover", {"condition": "x"}, "ENG-02", 404),
        (f"{booking}/handover", {"condition": "x"}, "HEAT-01", 403),
        (f"{booking}/return", {"condition": "x"}, "ENG-02", 409),  # not handed over
        (f"{booking}/return", {"condition": "x", "damaged": True}, "ENG-02", 422),
        (f"{booking}/return", {"condition": "x", "damage": "y"}, "ENG-02", 422),
        (f"{booking}/cancel", {"reason": "x"}, "HEAT-01", 403),
        (f"{path}/withdraw", {"reason": "x"}, "ENG-01", 403),
        (f"{path}/bookings", hours, "ENG-01", 409),  # the same hours again
    ]
    for url, body, unit, status in checks:
        answer = client.post(url, json=body, headers=op(built, unit))
        assert answer.status_code == status, f"{url}: {answer.text}"
    assert built.head() == head
    withdrawn = client.post(
        f"{path}/withdraw", json={"reason": "Sold."}, headers=op(built, "ENG-02")
    )
    assert withdrawn.json()["status"] == "withdrawn"
    later = hours | {"from": "2031-06-03T08:00:00+08:00", "to": "2031-06-03T09:00:00+08:00"}
    again = client.post(f"{path}/bookings", json=later, headers=op(built, "ENG-01"))
    assert (again.status_code, code(again)) == (409, "resource_withdrawn")
    # What was booked stands: the booking unit's platform admin cancels it.
    cancel = client.post(f"{booking}/cancel", json={"reason": "Rain."},
                         headers=bearer(built.token("ENG", "platform_admin")))  # fmt: skip
    assert cancel.json()["status"] == "cancelled", cancel.text


def test_a_contract_ended_before_the_window_frees_it_and_the_lists_show_resources(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    resource_id = listed(built, client, name="Site container office", kind="facility")
    path = f"/v1/resources/{resource_id}"
    made = client.post(f"{path}/bookings", json=window("20", "25", unit_id="ENG-01"),
                       headers=op(built, "ENG-01")).json()  # fmt: skip
    ended = client.post(f"/v1/contracts/{made['contract_id']}/terminate",
                        json={"reason": "Site closed."}, headers=op(built, "ENG-01"))  # fmt: skip
    assert ended.status_code == 200, ended.text
    shown = client.get(path, headers=op(built, "PWR-01")).json()  # any token reads resources
    assert [b["status"] for b in shown["bookings"]] == ["cancelled"]
    again = client.post(f"{path}/bookings", json=window("20", "25", unit_id="HEAT-01"),
                        headers=op(built, "HEAT-01"))  # fmt: skip
    assert again.status_code == 201, again.text

    mine = client.get("/v1/resources?owner_unit_id=ENG-02&kind=facility",
                      headers=bearer(built.token("HQ", "bi_reader"))).json()  # fmt: skip
    row = next(r for r in mine["items"] if r["id"] == resource_id)
    assert (row["bookings"], row["status"], row["rate"]) == (1, "listed", "2000.00")
    assert all(r["kind"] == "facility" and r["owner_unit_id"] == "ENG-02" for r in mine["items"])
    demo = client.get("/v1/resources?kind=equipment&owner_unit_id=ENG-02", headers=hq(built))
    assert "Crawler excavator 21 t (EX-210)" in {r["name"] for r in demo.json()["items"]}
    assert client.get("/v1/resources/res_nope/calendar", headers=hq(built)).status_code == 404
    backwards = client.get(f"{path}/calendar?from=2031-05-10&to=2031-05-01", headers=hq(built))
    assert backwards.status_code == 422


def notices(world: World, client: TestClient, unit: str, subject: str) -> list[str]:
    """The types of the unit's in-app notifications about `subject`, newest first."""
    answer = client.get("/v1/notifications?limit=200", headers=op(world, unit))
    assert answer.status_code == 200, answer.text
    return [n["event_type"] for n in answer.json()["items"] if n["subject"] == subject]


def test_each_step_of_a_booking_reaches_the_other_side_in_app(
    world: tuple[World, TestClient],
) -> None:
    """The app's notifier routes each act before the read answers (read-your-writes); SQLite
    only: routing does not depend on the store."""
    built, client = world
    resource_id = listed(built, client, name="Mobile crane 50 t")
    path = f"/v1/resources/{resource_id}"
    mine = client.post(f"{path}/bookings", json=window("26", "28", unit_id="ENG-01"),
                       headers=op(built, "ENG-01")).json()  # fmt: skip
    theirs = client.post(f"{path}/bookings", json=window("28", "30", unit_id="HEAT-01"),
                         headers=op(built, "HEAT-01"))  # fmt: skip
    assert theirs.status_code == 201, theirs.text
    booking = f"{path}/bookings/{theirs.json()['booking_id']}"
    handed = client.post(f"{booking}/handover", json={"condition": "Inspected."},
                         headers=op(built, "ENG-02"))  # fmt: skip
    assert handed.status_code == 200, handed.text
    cancelled = client.post(
        f"{path}/bookings/{mine['booking_id']}/cancel",
        json={"reason": "Lift postponed."},
        headers=op(built, "ENG-01"),
    )
    assert cancelled.status_code == 200, cancelled.text
    withdrawn = client.post(f"{path}/withdraw", json={"reason": "Sold."},
                            headers=op(built, "ENG-02"))  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text

    res = "marketplace.resource."
    assert notices(built, client, "ENG-02", resource_id) == [
        f"{res}booking_cancelled.v1", f"{res}booked.v1", f"{res}booked.v1"
    ]  # fmt: skip
    # HEAT-01's booking stands through the withdrawal; ENG-01's was cancelled: not told.
    assert notices(built, client, "HEAT-01", resource_id) == [
        f"{res}withdrawn.v1", f"{res}handed_over.v1"
    ]  # fmt: skip
    assert notices(built, client, "ENG-01", resource_id) == []
