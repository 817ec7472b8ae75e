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
