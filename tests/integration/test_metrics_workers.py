"""A worker's own /metrics (MARKETPLACE_METRICS_PORT): the relay's lag and publishing, the
notifier's deliveries, scraped over HTTP and parsed by Prometheus's parser; off loopback, only
an hq_admin token or the metrics token reads them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.bootstrap import (
    build_metrics_server,
    build_notify_process,
    build_relay,
    build_services,
)
from marketplace.demo import organisation_yaml
from marketplace.handlers.tokens import IssueToken, issue_token_as
from marketplace.handlers.unit_import import import_units
from marketplace.metrics.process import ProcessMetrics
from marketplace.metrics.server import MetricsServer
from marketplace.settings import Settings
from tests.conftest import BROKER, require_broker
from tests.integration.api_app import settings_for
from tests.integration.notifier_world import notifier_world
from tests.integration.test_notifier import World, until
from tests.notify_receivers import WebhookReceiver

CLI = Actor(unit_id=None, token_id="cli")
METRICS_TOKEN = "the-workers-metrics-token"
Worker = Callable[[asyncio.Event], Awaitable[None]]


def figures(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@asynccontextmanager
async def serving(worker: Worker, server: MetricsServer) -> AsyncIterator[str]:
    """The worker and its /metrics running in this loop; yields the URL of /metrics."""
    stop = asyncio.Event()
    await server.start()
    tasks = [asyncio.create_task(worker(stop)), asyncio.create_task(server.run(stop))]
    try:
        yield f"http://127.0.0.1:{server.bound_port}/metrics"
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_the_relay_serves_its_lag_and_publishing(tmp_path: Path) -> None:
    require_broker()
    settings = settings_for(
        tmp_path,
        kafka_bootstrap=BROKER,
        kafka_topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
        kafka_partitions=1,
        metrics_port=0,
        host="0.0.0.0",  # off loopback: tokens needed
        metrics_token=METRICS_TOKEN,
        heartbeat_interval=60,
    )
    svc = build_services(settings)
    import_units(svc, CLI, organisation_yaml())
    admin = issue_token_as(svc, CLI, IssueToken("HQ", [Role.HQ_ADMIN])).token
    operator = issue_token_as(svc, CLI, IssueToken("COAL-02", [Role.UNIT_OPERATOR])).token
    head = svc.store.head()
    svc.store.close()
    metrics = ProcessMetrics()
    server = build_metrics_server(settings, metrics)
    assert server is not None
    async with (
        serving(build_relay(settings, metrics=metrics).run, server) as url,
        httpx.AsyncClient(timeout=10) as http,
    ):
        with_token = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        found = figures((await http.get(url, headers=with_token)).text)
        for _ in range(200):  # until the relay has published the store (a few seconds at most)
            if found.get(("marketplace_relay_position", ())) == head:
                break
            await asyncio.sleep(0.05)
            found = figures((await http.get(url, headers=with_token)).text)
        refused = await http.get(url)
        forbidden = await http.get(url, headers={"Authorization": f"Bearer {operator}"})
        as_admin = await http.get(url, headers={"Authorization": f"Bearer {admin}"})
        elsewhere = await http.get(url.replace("/metrics", "/health"), headers=with_token)

    assert found[("marketplace_relay_position", ())] == head
    assert found[("marketplace_relay_lag_events", ())] == 0
    assert found[("marketplace_relay_events_total", ())] == head
    assert 0 < found[("marketplace_relay_published_total", ())] < head  # public ones only
    assert found[("marketplace_events_stored", ())] == head
    assert found[("marketplace_event_store_up", ())] == 1
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert forbidden.status_code == 403
    assert as_admin.status_code == 200
    assert ("marketplace_relay_lag_events", ()) in figures(as_admin.text)
    assert elsewhere.status_code == 404


async def test_the_notifier_serves_its_deliveries(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, metrics_port=0, notify_poll_interval=0.05)
    svc = build_services(settings)
    import_units(svc, CLI, organisation_yaml())
    metrics = ProcessMetrics()
    server = build_metrics_server(settings, metrics, svc)
    assert server is not None
    try:
        async with (
            serving(build_notify_process(settings, svc, metrics).run, server) as url,
            httpx.AsyncClient(timeout=10) as http,
        ):
            answer = await http.get(url)  # loopback: open
            for _ in range(200):  # until the notifier has opened its tables and routed the chart
                if "marketplace_notifier_lag_events 0.0" in answer.text:
                    break
                await asyncio.sleep(0.05)
                answer = await http.get(url)
        head = svc.store.head()
    finally:
        svc.store.close()

    assert answer.status_code == 200
    found = figures(answer.text)
    for status in ("pending", "dead"):
        key = ("marketplace_notification_undelivered", (("channel", "webhook"), ("status", status)))
        assert found[key] == 0
    assert found[("marketplace_notifier_position", ())] == head > 0
    assert found[("marketplace_notifier_lag_events", ())] == 0


def test_no_port_no_worker_metrics(tmp_path: Path) -> None:
    assert build_metrics_server(Settings(data_dir=tmp_path), ProcessMetrics()) is None


async def test_the_notifier_counts_attempts_and_times_webhooks(tmp_path: Path) -> None:
    metrics = ProcessMetrics()
    async with (
        notifier_world("sqlite", tmp_path, metrics=metrics) as world,
        WebhookReceiver() as receiver,
    ):
        subscribed = world.webhook(receiver.url)
        world.post_need()
        await receiver.wait_for(1)
        await until(lambda: _all_delivered(world, subscribed.subscription.id))
        found = figures((await metrics.exposition())[0].decode())

    webhook = ("channel", "webhook")
    attempts = ("marketplace_notification_attempts_total", (webhook, ("outcome", "delivered")))
    deliveries = ("marketplace_notification_deliveries_total", (webhook, ("status", "delivered")))
    assert found[attempts] == found[deliveries] == 1
    latency = ("marketplace_webhook_attempt_duration_seconds_count", (("outcome", "delivered"),))
    assert found[latency] == 1


async def _all_delivered(world: World, subscription_id: str) -> list[dict[str, Any]]:
    rows = await world.deliveries(subscription_id)
    return rows if rows and all(r["status"] == "delivered" for r in rows) else []
