"""`GET /metrics` of the API in process: parsed by Prometheus's own parser, with requests per
route template, the store's head, the read models, and who may read it off loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.integration.api_app import ADMIN_TOKEN, serve_in_process, settings_for

METRICS_TOKEN = "a-metrics-token-for-prometheus-only"


def samples(text: str) -> list[Sample]:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(found: list[Sample], name: str, **labels: str) -> float:
    matching = [s.value for s in found if s.name == name and labels.items() <= s.labels.items()]
    assert matching, f"no {name} with {labels}"
    return sum(matching)


def test_the_api_metrics_parse_and_say_what_the_api_did(tmp_path: Path) -> None:
    with serve_in_process(settings_for(tmp_path)) as api:
        api.client.get("/v1/units/COAL-02", headers=api.auth())
        api.client.get("/v1/units/NOPE", headers=api.auth())
        api.client.get("/no/such/path")
        answer = api.client.get("/metrics")
        head = api.svc.store.head()

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(answer.text)
    requests = "marketplace_http_requests_total"
    route = "/v1/units/{unit_id}"
    assert value(found, requests, method="GET", route=route, status="200") == 1
    assert value(found, requests, method="GET", route=route, status="404") == 1
    assert value(found, requests, route="unmatched", status="404") == 1
    latency = "marketplace_http_request_duration_seconds_count"
    assert value(found, latency, route=route, status="200") == 1
    assert value(found, "marketplace_event_store_up") == 1
    assert value(found, "marketplace_events_stored") == head
    assert value(found, "marketplace_read_model_lag_events", read_model="directory") == 0
    assert value(found, "marketplace_read_model_position", read_model="directory") > 0
    assert value(found, "marketplace_read_model_failed", read_model="directory") == 0
    assert value(found, "marketplace_component_up", component="projections") == 1
    undelivered = "marketplace_notification_undelivered"
    assert value(found, undelivered, channel="webhook", status="dead") == 0
    # Nothing was written meanwhile: what the notifier routed and what it has yet to, the head.
    routed = value(found, "marketplace_notifier_position")
    assert routed + value(found, "marketplace_notifier_lag_events") == head
    assert value(found, "marketplace_audit_chain_position") >= 0
    # SQLite has no pool, and waits only when another connection holds its lock: the
    # families are there, with whatever happened.
    assert "# TYPE marketplace_db_pool_connections gauge" in answer.text
    assert "# TYPE marketplace_sqlite_busy_waits" in answer.text


def test_metrics_are_open_on_loopback_only(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, host="0.0.0.0", metrics_token=METRICS_TOKEN)
    with serve_in_process(settings) as api:
        anonymous = api.client.get("/metrics")
        wrong = api.client.get("/metrics", headers={"Authorization": "Bearer nonsense"})
        operator = api.client.get("/metrics", headers=api.auth("COAL-02", "unit_operator"))
        auditor = api.client.get("/metrics", headers=api.auth("HQ", "auditor"))
        admin = api.client.get("/metrics", headers=api.auth("HQ", "hq_admin"))
        bootstrap = api.client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        token = api.client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    assert wrong.status_code == 401
    assert operator.status_code == 403
    assert auditor.status_code == 403
    assert operator.json()["error"]["code"] == "forbidden"
    for allowed in (admin, bootstrap, token):
        assert allowed.status_code == 200
        assert samples(allowed.text)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_a_loopback_bind_needs_no_token(tmp_path: Path, host: str) -> None:
    with serve_in_process(settings_for(tmp_path, host=host), demo=False) as api:
        assert api.client.get("/metrics").status_code == 200


def test_on_postgresql_each_connection_pool_is_reported(tmp_path: Path, pg_schema: str) -> None:
    with serve_in_process(settings_for(tmp_path, pg_schema), demo=False) as api:
        api.client.get("/v1/units", headers=api.admin)
        found = samples(api.client.get("/metrics").text)

    for pool in ("event-store", "read-models", "audit-chain", "idempotency"):
        assert value(found, "marketplace_db_pool_connections", pool=pool) >= 1
        assert value(found, "marketplace_db_pool_max", pool=pool) >= 1
    assert value(found, "marketplace_db_pool_requests_total", pool="event-store") > 0
    assert value(found, "marketplace_db_pool_waiting", pool="event-store") == 0
