"""Issue 10's input boundary, in-process on the embedded store: values the API refuses (and
stores nothing for), query values that were 500s, future-dated facts, unit ids differing only
in case, and the authorisation corners of disputes and report submission."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.api_app import InProcessApi, serve_in_process, settings_for

SOON = (datetime.now(UTC) + timedelta(days=10)).isoformat()
REQUIRED_BY = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    with serve_in_process(settings_for(tmp_path_factory.mktemp("boundary"))) as served:
        yield served


def need(**changes: Any) -> dict[str, Any]:
    return {
        "demand_unit_id": "COAL-01",
        "title": "Process steam",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "1200",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "230000.00",
        "business_type": "regular",
        "sourcing": "direct",
    } | changes


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code, error
    return dict(error)


def invalid_fields(answer: httpx.Response) -> set[str]:
    return {d["field"] for d in refused(answer, 422, "invalid_request")["details"]}


def post(api: InProcessApi, path: str, body: Any, unit: str, role: str) -> httpx.Response:
    return api.client.post(path, json=body, headers=api.auth(unit, role))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "a\u0000b"),
        ("title", "two\nlines"),
        ("uom", "t\u202e"),
        ("budget_amount", "-0"),
        ("budget_amount", "-0.00"),
        ("budget_amount", "0"),
        ("budget_amount", "1e3"),
        ("budget_amount", "\uff11\uff12"),
        ("budget_amount", " 12 "),
        ("budget_amount", 230000),
        ("budget_amount", 230000.5),
        ("quantity", "0"),
        ("quantity", 12.5),
        ("required_by", "0001-01-01"),
        ("required_by", "2999-01-01"),
        ("required_by", 0),
    ],
)
def test_refused_values_name_the_field_and_store_nothing(
    api: InProcessApi, field: str, value: Any
) -> None:
    head = api.svc.store.head()
    answer = post(api, "/v1/needs", need(**{field: value}), "COAL-01", "unit_operator")
    assert invalid_fields(answer) == {field}
    assert api.svc.store.head() == head


def test_quantities_may_be_json_integers(api: InProcessApi) -> None:
    answer = post(api, "/v1/needs", need(quantity=1200), "COAL-01", "unit_operator")
    assert answer.status_code == 201, answer.text
    assert answer.json()["quantity"] == "1200"


@pytest.mark.parametrize("value", [0, 1700000000, 0.5, "1700000000", "2027-01-01", "9999-12-31"])
def test_times_must_be_rfc3339_strings(api: InProcessApi, value: Any) -> None:
    posted = post(api, "/v1/needs", need(demand_unit_id="COAL-02"), "COAL-02", "unit_operator")
    posted = posted.json()
    offer = {
        "supplier_unit_id": "HEAT-02",
        "unit_price": "180.00",
        "quantity": "10",
        "delivery_date": REQUIRED_BY,
        "valid_until": value,
    }
    answer = post(api, f"/v1/needs/{posted['id']}/offers", offer, "HEAT-02", "unit_operator")
    assert invalid_fields(answer) == {"valid_until"}


@pytest.mark.parametrize(
    "url",
    [
        "/v1/catalog/search?offset=9223372036854775808",
        "/v1/catalog/search?limit=501",
        "/v1/catalog/search?at=9999-12-31T23:59:59Z",
        "/v1/catalog/search?at=0001-01-01T00:00:00%2B14:00",
        "/v1/catalog/in-force?at=9999-12-31T23:59:59Z",
        "/v1/catalog/in-force?at=0001-01-01T00:00:00%2B14:00",
        "/v1/reports/quarterly?unit_id=HQ&quarter=0000Q1",
        "/v1/reports/quarterly?unit_id=HQ&quarter=0001Q1",
        "/v1/reports/quarterly?unit_id=HQ&quarter=9999Q4",
        "/v1/projections/trade-volume?from=0001-01-01T00:00:00%2B14:00",
        "/v1/projections/trade-volume?to=9999-12-31T23:59:59-12:00",
        "/v1/projections/invitation-compliance?from=0001-01-01T00:00:00%2B14:00",
        "/v1/projections/invitation-compliance?to=9999-12-31T23:59:59-12:00",
        "/v1/audit/x/state?version=9223372036854775808",
        "/v1/audit/%00/events",
        "/v1/needs?limit=100000",
    ],
)
def test_query_values_that_were_500s_are_422s(api: InProcessApi, url: str) -> None:
    refused(api.client.get(url, headers=api.auth()), 422, "invalid_request")


@pytest.mark.parametrize(
    "url",
    [
        "/v1/catalog/search?at=1900-01-01T00:00:00%2B14:00",
        "/v1/catalog/in-force?at=2200-12-31T23:59:59-12:00",
        "/v1/projections/trade-volume?from=1900-01-01T00:00:00%2B14:00&to=2200-12-31T23:59:59-12:00",
        "/v1/reports/quarterly?unit_id=HQ&quarter=2200Q4",
        "/v1/catalog/search?at=2027-01-01",
        "/v1/projections/invitation-compliance?from=1900-01-01&to=2200-12-31",
    ],
)
def test_the_ends_of_the_range_answer(api: InProcessApi, url: str) -> None:
    assert api.client.get(url, headers=api.auth()).status_code in (200, 404)


def test_a_query_day_means_its_start_in_the_group_zone(api: InProcessApi) -> None:
    today = date.today().isoformat()
    by_day = api.client.get(f"/v1/catalog/in-force?at={today}", headers=api.auth())
    assert by_day.status_code == 200, by_day.text
    volume = "/v1/projections/trade-volume?group_by=trade_form"

    def one_off(url: str) -> list[dict[str, object]]:
        """The demo's awards, all made now (its framework's call-offs are on their own days)."""
        rows = api.client.get(url, headers=api.auth()).json()["items"]
        return [r for r in rows if r["key"] == "one_off"]

    everything = one_off(volume)
    assert everything, "the demo has active contracts"
    assert one_off(f"{volume}&to={today}") == []
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert one_off(f"{volume}&to={tomorrow}") == everything


def active_contract(api: InProcessApi, demand: str, supplier: str, delivery: str) -> str:
    need_id = post(api, "/v1/needs", need(demand_unit_id=demand), demand, "unit_operator").json()[
        "id"
    ]
    offer = {
        "supplier_unit_id": supplier,
        "unit_price": "180.00",
        "quantity": "1200",
        "delivery_date": delivery,
        "valid_until": SOON,
    }
    offer_id = post(api, f"/v1/needs/{need_id}/offers", offer, supplier, "unit_operator").json()[
        "offer_id"
    ]
    awarded = post(
        api, f"/v1/needs/{need_id}/award", {"offer_id": offer_id}, demand, "unit_operator"
    )
    contract_id = str(awarded.json()["contract_id"])
    for unit in (supplier, demand):
        post(api, f"/v1/contracts/{contract_id}/sign", None, unit, "unit_operator")
    return contract_id


def test_facts_cannot_be_dated_in_the_future(api: InProcessApi) -> None:
    due = (date.today() - timedelta(days=3)).isoformat()
    contract_id = active_contract(api, "COAL-03", "HEAT-02", due)
    head = api.svc.store.head()
    far = {"quantity": "10", "amount": "1800.00", "delivered_at": "2999-01-01T00:00:00Z"}
    assert invalid_fields(
        post(api, f"/v1/contracts/{contract_id}/deliveries", far, "HEAT-02", "unit_operator")
    ) == {"delivered_at"}
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    answer = post(
        api,
        f"/v1/contracts/{contract_id}/deliveries",
        far | {"delivered_at": tomorrow},
        "HEAT-02",
        "unit_operator",
    )
    assert refused(answer, 422, "invalid_request")["details"][0]["type"] == "in_future"
    incident = {
        "kind": "management",
        "severity": "minor",
        "description": "late papers",
        "occurred_at": tomorrow,
    }
    assert invalid_fields(
        post(
            api,
            f"/v1/contracts/{contract_id}/quality-incidents",
            incident,
            "COAL-03",
            "unit_operator",
        )
    ) == {"occurred_at"}
    zero = far | {"amount": "0.00", "delivered_at": datetime.now(UTC).isoformat()}
    assert invalid_fields(
        post(api, f"/v1/contracts/{contract_id}/deliveries", zero, "HEAT-02", "unit_operator")
    ) == {"amount"}
    assert api.svc.store.head() == head
    # A few minutes of clock skew pass, and a late delivery still records its delay incident.
    skewed = far | {"delivered_at": (datetime.now(UTC) + timedelta(minutes=2)).isoformat()}
    late = post(api, f"/v1/contracts/{contract_id}/deliveries", skewed, "HEAT-02", "unit_operator")
    assert late.status_code == 201, late.text
    assert late.json()["incident_id"]


def test_unit_ids_are_unique_regardless_of_case(api: InProcessApi) -> None:
    head = api.svc.store.head()
    answer = api.client.post(
        "/v1/units",
        json={"id": "coal-01", "name": "Shadow", "level": "enterprise", "parent_id": "COAL"},
        headers=api.auth(),
    )
    assert refused(answer, 409, "unit_exists")["details"] == {
        "unit_id": "coal-01",
        "existing_unit_id": "COAL-01",
    }
    assert api.svc.store.head() == head


def test_hq_requests_mediation_and_withdraws_for_a_party(api: InProcessApi) -> None:
    contract_id = active_contract(api, "COAL-02", "PWR-01", REQUIRED_BY)

    def dispute() -> str:
        raised = post(
            api,
            "/v1/disputes",
            {
                "subject_type": "contract",
                "subject_id": contract_id,
                "against_unit_id": "PWR-01",
                "kind": "delivery",
                "claim": "short delivery",
                "raiser_unit_id": "COAL-02",
            },
            "HQ",
            "hq_admin",
        )
        assert raised.status_code == 201, raised.text
        return str(raised.json()["dispute_id"])

    first, second = dispute(), dispute()
    unnamed = post(api, f"/v1/disputes/{first}/mediation", None, "HQ", "hq_admin")
    assert "party_unit_id" in refused(unnamed, 403, "forbidden")["message"]
    mediated = post(
        api, f"/v1/disputes/{first}/mediation", {"party_unit_id": "COAL-02"}, "HQ", "hq_admin"
    )
    assert mediated.json()["status"] == "in_mediation", mediated.text
    not_raiser = post(
        api, f"/v1/disputes/{second}/withdraw", {"party_unit_id": "PWR-01"}, "HQ", "hq_admin"
    )
    refused(not_raiser, 409, "not_the_raiser")
    withdrawn = post(
        api, f"/v1/disputes/{second}/withdraw", {"party_unit_id": "COAL-02"}, "HQ", "hq_admin"
    )
    assert withdrawn.json()["status"] == "withdrawn", withdrawn.text


def test_a_dispute_on_an_unreadable_subject_is_answered_as_a_read_would(
    api: InProcessApi,
) -> None:
    need_id = post(api, "/v1/needs", need(sourcing="tender"), "COAL-01", "unit_operator").json()[
        "id"
    ]
    launched = post(
        api,
        f"/v1/needs/{need_id}/tender",
        {"invitees": ["HEAT-02", "PWR-01"], "bid_deadline": SOON},
        "COAL-01",
        "unit_operator",
    )
    tender_id = launched.json()["tender_id"]
    outsider = api.auth("SVC-03", "unit_operator")
    read = api.client.get(f"/v1/tenders/{tender_id}", headers=outsider)
    assert read.status_code == 403
    body = {
        "subject_type": "tender",
        "subject_id": tender_id,
        "against_unit_id": "COAL-01",
        "kind": "other",
        "claim": "who is in this tender?",
    }
    hidden = api.client.post("/v1/disputes", json=body, headers=outsider)
    missing = api.client.post(
        "/v1/disputes", json=body | {"subject_id": "ten_none"}, headers=outsider
    )
    assert refused(hidden, 404, "not_found")["message"] == f"Tender {tender_id!r} does not exist."
    assert "parties" not in hidden.text and "HEAT-02" not in hidden.text
    assert refused(missing, 404, "not_found")["details"] == {"id": "ten_none"}
    # A caller that may read it is told only that the units are not both parties.
    not_party = post(
        api, "/v1/disputes", body | {"against_unit_id": "SVC-03"}, "COAL-01", "unit_operator"
    )
    assert refused(not_party, 403, "forbidden")["details"] == {}


def test_a_unit_operator_hears_403_on_report_submission_whatever_it_sends(
    api: InProcessApi,
) -> None:
    for body in ({"unit_id": "COAL-01", "quarter": "0000Q1"}, {"quarter": 7}, {}):
        answer = post(api, "/v1/reports/quarterly/submit", body, "COAL-01", "unit_operator")
        refused(answer, 403, "forbidden")


def test_the_body_limit_is_a_setting(tmp_path: Path) -> None:
    with serve_in_process(settings_for(tmp_path, max_body_bytes=2048), demo=False) as small:
        answer = small.client.post("/v1/units", json={"name": "a" * 3000}, headers=small.admin)
        refused(answer, 413, "payload_too_large")
