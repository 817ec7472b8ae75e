"""Issue 11: a supplier finds what it can act on (offer, bid) in its inbox, a need names its
tender, and the needs board shows a tender's contract — in-process on the embedded store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for

REQUIRED_BY = (date.today() + timedelta(days=30)).isoformat()
VALID = (datetime.now(UTC) + timedelta(days=10)).isoformat()


@pytest.fixture(scope="module")
def api(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    """The demo group on the embedded store, or on PostgreSQL (the event store and read models)."""
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with serve_in_process(settings_for(tmp_path_factory.mktemp("inbox"), schema)) as served:
            yield served
    finally:
        if schema:
            drop_schemas(schema)


def get(api: InProcessApi, path: str, unit: str, **params: Any) -> Any:
    answer = api.client.get(path, params=params, headers=api.auth(unit, "unit_operator"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def post(api: InProcessApi, path: str, body: Any, unit: str) -> Any:
    answer = api.client.post(path, json=body, headers=api.auth(unit, "unit_operator"))
    assert answer.is_success, answer.text
    return answer.json()


def post_need(api: InProcessApi, sourcing: str = "direct", title: str = "Steam") -> str:
    body = {
        "demand_unit_id": "COAL-01",
        "title": title,
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "1200.50",
        "uom": "t",
        "required_by": REQUIRED_BY,
        "budget_amount": "230000.00",
        "business_type": "regular",
        "sourcing": sourcing,
    }
    return str(post(api, "/v1/needs", body, "COAL-01")["id"])


def inbox_item(api: InProcessApi, unit: str, need_id: str) -> dict[str, Any] | None:
    items = get(api, "/v1/inbox", unit, limit=500)["items"]
    found = [i for i in items if i["need_id"] == need_id]
    return found[0] if found else None


def board_row(api: InProcessApi, need_id: str) -> dict[str, Any]:
    items = get(api, "/v1/needs", "COAL-01", limit=500)["items"]
    [row] = [i for i in items if i["need_id"] == need_id]
    return dict(row)


@pytest.mark.both_stores
def test_a_tendered_need_stays_with_its_invitees_until_the_deadline(api: InProcessApi) -> None:
    need_id = post_need(api, "tender")
    assert get(api, f"/v1/needs/{need_id}", "COAL-01")["tender_id"] is None
    offer = inbox_item(api, "HEAT-02", need_id)
    assert offer is not None
    assert (offer["actions"], offer["offered"], offer["tender_id"]) == (["offer"], False, None)
    assert inbox_item(api, "SVC-01", need_id) is None  # not a catalog supplier of the item

    deadline = datetime.now(UTC) + timedelta(hours=1)
    tender = {
        "invitees": ["HEAT-02", "PWR-01", "SVC-01"],
        "bid_deadline": deadline.isoformat(),
        "evaluation": "lowest_price",
        "internal_preference_margin_pct": "0",
    }
    tender_id = post(api, f"/v1/needs/{need_id}/tender", tender, "COAL-01")["tender_id"]
    assert get(api, f"/v1/needs/{need_id}", "COAL-01")["tender_id"] == tender_id

    for unit in ("HEAT-02", "PWR-01", "SVC-01"):  # SVC-01: invited, not a catalog supplier
        item = inbox_item(api, unit, need_id)
        assert item is not None, unit
        assert (item["actions"], item["status"], item["tender_id"]) == (
            ["bid"],
            "tendering",
            tender_id,
        )
        assert item["bid_submitted"] is False
        assert datetime.fromisoformat(item["bid_deadline"]) == deadline
    bid = {"supplier_unit_id": "SVC-01", "amount": "900.00", "delivery_date": "2030-01-01"}
    bid_id = post(api, f"/v1/tenders/{tender_id}/bids", bid, "SVC-01")["bid_id"]
    item = inbox_item(api, "SVC-01", need_id)
    assert item is not None and item["bid_submitted"] is True and "amount" not in item
    assert inbox_item(api, "PWR-01", need_id)["bid_submitted"] is False  # type: ignore[index]

    real_clock = api.svc.clock
    api.svc.clock = lambda: deadline + timedelta(minutes=1)
    try:
        for unit in ("HEAT-02", "PWR-01", "SVC-01"):  # bids closed: nothing left to do
            assert inbox_item(api, unit, need_id) is None, unit
        post(api, f"/v1/tenders/{tender_id}/open", {}, "COAL-01")
        contract_id = post(api, f"/v1/tenders/{tender_id}/award", {"bid_id": bid_id}, "COAL-01")[
            "contract_id"
        ]
    finally:
        api.svc.clock = real_clock
    said = get(api, f"/v1/needs/{need_id}", "COAL-01")
    row = board_row(api, need_id)
    assert (said["status"], said["contract_id"], said["open_quantity"]) == (
        "awarded",
        contract_id,
        "0",
    )
    assert (row["status"], row["contract_id"], row["open_quantity"], row["quantity"]) == (
        "awarded",
        contract_id,
        "0",
        "1200.5",
    )


def test_an_offer_shows_and_an_award_takes_the_need_out_of_the_inbox(api: InProcessApi) -> None:
    need_id = post_need(api)
    terms = {
        "supplier_unit_id": "PWR-01",
        "unit_price": "179.50",
        "quantity": "1200",
        "delivery_date": REQUIRED_BY,
        "valid_until": VALID,
    }
    offer_id = post(api, f"/v1/needs/{need_id}/offers", terms, "PWR-01")["offer_id"]
    item = inbox_item(api, "PWR-01", need_id)
    assert item is not None and (item["actions"], item["offered"]) == (["offer"], True)
    post(api, f"/v1/needs/{need_id}/award", {"offer_id": offer_id}, "COAL-01")
    assert inbox_item(api, "PWR-01", need_id) is None
    assert inbox_item(api, "HEAT-02", need_id) is None
    assert board_row(api, need_id)["open_quantity"] == "0"


def test_the_inbox_pages_with_a_cursor(api: InProcessApi) -> None:
    posted = [post_need(api, title=f"Paged {n}") for n in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = get(api, "/v1/inbox", "HEAT-02", **params)
        assert len(page["items"]) <= 2
        seen += [i["need_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert seen[:3] == posted[::-1]  # newest first
    everything = get(api, "/v1/inbox", "HEAT-02", limit=500)
    assert [i["need_id"] for i in everything["items"]] == seen
    assert everything["next_cursor"] is None
    bad = api.client.get(
        "/v1/inbox", params={"cursor": "bm9wZQ"}, headers=api.auth("HEAT-02", "unit_operator")
    )
    assert bad.status_code == 422
