"""`/v1/subscriptions` and a unit's language over HTTP on each store: the secret is shown once
and kept sealed (never in the store's plaintext, public events or logs), endpoints are checked,
and only those who act for a unit subscribe for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.events.wire import to_cloud_event
from tests.integration.api_world import World, bearer, served_demo

pytestmark = pytest.mark.both_stores

HOOK = {
    "unit_id": "PWR-01",
    "channel": "webhook",
    "endpoint": "http://127.0.0.1:9/hooks/marketplace",
    "event_types": ["marketplace.need.posted.v1"],
}
MAIL = {**HOOK, "channel": "email", "endpoint": "ops@pwr-01.example.com", "event_types": ["*"]}


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, TestClient]]:
    with served_demo(backend, tmp_path_factory.mktemp("subscriptions")) as (built, client):
        yield built, client


def as_(world: World, unit: str, role: str) -> dict[str, str]:
    return bearer(world.token(unit, role))


def post(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post("/v1/subscriptions", json=body, headers=headers)


def test_a_webhook_secret_is_shown_once_and_kept_only_sealed(
    world: tuple[World, TestClient],
) -> None:
    w, client = world
    me = as_(w, "PWR-01", "unit_operator")
    head = w.head()
    with structlog.testing.capture_logs() as logs:
        made = post(client, me, HOOK)
        listed = client.get("/v1/subscriptions", params={"unit_id": "PWR-01"}, headers=me)
        one = client.get(f"/v1/subscriptions/{made.json()['id']}", headers=me)
    assert made.status_code == 201, made.text
    sub_id, secret = made.json()["id"], made.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 32
    assert made.headers["location"] == f"/v1/subscriptions/{sub_id}"
    assert listed.status_code == 200 and one.status_code == 200
    [row] = [r for r in listed.json()["items"] if r["id"] == sub_id]
    assert row["endpoint"] == HOOK["endpoint"] and row["status"] == "active"
    assert row["event_types"] == HOOK["event_types"] and row["channel"] == "webhook"
    assert one.json() == row
    for answer in (listed, one):
        assert "secret" not in answer.text and secret not in answer.text
    assert logs and not any(secret in repr(entry) for entry in logs)

    store = w.svc.store
    assert isinstance(store, EventSourcingStore)
    records = list(store.read(head, 10_000))
    key = secret.removeprefix("whsec_").encode()
    assert records and not any(key in r.state for r in records)
    public = [e for r in records if (e := to_cloud_event(store.decode(r), r.id)) is not None]
    [created] = [e for e in public if e.type == "marketplace.subscription.created.v1"]
    assert created.subject == sub_id
    assert created.data["unit_id"] == "PWR-01"
    wire = created.to_bytes()
    assert b"127.0.0.1" not in wire and b"whsec_" not in wire and key not in wire
    assert "endpoint" not in created.data and "sealed_secret" not in created.data


def test_an_email_subscription_has_no_secret(world: tuple[World, TestClient]) -> None:
    w, client = world
    made = post(client, as_(w, "PWR", "platform_admin"), MAIL)
    assert made.status_code == 201, made.text
    assert made.json()["secret"] is None


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        ("https://169.254.169.254/latest/meta-data/", "endpoint_link_local"),
        ("https://[fe80::1]/hook", "endpoint_link_local"),
        ("http://192.0.2.10/hook", "endpoint_not_https"),
        ("https://user:pw@127.0.0.1/hook", "endpoint_credentials"),
        ("https://no-such-host.invalid/hook", "endpoint_unresolvable"),
    ],
)
def test_refused_webhook_endpoints_are_422_naming_the_field(
    world: tuple[World, TestClient], endpoint: str, kind: str
) -> None:
    w, client = world
    head = w.head()
    answer = post(client, as_(w, "PWR-01", "unit_operator"), {**HOOK, "endpoint": endpoint})
    assert answer.status_code == 422, answer.text
    [detail] = answer.json()["error"]["details"]
    assert (detail["field"], detail["type"]) == ("endpoint", kind)
    assert w.head() == head


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**MAIL, "endpoint": "ops at pwr-01"}, "endpoint"),
        ({**HOOK, "event_types": ["marketplace.need.eaten.v1"]}, "event_types"),
        ({**HOOK, "event_types": []}, "event_types"),
        ({**HOOK, "channel": "pigeon"}, "channel"),
        ({**HOOK, "secret": "whsec_mine"}, "secret"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(
    world: tuple[World, TestClient], body: dict[str, Any], field: str
) -> None:
    w, client = world
    answer = post(client, as_(w, "PWR-01", "unit_operator"), body)
    assert answer.status_code == 422, answer.text
    assert field in {d["field"] for d in answer.json()["error"]["details"]}


@pytest.mark.parametrize(
    ("unit", "role", "for_unit"),
    [
        ("PWR-02", "unit_operator", "PWR-01"),
        ("HEAT", "platform_admin", "PWR-01"),
        ("PWR-01", "unit_operator", "PWR"),
        ("HQ", "auditor", "PWR-01"),
        ("HQ", "bi_reader", "PWR-01"),
    ],
)
def test_subscribing_for_another_unit_is_forbidden(
    world: tuple[World, TestClient], unit: str, role: str, for_unit: str
) -> None:
    w, client = world
    head = w.head()
    answer = post(client, as_(w, unit, role), {**HOOK, "unit_id": for_unit})
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]["code"] == "forbidden"
    assert w.head() == head


def test_hq_subscribes_for_any_unit_and_lists_and_removals_follow_the_reach(
    world: tuple[World, TestClient],
) -> None:
    w, client = world
    made = post(client, as_(w, "HQ", "hq_admin"), {**HOOK, "unit_id": "COAL-03"})
    assert made.status_code == 201, made.text
    sub_id = made.json()["id"]
    coal = {"unit_id": "COAL-03"}
    for who in (("COAL-03", "unit_operator"), ("COAL", "platform_admin"), ("HQ", "auditor")):
        listed = client.get("/v1/subscriptions", params=coal, headers=as_(w, *who))
        assert [r["id"] for r in listed.json()["items"]] == [sub_id], who
    own = client.get("/v1/subscriptions", headers=as_(w, "COAL-03", "unit_operator"))
    assert own.json()["unit_id"] == "COAL-03" and len(own.json()["items"]) == 1
    for who in (("COAL-02", "unit_operator"), ("PWR", "platform_admin"), ("HQ", "bi_reader")):
        assert client.get("/v1/subscriptions", params=coal, headers=as_(w, *who)).status_code == 403
        assert client.get(f"/v1/subscriptions/{sub_id}", headers=as_(w, *who)).status_code == 403
        gone = client.delete(f"/v1/subscriptions/{sub_id}", headers=as_(w, *who))
        assert gone.status_code == 403, who
    assert (
        client.get("/v1/subscriptions/sub_nope", headers=as_(w, "HQ", "hq_admin")).status_code
        == 404
    )
    removed = client.delete(
        f"/v1/subscriptions/{sub_id}", headers=as_(w, "COAL-03", "unit_operator")
    )
    assert removed.status_code == 204
    again = client.delete(f"/v1/subscriptions/{sub_id}", headers=as_(w, "COAL", "platform_admin"))
    assert again.status_code == 204
    listed = client.get("/v1/subscriptions", params=coal, headers=as_(w, "HQ", "hq_admin"))
    assert [r["status"] for r in listed.json()["items"]] == ["removed"]
    missing = client.delete("/v1/subscriptions/sub_nope", headers=as_(w, "HQ", "hq_admin"))
    assert missing.status_code == 404


def test_a_unit_sets_its_notification_language(world: tuple[World, TestClient]) -> None:
    w, client = world
    me = as_(w, "HEAT-02", "unit_operator")
    assert client.get("/v1/units/HEAT-02", headers=me).json()["language"] == "zh-CN"
    changed = client.patch("/v1/units/HEAT-02", json={"language": "en"}, headers=me)
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "en"
    assert client.get("/v1/units/HEAT-02", headers=me).json()["language"] == "en"
    other = client.patch(
        "/v1/units/HEAT-02", json={"language": "zh-CN"}, headers=as_(w, "HEAT-01", "unit_operator")
    )
    assert other.status_code == 403
    rename = client.patch("/v1/units/HEAT-02", json={"name": "Mine", "language": "en"}, headers=me)
    assert rename.status_code == 403
    bad = client.patch("/v1/units/HEAT-02", json={"language": "fr"}, headers=me)
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "language"
    back = client.patch(
        "/v1/units/HEAT-02", json={"language": "zh-CN"}, headers=as_(w, "HQ", "hq_admin")
    )
    assert back.json()["language"] == "zh-CN"
