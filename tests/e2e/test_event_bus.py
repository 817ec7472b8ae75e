"""`serve --all-in-one`: a command's event reaches its Kafka topic as a CloudEvent."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import BROKER, require_broker
from tests.e2e.conftest import service_env, start_server
from tests.kafka_support import consume


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_registered_unit_is_published_on_the_units_topic(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    require_broker()
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    prefix = f"e2e{uuid.uuid4().hex[:8]}."
    env = service_env(
        tmp_path,
        backend,
        schema,
        MARKETPLACE_KAFKA_BOOTSTRAP=BROKER,
        MARKETPLACE_KAFKA_TOPIC_PREFIX=prefix,
        MARKETPLACE_RELAY_POLL_INTERVAL="0.05",
    )
    server = start_server(env, "--all-in-one")
    try:
        admin = server.admin
        assert (
            admin.post("/v1/units", json={"id": "G", "name": "Group", "level": "group"}).status_code
            == 201
        )
        created = admin.post(
            "/v1/units", json={"id": "P", "name": "Power", "level": "platform", "parent_id": "G"}
        )
        assert created.status_code == 201
        messages = asyncio.run(consume(BROKER, [prefix + "marketplace.units"], until_count=2))
        listed: list[str] = []
        for _ in range(150):  # the read model is fed from Kafka: eventually consistent
            listed = [u["id"] for u in admin.get("/v1/units").json()["items"]]
            if listed == ["G", "P"]:
                break
            time.sleep(0.1)
        assert listed == ["G", "P"]
        status = admin.get("/v1/projections/status").json()["items"]
        assert {s["feed"] for s in status} == {"kafka"}
    finally:
        server.stop()
    events = [json.loads(value) for _, _, _, value in messages]
    assert [e["data"]["unit_id"] for e in events] == ["G", "P"]
    assert {e["type"] for e in events} == {"marketplace.unit.registered.v1"}
    assert events[1]["data"]["parent_id"] == "G"
    assert events[1]["data"]["actor"] == {"unit_id": "G", "token_id": "bootstrap"}
    assert events[0]["sequence"] < events[1]["sequence"]
    assert all(key == b"organisation" for _, _, key, _ in messages)


def test_all_in_one_without_a_broker_setting_refuses_to_start(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "marketplace", "serve", "--all-in-one"],
        env=service_env(tmp_path, "sqlite", None),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "MARKETPLACE_KAFKA_BOOTSTRAP" in done.stderr
