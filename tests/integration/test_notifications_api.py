"""Issue 16 over HTTP on each store, the app running its notifier in-process: a unit's
notification centre (unread filter, paging, read marks, never another unit's), a subscription's
deliveries with their attempts (for whoever may read the subscription) and redelivery."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import drop_schemas, require_postgres
from tests.e2e.conftest import free_port
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.threaded_receivers import ThreadedWebhookReceiver

T = TypeVar("T")
SUPPLIER, BUYER = "HEAT-02", "COAL-01"  # the demo's steam supplier, and a unit buying steam
WAIT = 20.0


@pytest.fixture(scope="module")
def api(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    settings = settings_for(tmp_path_factory.mktemp("notifications"), schema)
    try:
        with serve_in_process(settings) as served:
            yield served
    finally:
        if schema:
            drop_schemas(schema)


def eventually(check: Callable[[], T | None], what: str) -> T:
    """`check`'s first truthy value (the notifier sends in the background)."""
    deadline = time.monotonic() + WAIT
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def operator(api: InProcessApi, unit: str) -> dict[str, str]:
    return api.auth(unit, "unit_operator")


def post_need(api: InProcessApi, title: str) -> str:
    body = {
        "demand_unit_id": BUYER,
        "title": title,
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": "120",
        "uom": "t",
        "required_by": (date.today() + timedelta(days=40)).isoformat(),
        "budget_amount": "23000.00",
        "business_type": "regular",
        "sourcing": "direct",
    }
    answer = api.client.post("/v1/needs", json=body, headers=operator(api, BUYER))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def subscribe(api: InProcessApi, url: str, unit: str = SUPPLIER) -> str:
    body = {
        "unit_id": unit,
        "channel": "webhook",
        "endpoint": url,
        "event_types": ["marketplace.need.posted.v1"],
    }
    answer = api.client.post("/v1/subscriptions", json=body, headers=operator(api, unit))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def notifications(api: InProcessApi, unit: str, **params: Any) -> httpx.Response:
    return api.client.get("/v1/notifications", params=params, headers=operator(api, unit))


def mine(api: InProcessApi, unit: str, subjects: set[str], **params: Any) -> list[dict[str, Any]]:
    answer = notifications(api, unit, limit=200, **params)
    assert answer.status_code == 200, answer.text
    return [n for n in answer.json()["items"] if n["subject"] in subjects]


def deliveries(api: InProcessApi, sub_id: str, headers: dict[str, str], **params: Any) -> Any:
    return api.client.get(f"/v1/subscriptions/{sub_id}/deliveries", params=params, headers=headers)


