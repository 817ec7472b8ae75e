"""The compose file is valid YAML naming real images for PostgreSQL, KRaft Kafka and the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


# ----- the two Kafka stacks: profile `single` (the default, through .env) and `cluster` ---------

PLATFORM_IMAGE = "energy-group/marketplace:0.1.0"
PLATFORM_COMMANDS = {"serve", "relay", "project", "notify"}
CLUSTER_BROKERS = ["kafka-1", "kafka-2", "kafka-3"]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _active(services: dict[str, Any], profiles: set[str]) -> dict[str, Any]:
    """What compose runs with these profiles: services without `profiles`, and those of one."""
    return {
        name: s
        for name, s in services.items()
        if not s.get("profiles") or profiles & set(s["profiles"])
    }


def _default_profiles() -> set[str]:
    """COMPOSE_PROFILES of .env: what a plain `docker compose up` runs."""
    lines = (ROOT / ".env").read_text().splitlines()
    values = [line.split("=", 1)[1] for line in lines if line.startswith("COMPOSE_PROFILES=")]
    assert len(values) == 1
    return {p.strip() for p in values[0].split(",")}


def _platform(active: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in active.items() if s.get("image") == PLATFORM_IMAGE}


def _hostnames(name: str, service: dict[str, Any]) -> set[str]:
    aliases = (service.get("networks") or {}).get("default", {}).get("aliases", [])
    return {name, *aliases}


def test_a_plain_up_runs_the_single_broker_stack_as_before() -> None:
    """The default stack is the file's former one: same brokers, addresses and settings."""
    assert _default_profiles() == {"single"}
    active = _active(_compose()["services"], _default_profiles())
    assert set(active) == {
        "postgres", "kafka", "api", "relay", "workers", "notifier", "prometheus", "grafana",
    }  # fmt: skip
    kafka = active["kafka"]["environment"]
    assert kafka["KAFKA_NODE_ID"] == 1
    assert kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert kafka["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert kafka["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 1
    assert active["kafka"]["volumes"] == ["kafkadata:/var/lib/kafka/data"]
    metrics = {
        "MARKETPLACE_METRICS_PORT": "9100",
        "MARKETPLACE_METRICS_HOST": "0.0.0.0",
        "MARKETPLACE_METRICS_TOKEN": "${MARKETPLACE_METRICS_TOKEN:?set MARKETPLACE_METRICS_TOKEN "
        "(Prometheus reads /metrics with it)}",
    }
    common = {
        "MARKETPLACE_DATABASE_URL": "postgresql://marketplace:marketplace@postgres:5432/marketplace",
        "MARKETPLACE_KAFKA_BOOTSTRAP": "kafka:9092",
    }
    admin = {"MARKETPLACE_ADMIN_TOKEN": "${MARKETPLACE_ADMIN_TOKEN}"}
    seal = {"MARKETPLACE_SEAL_KEY": "${MARKETPLACE_SEAL_KEY}"}
    # The environments the file had before the cluster profile, value for value.
    assert active["relay"]["environment"] == common | admin | metrics | {
        "MARKETPLACE_KAFKA_REPLICATION_FACTOR": "1"
    }
    assert active["workers"]["environment"] == common | admin | metrics
    assert active["notifier"]["environment"] == common | admin | seal | metrics
    assert active["api"]["environment"] == common | {
        "MARKETPLACE_ADMIN_TOKEN": "${MARKETPLACE_ADMIN_TOKEN:?set MARKETPLACE_ADMIN_TOKEN}",
        "MARKETPLACE_SEAL_KEY": "${MARKETPLACE_SEAL_KEY:?set MARKETPLACE_SEAL_KEY (base64 of 32 "
        "bytes)}",
        "MARKETPLACE_HOST": "0.0.0.0",
        "MARKETPLACE_PORT": "8000",
        "MARKETPLACE_METRICS_TOKEN": "${MARKETPLACE_METRICS_TOKEN:?set MARKETPLACE_METRICS_TOKEN}",
    }
    assert active["api"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "kafka": {"condition": "service_healthy"},
    }
    assert active["relay"]["depends_on"] == {
        "api": {"condition": "service_started"},
        "kafka": {"condition": "service_healthy"},
    }
    for worker in ("relay", "workers", "notifier"):
        assert active[worker]["restart"] == "unless-stopped"


def test_the_cluster_profile_runs_three_kraft_brokers_in_one_quorum() -> None:
    active = _active(_compose()["services"], {"cluster"})
    brokers = {n: s for n, s in active.items() if s["image"].startswith("apache/kafka:")}
    assert sorted(brokers) == CLUSTER_BROKERS  # the single broker is not part of it
    envs = {name: s["environment"] for name, s in brokers.items()}
    node_ids = {name: env["KAFKA_NODE_ID"] for name, env in envs.items()}
    assert sorted(node_ids.values()) == [1, 2, 3]
    quorums = {env["KAFKA_CONTROLLER_QUORUM_VOTERS"] for env in envs.values()}
    assert len(quorums) == 1
    voters = dict(v.split("@") for v in quorums.pop().split(","))
    assert voters == {str(node_ids[name]): f"{name}:9093" for name in brokers}
    assert len({env["CLUSTER_ID"] for env in envs.values()}) == 1
    volumes = set()
    for name, env in envs.items():
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert "CONTROLLER://:9093" in env["KAFKA_LISTENERS"]
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == 2
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == 2
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert brokers[name]["healthcheck"]["test"]
        (mount,) = brokers[name]["volumes"]
        volume, target = mount.split(":")
        assert target == env["KAFKA_LOG_DIRS"]
        volumes.add(volume)
    assert len(volumes) == 3  # each broker its own log dir


def test_every_process_of_the_cluster_profile_uses_all_three_brokers_durably() -> None:
    active = _active(_compose()["services"], {"cluster"})
    platform = _platform(active)
    commands = sorted(s["command"][1] for s in platform.values())
    assert commands == sorted(PLATFORM_COMMANDS)  # each process once: no single-stack twin
    for name, service in platform.items():
        env = service["environment"]
        assert env["MARKETPLACE_KAFKA_BOOTSTRAP"].split(",") == [
            f"{b}:9092" for b in CLUSTER_BROKERS
        ], name
        assert env["MARKETPLACE_KAFKA_REPLICATION_FACTOR"] == "3", name
        assert env["MARKETPLACE_KAFKA_MIN_INSYNC_REPLICAS"] == "2", name
        assert env["MARKETPLACE_KAFKA_RETENTION_MS"] == "-1", name
        for broker in CLUSTER_BROKERS:
            assert service["depends_on"][broker] == {"condition": "service_healthy"}, name
    # Apart from Kafka, each cluster process is its single-stack twin.
    single = _platform(_active(_compose()["services"], {"single"}))
    twins = {s["command"][1]: s for s in single.values()}
    for service in platform.values():
        twin = twins[service["command"][1]]
        kafka_free = {
            k: v for k, v in service["environment"].items() if not k.startswith("MARKETPLACE_KAFKA")
        }
        assert kafka_free == {
            k: v for k, v in twin["environment"].items() if not k.startswith("MARKETPLACE_KAFKA")
        }
        same = ("image", "command", "restart", "ports", "healthcheck", "build")
        assert {k: service.get(k) for k in same} == {k: twin.get(k) for k in same}


def test_each_stack_is_whole_alone_and_prometheus_finds_its_processes() -> None:
    compose = _compose()
    services = compose["services"]
    scrape = yaml.safe_load((ROOT / "infra/prometheus/prometheus.yml").read_text())
    targets = {
        t.split(":")[0]
        for job in scrape["scrape_configs"]
        for group in job["static_configs"]
        for t in group["targets"]
    }
    for profiles in ({"single"}, {"cluster"}):
        active = _active(services, profiles)
        hostnames = [h for name, s in active.items() for h in _hostnames(name, s)]
        assert len(hostnames) == len(set(hostnames)), profiles  # no name answered twice
        assert targets <= set(hostnames), profiles
        ports = [p for s in active.values() for p in s.get("ports", [])]
        assert len(ports) == len(set(ports)), profiles
        # compose refuses a project where a running service needs one of another profile
        for name, service in active.items():
            for dependency, condition in service.get("depends_on", {}).items():
                assert dependency in active or condition.get("required") is False, (
                    profiles,
                    name,
                    dependency,
                )
    assert set(_active(services, {"single"})) & set(_active(services, {"cluster"})) == {
        "postgres", "prometheus", "grafana",
    }  # fmt: skip


def test_every_dependency_and_volume_is_declared() -> None:
    compose = _compose()
    services = compose["services"]
    declared = set(compose["volumes"])
    used = set()
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if not source.startswith(("./", "/")):
                assert source in declared, (name, source)
                used.add(source)
    assert used == declared


def test_every_platform_variable_of_compose_is_a_setting() -> None:
    """A misspelt MARKETPLACE_* variable would be ignored silently (extra settings are)."""
    from marketplace.settings import Settings

    known = {f"MARKETPLACE_{name.upper()}" for name in Settings.model_fields}
    used = {
        variable
        for service in _compose()["services"].values()
        for variable in (service.get("environment") or {})
        if variable.startswith("MARKETPLACE_")
    }
    assert "MARKETPLACE_KAFKA_MIN_INSYNC_REPLICAS" in used
    assert used <= known, used - known
