"""With a broker, `/health` names the worker processes the deployment lacks; lag is per topic."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import require_broker
from tests.e2e.conftest import WAIT, Server, start_server, tails, worker
from tests.e2e.test_event_bus import bus_env

pytestmark = pytest.mark.slow  # waits for heartbeats to go stale


def health(server: Server) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/health", timeout=5)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def eventually(
    server: Server, holds: Callable[[dict[str, Any]], bool], timeout: float = WAIT
) -> Any:
    deadline = time.monotonic() + timeout
    while not holds(body := health(server)):
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    return body


@pytest.mark.both_stores
def test_health_names_the_missing_and_the_stale_worker_and_lag_counts_own_events(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    require_broker()
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    _, env = bus_env(tmp_path, backend, schema)
    env |= {"MARKETPLACE_HEARTBEAT_INTERVAL": "0.5", "MARKETPLACE_HEARTBEAT_STALE_AFTER": "4"}
    server = start_server(env, "--demo")
    logs = [tmp_path / "relay.log", tmp_path / "project.log"]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        # Only `serve`: before, /health said ok while nothing reached the read models.
        body = health(server)
        assert body["status"] == "degraded"
        relay, projections = body["components"]["relay"], body["components"]["projections"]
        assert (relay["status"], relay["runs_in"]) == ("missing", "marketplace relay")
        assert (projections["status"], projections["runs_in"]) == ("missing", "marketplace project")
        assert "start `marketplace project`" in projections["detail"]

        workers = [worker(env, "relay", logs[0]), worker(env, "project", logs[1])]
        body = eventually(server, lambda b: b["status"] == "ok")
        relay, projections = body["components"]["relay"], body["components"]["projections"]
        assert [i["instance"].rpartition(":")[2] for i in relay["instances"]] == [
            str(workers[0].pid)
        ]
        assert [i["instance"].rpartition(":")[2] for i in projections["instances"]] == [
            str(workers[1].pid)
        ]
        assert projections["feed"] == "kafka"

        # A unit registered now is consumed by the directory alone: every read model is
        # caught up although most have applied nothing since (their position < head).
        # First let the workers finish building from the store, so none starts past the unit.
        admin = server.admin
        deadline = time.monotonic() + WAIT
        while True:
            statuses = admin.get("/v1/projections/status").json()["items"]
            if all(s["lag"] == 0 and s["position"] == s["head"] > 0 for s in statuses):
                break
            assert time.monotonic() < deadline, statuses
            time.sleep(0.2)
        late = {
            "id": "LATE",
            "name": "Late",
            "level": "platform",
            "parent_id": "HQ",
            "sector": "late",
        }
        created = admin.post("/v1/units", json=late)
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + WAIT
        while True:
            statuses = admin.get("/v1/projections/status").json()["items"]
            if all(s["lag"] == 0 for s in statuses) and statuses[0]["position"] > 0:
                by_name = {s["name"]: s for s in statuses}
                if by_name["directory"]["position"] == by_name["directory"]["head"]:
                    break
            assert time.monotonic() < deadline, statuses
            time.sleep(0.2)
        assert any(s["position"] < s["head"] for s in statuses), statuses
        relay = eventually(server, lambda b: b["components"]["relay"]["lag"] == 0)
        assert relay["components"]["relay"]["position"] == by_name["directory"]["head"]

        workers[1].send_signal(signal.SIGKILL)  # no clean stop: its heartbeat stays, and ages
        body = eventually(server, lambda b: b["status"] == "degraded")
        projections = body["components"]["projections"]
        assert projections["status"] == "stale"
        assert projections["instances"] == []
        assert projections["seconds_since"] > 4
        assert "marketplace project" in projections["detail"]
        assert body["components"]["relay"]["status"] == "ok"
    except BaseException:
        assert server.log is not None
        print(tails(server.log, *logs))  # pytest shows it with the failure
        raise
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(20)
        server.stop()
