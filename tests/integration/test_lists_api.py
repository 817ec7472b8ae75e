"""A supplier finds its tenders, contracts, incidents and disputes from the API alone, each list
within the caller's reach and paged with a cursor; the contract view says who signed and when."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api_world import World, bearer, created, demo_world, later, served_demo
from tests.integration.test_authorisation_matrix import NEED, OFFER

SEALED_AMOUNT = "91234.56"


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, TestClient]]:
    """The demo world and the scenario of `build`, on each store (the lists' SQL runs on both)."""
    with served_demo(backend, tmp_path_factory.mktemp("lists")) as (built, client):
        build(built, client)
        yield built, client


def build(world: World, client: TestClient) -> None:
    """COAL-02 buys from HEAT-02 (signed by COAL-02 only, then both; an incident; a dispute in
    mediation) and tenders to HEAT-02 (which bids) and ENG-01 (no catalog supplier of it)."""
    ids = world.ids
    coal, heat = op(world, "COAL-02"), op(world, "HEAT-02")
    need_id = created(client, coal, "/v1/needs", NEED, "id")
    offer = OFFER | {"supplier_unit_id": "HEAT-02"}
    offer_id = created(client, heat, f"/v1/needs/{need_id}/offers", offer, "offer_id")
    ids["contract"] = created(
        client, coal, f"/v1/needs/{need_id}/award", {"offer_id": offer_id}, "contract_id"
    )
    signed = client.post(f"/v1/contracts/{ids['contract']}/sign", headers=bearer(coal))
    assert signed.is_success, signed.text
    ids["half_signed"] = client.get(f"/v1/contracts/{ids['contract']}", headers=bearer(heat)).text
    signed = client.post(f"/v1/contracts/{ids['contract']}/sign", headers=bearer(heat))
    assert signed.is_success, signed.text
    incident = {"kind": "product_quality", "severity": "major", "description": "Wet steam."}
    ids["incident"] = created(
        client,
        coal,
        f"/v1/contracts/{ids['contract']}/quality-incidents",
        incident | {"occurred_at": later(0)},
        "incident_id",
    )
    dispute = {"subject_type": "contract", "subject_id": ids["contract"], "kind": "quality"}
    dispute |= {"against_unit_id": "HEAT-02", "claim": "Compensate the lost output."}
    ids["dispute"] = created(client, coal, "/v1/disputes", dispute, "dispute_id")
    mediation = client.post(f"/v1/disputes/{ids['dispute']}/mediation", headers=bearer(heat))
    assert mediation.is_success, mediation.text

    tender_need = created(client, coal, "/v1/needs", NEED | {"sourcing": "tender"}, "id")
    invitation = {"invitees": ["HEAT-02", "PWR-01", "ENG-01"], "bid_deadline": later(7)}
    ids["tender"] = created(
        client, coal, f"/v1/needs/{tender_need}/tender", invitation, "tender_id"
    )
    bid = {"supplier_unit_id": "HEAT-02", "amount": SEALED_AMOUNT, "delivery_date": later(30)[:10]}
    created(client, heat, f"/v1/tenders/{ids['tender']}/bids", bid, "bid_id")
    another = created(client, coal, "/v1/needs", NEED | {"sourcing": "tender"}, "id")
    invitation = {"invitees": ["HEAT-02", "PWR-01"], "bid_deadline": later(8)}
    created(client, coal, f"/v1/needs/{another}/tender", invitation, "tender_id")


def op(world: World, unit: str) -> str:
    return world.token(unit, "unit_operator")


def get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused(client: TestClient, token: str, path: str, **params: Any) -> dict[str, Any]:
    answer = client.get(path, params=params, headers=bearer(token))
    assert answer.status_code == 403, answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == "forbidden"
    return error


@pytest.mark.both_stores
def test_an_invitee_finds_its_tenders_and_its_own_bids_state_never_an_amount(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    tender_id = built.ids["tender"]
    for unit, state in (("HEAT-02", "submitted"), ("ENG-01", "none"), ("PWR-01", "none")):
        answer = client.get("/v1/tenders", headers=bearer(op(built, unit)))
        assert SEALED_AMOUNT not in answer.text
        (mine,) = [t for t in answer.json()["items"] if t["id"] == tender_id]
        assert mine["my_bid"] == state, unit
        assert (mine["status"], mine["bid_count"], mine["demand_unit_id"]) == ("open", 1, "COAL-02")
        assert sorted(mine["invitees"]) == ["ENG-01", "HEAT-02", "PWR-01"]
        filtered = get(client, op(built, unit), "/v1/tenders", invited_unit_id=unit, status="open")
        assert tender_id in {t["id"] for t in filtered["items"]}
    assert "amount" not in mine  # ENG-01, no catalog supplier of steam, found it all the same
    # The demand unit sees its tender (not who has bid); a stranger does not see it at all.
    coal = get(client, op(built, "COAL-02"), "/v1/tenders")["items"]
    (own,) = [t for t in coal if t["id"] == tender_id]
    assert (own["my_bid"], own["bid_count"]) == (None, 1)
    stranger = get(client, op(built, "COAL-03"), "/v1/tenders")["items"]
    assert tender_id not in {t["id"] for t in stranger}
    heat_platform = get(client, built.token("HEAT", "platform_admin"), "/v1/tenders")["items"]
    assert tender_id in {t["id"] for t in heat_platform}
    awarded = get(client, op(built, "HEAT-02"), "/v1/tenders", status="awarded")["items"]
    assert tender_id not in {t["id"] for t in awarded}


@pytest.mark.both_stores
def test_a_supplier_finds_its_contract_incident_and_dispute(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    ids, heat = built.ids, op(built, "HEAT-02")
    supplied = get(client, heat, "/v1/contracts", unit_id="HEAT-02", role="supply")["items"]
    (contract,) = [c for c in supplied if c["id"] == ids["contract"]]
    assert (contract["demand_unit_id"], contract["status"]) == ("COAL-02", "active")
    assert (contract["quantity"], contract["amount"]) == ("500", "92500.00")
    bought = get(client, heat, "/v1/contracts", role="demand")["items"]
    assert ids["contract"] not in {c["id"] for c in bought}
    both = get(client, op(built, "COAL-02"), "/v1/contracts", status="active")["items"]
    assert ids["contract"] in {c["id"] for c in both}

    incidents = get(client, heat, "/v1/quality-incidents", supplier_unit_id="HEAT-02")["items"]
    (incident,) = [i for i in incidents if i["incident_id"] == ids["incident"]]
    assert (incident["demand_unit_id"], incident["status"]) == ("COAL-02", "open")
    assert (incident["kind"], incident["severity"]) == ("product_quality", "major")
    narrowed = get(
        client, heat, "/v1/quality-incidents", supplier_unit_id="HEAT-02", demand_unit_id="COAL-02"
    )
    assert ids["incident"] in {i["incident_id"] for i in narrowed["items"]}
    one = get(client, heat, f"/v1/quality-incidents/{ids['incident']}")
    assert (one["contract_id"], one["demand_unit_id"]) == (ids["contract"], "COAL-02")

    disputes = get(client, heat, "/v1/disputes")["items"]
    (dispute,) = [d for d in disputes if d["id"] == ids["dispute"]]
    assert (dispute["status"], dispute["mediator_unit_id"]) == ("in_mediation", "HQ")
    assert dispute["raiser_unit_id"] == "COAL-02"
    mediating = get(client, built.token("HQ", "hq_admin"), "/v1/disputes", unit_id="HQ")
    assert ids["dispute"] in {d["id"] for d in mediating["items"]}


def test_the_contract_view_says_who_signed_and_when(world: tuple[World, TestClient]) -> None:
    built, client = world
    half = json.loads(built.ids["half_signed"])
    assert [s["unit_id"] for s in half["signatures"]] == ["COAL-02"]
    full = get(client, op(built, "HEAT-02"), f"/v1/contracts/{built.ids['contract']}")
    assert [s["unit_id"] for s in full["signatures"]] == ["COAL-02", "HEAT-02"]
    first, second = (s["signed_at"] for s in full["signatures"])
    assert first == half["signatures"][0]["signed_at"] and first <= second


def test_a_supplier_reads_its_own_quality_figures_only(world: tuple[World, TestClient]) -> None:
    built, client = world
    heat = op(built, "HEAT-02")
    (own,) = get(client, heat, "/v1/projections/supplier-quality", supplier_unit_id="HEAT-02")[
        "items"
    ]
    assert own["supplier_unit_id"] == "HEAT-02" and own["incidents"] >= 1
    refused(client, heat, "/v1/projections/supplier-quality", supplier_unit_id="PWR-01")
    refused(client, heat, "/v1/projections/supplier-quality")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/tenders", {"invited_unit_id": "HEAT-02"}),
        ("/v1/contracts", {"unit_id": "HEAT-02"}),
        ("/v1/quality-incidents", {"supplier_unit_id": "HEAT-02"}),
        ("/v1/quality-incidents", {"demand_unit_id": "COAL-02"}),
        ("/v1/disputes", {"unit_id": "HEAT-02"}),
    ],
)
def test_a_unit_filter_outside_the_reach_is_refused(
    world: tuple[World, TestClient], path: str, params: dict[str, str]
) -> None:
    built, client = world
    stranger = "COAL-03" if "HEAT-02" in params.values() else "HEAT-01"
    error = refused(client, op(built, stranger), path, **params)
    assert set(error["details"]) == set(params)
    refused(client, built.token("ENG", "platform_admin"), path, **params)
    refused(client, built.token("HQ", "bi_reader"), path)
    for reader in (built.token("HQ", "auditor"), built.token("HQ", "hq_admin")):
        get(client, reader, path, **params)


def test_another_units_incident_is_refused_and_an_unknown_one_not_found(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    refused(client, op(built, "COAL-03"), f"/v1/quality-incidents/{built.ids['incident']}")
    missing = client.get("/v1/quality-incidents/inc_nope", headers=bearer(op(built, "HEAT-02")))
    assert missing.status_code == 404, missing.text


@pytest.mark.both_stores
def test_every_list_pages_with_a_cursor(world: tuple[World, TestClient]) -> None:
    built, client = world
    hq = built.token("HQ", "auditor")
    for path in ("/v1/tenders", "/v1/contracts", "/v1/quality-incidents", "/v1/disputes"):
        whole = get(client, hq, path, limit=500)
        assert whole["next_cursor"] is None and len(whole["items"]) >= 2, path
        seen: list[Any] = []
        cursor = None
        while True:
            page = get(client, hq, path, limit=1, **({"cursor": cursor} if cursor else {}))
            assert len(page["items"]) <= 1
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == whole["items"], path
    foreign = get(client, hq, "/v1/contracts", limit=1)["next_cursor"]
    wrong = client.get("/v1/disputes", params={"cursor": foreign}, headers=bearer(hq))
    assert wrong.status_code == 422, wrong.text
    unknown = client.get("/v1/contracts", params={"side": "supply"}, headers=bearer(hq))
    assert unknown.status_code == 422, unknown.text


def test_lists_answer_from_a_fresh_world(tmp_path: Path) -> None:
    """Before any tender or dispute exists the lists are empty, not errors."""
    built = demo_world(tmp_path)
    with TestClient(built.app) as client:
        answer = get(client, op(built, "ENG-01"), "/v1/tenders")
        assert answer == {"items": [], "next_cursor": None}
    built.svc.store.close()
