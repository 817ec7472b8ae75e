"""Issue 11 item 10: every list pages the same way — `limit` (default 50, max 500) and an
opaque `cursor`; the answer's `next_cursor` leads on and is null on the last page. In-process
on the embedded store with the demo group."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for

# Every list's query and cursor is SQL of its own, run by each read-model store: both stores.
pytestmark = pytest.mark.both_stores

HQ = ("HQ", "hq_admin")
# path, query, who asks, what names an item
LISTS: list[tuple[str, dict[str, Any], tuple[str, str], str]] = [
    ("/v1/units", {}, HQ, "id"),
    ("/v1/units", {"within": "COAL"}, HQ, "id"),
    ("/v1/tokens", {"unit_id": "COAL-01"}, HQ, "token_id"),
    ("/v1/inspections/findings", {}, HQ, "id"),
    ("/v1/catalog/search", {}, HQ, "entry_id"),
    ("/v1/inbox", {}, ("HEAT-02", "unit_operator"), "need_id"),
    ("/v1/needs", {}, ("COAL-01", "unit_operator"), "need_id"),
    ("/v1/projections/invitation-compliance/exceptions", {}, HQ, "tender_id"),
    ("/v1/projections/invitation-compliance", {}, HQ, "key"),
    ("/v1/projections/trade-volume", {"group_by": "supply_unit"}, HQ, "key"),
    ("/v1/projections/supplier-quality", {}, HQ, "supplier_unit_id"),
    ("/v1/projections/status", {}, HQ, "name"),
    ("/v1/assessments/annual", {"year": 2027}, HQ, "unit_id"),
    ("/v1/audit/organisation/events", {}, HQ, "version"),
]


@pytest.fixture(scope="module")
def api(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    """The demo group on the embedded store, or on PostgreSQL (the event store and read models)."""
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with serve_in_process(settings_for(tmp_path_factory.mktemp("pages"), schema)) as served:
            for n in range(3):  # COAL-01 has more than one token to page through
                token = {"unit_id": "COAL-01", "roles": ["unit_operator"], "label": f"extra {n}"}
                assert served.client.post("/v1/tokens", json=token, headers=served.admin).is_success
            for demand in ("COAL-01", "COAL-02"):  # needs, and tenders with a filed omission
                post_need(served, demand, "direct")
                tender = {
                    "invitees": ["HEAT-02"],
                    "bid_deadline": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                    "evaluation": "lowest_price",
                    "internal_preference_margin_pct": "0",
                    "omission_filing": "PWR-01 is in overhaul",
                }
                need_id = post_need(served, demand, "tender")
                post(served, f"/v1/needs/{need_id}/tender", tender, demand)
            yield served
    finally:
        if schema:
            drop_schemas(schema)


def post(api: InProcessApi, path: str, body: Any, unit: str) -> Any:
    answer = api.client.post(path, json=body, headers=api.auth(unit, "unit_operator"))
    assert answer.is_success, answer.text
    return answer.json()


def post_need(api: InProcessApi, demand: str, sourcing: str) -> str:
    need = {
        "demand_unit_id": demand,
        "title": f"Steam by {sourcing}",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "100",
        "uom": "t",
        "required_by": (date.today() + timedelta(days=30)).isoformat(),
        "budget_amount": "20000.00",
        "business_type": "regular",
        "sourcing": sourcing,
    }
    return str(post(api, "/v1/needs", need, demand)["id"])


def read(api: InProcessApi, path: str, query: dict[str, Any], who: tuple[str, str]) -> Any:
    answer = api.client.get(path, params=query, headers=api.auth(*who))
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize(("path", "query", "who", "name"), LISTS)
def test_pages_of_two_add_up_to_the_whole_list(
    api: InProcessApi, path: str, query: dict[str, Any], who: tuple[str, str], name: str
) -> None:
    whole = read(api, path, query | {"limit": 500}, who)
    assert whole["next_cursor"] is None
    everything = [item[name] for item in whole["items"]]
    assert len(everything) >= 2, f"{path}: the demo should list at least two items"
    seen: list[Any] = []
    cursor = None
    for _ in range(len(everything)):
        page = read(api, path, query | {"limit": 2} | ({"cursor": cursor} if cursor else {}), who)
        assert len(page["items"]) <= 2
        seen += [item[name] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything


@pytest.mark.parametrize(("path", "query", "who", "name"), LISTS)
def test_a_cursor_of_another_list_or_made_up_is_refused(
    api: InProcessApi, path: str, query: dict[str, Any], who: tuple[str, str], name: str
) -> None:
    foreign = read(api, "/v1/catalog/search", {"limit": 1}, HQ)["next_cursor"]
    if path == "/v1/catalog/search":
        foreign = read(api, "/v1/units", {"limit": 1}, HQ)["next_cursor"]
    for cursor in (foreign, "bm90IGEgY3Vyc29y"):
        answer = api.client.get(path, params=query | {"cursor": cursor}, headers=api.auth(*who))
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["error"]["code"] == "invalid_request"
    for limit in (0, 501):
        answer = api.client.get(path, params=query | {"limit": limit}, headers=api.auth(*who))
        assert answer.status_code == 422, (path, limit)


def test_lists_give_fifty_by_default(api: InProcessApi) -> None:
    for n in range(55):
        unit = {
            "id": f"PAGE-{n:02d}",
            "name": f"Paged unit {n}",
            "level": "enterprise",
            "parent_id": "COAL",
            "sector": "coal_chemical",
        }
        assert api.client.post("/v1/units", json=unit, headers=api.admin).is_success
    first = read(api, "/v1/units", {}, HQ)
    assert len(first["items"]) == 50 and first["next_cursor"] is not None
    rest = read(api, "/v1/units", {"cursor": first["next_cursor"], "limit": 500}, HQ)
    ids = [u["id"] for u in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) > 55
