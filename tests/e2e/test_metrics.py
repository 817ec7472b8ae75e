"""Prometheus's view of a deployment with a broker: `serve`, `marketplace relay` and
`marketplace project` each answer /metrics (the workers on MARKETPLACE_METRICS_PORT), and
together they say the relay and every read model caught up."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import require_broker
from tests.e2e.conftest import WAIT, free_port, start_server, tails, worker
from tests.e2e.test_event_bus import bus_env

Figures = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Figures:
    answer = httpx.get(url, timeout=5)
    assert answer.status_code == 200, answer.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def caught_up(relay: Figures, project: Figures) -> bool:
    lags = [v for (name, _), v in project.items() if name == "marketplace_read_model_lag_events"]
    return (
        relay.get(("marketplace_relay_lag_events", ()), 1) == 0
        and bool(lags)
        and lags == [0] * len(lags)
    )


def test_every_process_answers_prometheus(tmp_path: Path) -> None:
    require_broker()
    _, env = bus_env(tmp_path)
    env |= {"MARKETPLACE_HEARTBEAT_INTERVAL": "0.5"}
    server = start_server(env, "--demo")
    ports = {"relay": free_port(), "project": free_port()}
    logs = {name: tmp_path / f"{name}.log" for name in ports}
    workers: list[subprocess.Popen[bytes]] = [
        worker(env | {"MARKETPLACE_METRICS_PORT": str(port)}, name, logs[name])
        for name, port in ports.items()
    ]
    urls = {name: f"http://127.0.0.1:{port}/metrics" for name, port in ports.items()}
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                relay, project = scrape(urls["relay"]), scrape(urls["project"])
                if caught_up(relay, project):
                    break
            except httpx.TransportError:
                pass  # not listening yet
            assert time.monotonic() < deadline, tails(*logs.values())
            time.sleep(0.3)
        api = scrape(f"{server.url}/metrics")

        head = api[("marketplace_events_stored", ())]
        assert relay[("marketplace_relay_position", ())] == head
        assert relay[("marketplace_relay_published_total", ())] > 0
        assert project[("marketplace_events_stored", ())] == head
        assert project[("marketplace_read_model_failed", (("read_model", "directory"),))] == 0
        assert api[("marketplace_component_up", (("component", "relay"),))] == 1
        assert api[("marketplace_component_up", (("component", "projections"),))] == 1
        requests = "marketplace_http_requests_total"
        assert any(name == requests for name, _ in api)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(20)
        server.stop()