@pytest.mark.both_stores
def test_a_units_notifications_page_newest_first_and_are_marked_read(api: InProcessApi) -> None:
    posted = [post_need(api, f"Centre {i}") for i in range(3)]
    subjects = set(posted)
    listed = mine(api, SUPPLIER, subjects)  # routed before the answer (read-your-writes)
    assert [n["subject"] for n in listed] == posted[::-1]
    # In-app, an event is shown in its current type (a need posted is v2 since 0.2).
    assert all(n["event_type"] == "marketplace.need.posted.v2" and not n["read"] for n in listed)
    assert all(n["title"].startswith("新需求匹配") for n in listed)  # zh-CN by default
    assert mine(api, BUYER, subjects) == []  # the poster is not told of its own needs

    # Paging: two, then the rest, by the cursor; no item twice.
    first = notifications(api, SUPPLIER, limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = notifications(api, SUPPLIER, limit=2, cursor=first["next_cursor"]).json()
    ids = [n["id"] for n in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) and ids[:3] == [n["id"] for n in listed]

    target = listed[1]["id"]
    done = api.client.post(f"/v1/notifications/{target}/read", headers=operator(api, SUPPLIER))
    assert done.status_code == 204 and done.content == b""
    again = api.client.post(f"/v1/notifications/{target}/read", headers=operator(api, SUPPLIER))
    assert again.status_code == 204  # idempotent
    unread = mine(api, SUPPLIER, subjects, unread="true")
    assert [n["subject"] for n in unread] == [posted[2], posted[0]]
    assert {n["id"]: n["read"] for n in mine(api, SUPPLIER, subjects)}[target] is True

    # Another unit's notification is not there for it, nor for HQ: 404, and it stays unread.
    other = listed[0]["id"]
    for headers in (
        operator(api, BUYER),
        api.auth("HQ", "hq_admin"),
        api.auth("HEAT", "platform_admin"),
    ):
        refused = api.client.post(f"/v1/notifications/{other}/read", headers=headers)
        assert refused.status_code == 404, refused.text
    assert {n["id"] for n in mine(api, SUPPLIER, subjects, unread="true")} >= {other}
    unknown = api.client.post("/v1/notifications/ntf_nothing/read", headers=operator(api, SUPPLIER))
    assert unknown.status_code == 404


@pytest.mark.both_stores
def test_a_closed_port_leaves_a_pending_delivery_with_an_attempt_and_its_error(
    api: InProcessApi,
) -> None:
    port = free_port()
    sub_id = subscribe(api, f"http://127.0.0.1:{port}/hook")  # nobody listens there
    need_id = post_need(api, "To a closed port")
    me = operator(api, SUPPLIER)

    def attempted() -> dict[str, Any] | None:
        items = deliveries(api, sub_id, me).json()["items"]
        return items[0] if items and items[0]["attempts"] else None

    delivery = eventually(attempted, "the first attempt")
    assert delivery["status"] == "pending" and delivery["channel"] == "webhook"
    assert delivery["next_attempt_at"] is not None
    first = delivery["attempts"][0]
    assert first["attempt"] == 1 and first["outcome"] == "retry"
    assert first["http_status"] is None and first["error"]
    assert str(port) not in first["error"]  # the endpoint is never in an error text
    pending = deliveries(api, sub_id, me, status="pending").json()["items"]
    assert [d["id"] for d in pending] == [delivery["id"]]
    assert deliveries(api, sub_id, me, status="delivered").json()["items"] == []
    assert deliveries(api, sub_id, me, status="lost").status_code == 422
    # The need the delivery carries is the one posted.
    listed = mine(api, SUPPLIER, {need_id})
    assert [n["id"] for n in listed] == [delivery["notification_id"]]


@pytest.mark.both_stores
def test_deliveries_are_read_by_the_unit_those_above_it_and_hq_only(api: InProcessApi) -> None:
    sub_id = subscribe(api, f"http://127.0.0.1:{free_port()}/hook")
    post_need(api, "Who reads deliveries")
    for allowed in (
        operator(api, SUPPLIER),
        api.auth("HEAT", "platform_admin"),
        api.auth("HQ", "hq_admin"),
    ):
        answer = deliveries(api, sub_id, allowed)
        assert answer.status_code == 200, answer.text
        assert answer.json()["subscription_id"] == sub_id and len(answer.json()["items"]) == 1
    for refused in (operator(api, BUYER), api.auth("COAL", "platform_admin")):
        answer = deliveries(api, sub_id, refused)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "forbidden"
    assert deliveries(api, "sub_nothing", operator(api, SUPPLIER)).status_code == 404


@pytest.mark.both_stores
def test_a_delivered_delivery_redelivered_is_pending_and_posted_again(api: InProcessApi) -> None:
    with ThreadedWebhookReceiver() as receiver:
        sub_id = subscribe(api, receiver.url)
        post_need(api, "Redelivered")
        [request] = receiver.wait_for(1)
        me = operator(api, SUPPLIER)

        def delivered() -> dict[str, Any] | None:
            items = deliveries(api, sub_id, me, status="delivered").json()["items"]
            return items[0] if items else None

        delivery = eventually(delivered, "the delivery")
        path = f"/v1/deliveries/{delivery['id']}/redeliver"
        for refused in (
            operator(api, BUYER),
            api.auth("COAL", "platform_admin"),
            api.auth("HQ", "auditor"),  # reads, never acts
        ):
            answer = api.client.post(path, headers=refused)
            assert answer.status_code == 404, answer.text
        assert (
            api.client.post("/v1/deliveries/dlv_nothing/redeliver", headers=me).status_code == 404
        )
        assert len(receiver.requests) == 1  # none of those sent anything

        again = api.client.post(path, headers=me)
        assert again.status_code == 202, again.text
        assert again.json()["id"] == delivery["id"] and again.json()["status"] == "pending"
        assert again.json()["next_attempt_at"] is not None
        [_, repeated] = receiver.wait_for(2)
        # The same event again: a receiver deduplicates on webhook-id.
        assert repeated.headers["webhook-id"] == request.headers["webhook-id"]
        assert repeated.body == request.body

        def twice() -> dict[str, Any] | None:
            found = delivered()
            return found if found and found["attempt_count"] == 2 else None

        done = eventually(twice, "the second attempt recorded")
        assert [a["outcome"] for a in done["attempts"]] == ["delivered", "delivered"]
        hq = api.client.post(path, headers=api.auth("HQ", "hq_admin"))
        assert hq.status_code == 202  # HQ may redeliver any unit's

        removed = api.client.delete(f"/v1/subscriptions/{sub_id}", headers=me)
        assert removed.status_code == 204

        def inactive() -> dict[str, Any] | None:
            answer = api.client.post(path, headers=me)
            return answer.json() if answer.status_code == 409 else None

        # Once the notifier knows it was removed, nothing would be sent: refused, by rule.
        refusal = eventually(inactive, "the removal routed")
        assert refusal["error"]["code"] == "subscription_inactive"


def test_a_token_of_no_unit_has_no_notifications(tmp_path: Path) -> None:
    # Before any chart is imported the bootstrap admin token acts for no unit.
    with serve_in_process(settings_for(tmp_path), demo=False) as bare:
        listed = bare.client.get("/v1/notifications", headers=bare.admin)
        assert listed.status_code == 403, listed.text
        assert listed.json()["error"]["code"] == "forbidden"
        counted = bare.client.get("/v1/notifications/unread-count", headers=bare.admin)
        assert counted.status_code == 403
        marked = bare.client.post("/v1/notifications/ntf_x/read", headers=bare.admin)
        assert marked.status_code == 403
