"""The compose file is valid YAML naming real images for PostgreSQL, KRaft Kafka and the API."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_describes_the_production_like_stack() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    api_env = services["api"]["environment"]
    assert api_env["MARKETPLACE_DATABASE_URL"].startswith("postgresql://")
    assert api_env["MARKETPLACE_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert (ROOT / services["api"]["build"] / "Dockerfile").exists()
    assert services["relay"]["command"] == ["marketplace", "relay"]
    assert services["relay"]["image"] == services["api"]["image"]


def test_compose_watches_every_process_with_prometheus_and_grafana() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for worker in ("relay", "workers", "notifier"):
        env = services[worker]["environment"]
        assert env["MARKETPLACE_METRICS_PORT"] == "9100"
        assert env["MARKETPLACE_METRICS_TOKEN"].startswith("${MARKETPLACE_METRICS_TOKEN")
    assert services["notifier"]["command"] == ["marketplace", "notify"]
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    assert services["grafana"]["image"].startswith("grafana/grafana:")
    assert "metrics_token" in services["prometheus"]["secrets"]
    for service in ("prometheus", "grafana"):
        for volume in services[service]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), volume
    scrape = yaml.safe_load((ROOT / "infra/prometheus/prometheus.yml").read_text())
    targets = {
        t.split(":")[0]
        for job in scrape["scrape_configs"]
        for group in job["static_configs"]
        for t in group["targets"]
    }
    assert targets == {"api", "relay", "workers", "notifier"} <= set(services)
