"""Read models over HTTP: read-your-writes, status, a rebuild while the API serves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import drop_schemas, require_postgres
from tests.e2e.conftest import Server, service_env, start_server

# Read-your-writes and a rebuild's swap are each read-model store's own: both stores.
pytestmark = pytest.mark.both_stores


@pytest.fixture(scope="module")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A demo platform whose poller practically never runs: reads must catch up by themselves."""
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"e2e_{os.getpid()}_{time.monotonic_ns() % 10**9}"
    env = service_env(
        tmp_path_factory.mktemp(backend),
        backend,
        schema,
        MARKETPLACE_PROJECTION_POLL_INTERVAL="3600",
    )
    running = start_server(env, "--demo")
    yield running
    running.stop()
    if schema:
        drop_schemas(schema)


def status_of(server: Server, token: str) -> dict[str, Any]:
    response = server.client(token).get("/v1/projections/status")
    assert response.status_code == 200, response.text
    (directory,) = [p for p in response.json()["items"] if p["name"] == "directory"]
    return dict(directory)


def test_a_unit_is_listed_as_soon_as_it_is_registered(server: Server) -> None:
    admin = server.admin
    for i in range(5):
        unit_id = f"RYW-{i}"
        body = {"id": unit_id, "name": f"Plant {i}", "level": "enterprise", "parent_id": "PWR"}
        assert admin.post("/v1/units", json=body).status_code == 201
        listed = admin.get("/v1/units", params={"within": "PWR"}).json()["items"]
        assert unit_id in [u["id"] for u in listed]
        assert admin.patch(f"/v1/units/{unit_id}", json={"name": "Renamed"}).status_code == 200
        (row,) = admin.get("/v1/units", params={"parent_id": "PWR", "sector": "power"}).json()[
            "items"
        ][-1:]
        assert row["id"] == unit_id
        assert row["name"] == "Renamed"
        assert row["changed_at"].endswith("Z")


def test_the_status_reports_position_head_and_lag_to_any_token(server: Server) -> None:
    assert server.client().get("/v1/projections/status").status_code == 401
    bi = server.token("HQ", "bi_reader")
    body = {"id": "LAG-1", "name": "Lagging", "level": "enterprise", "parent_id": "HEAT"}
    assert server.admin.post("/v1/units", json=body).status_code == 201
    behind = status_of(server, bi)
    assert behind["lag"] >= 1
    assert behind["head"] - behind["position"] == behind["lag"]
    server.admin.get("/v1/units")  # a read catches the projection up
    current = status_of(server, server.token("PWR-01", "unit_operator"))
    assert current == {
        "name": "directory",
        "version": 1,
        "stored_version": 1,
        "position": current["head"],
        "head": current["head"],
        "lag": 0,
        "feed": "in_process",
        "state": "current",
        "failure": None,
    }


def test_a_rebuild_from_the_command_line_swaps_in_while_the_api_serves(server: Server) -> None:
    before = server.admin.get("/v1/units").json()["items"]
    rebuild = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from marketplace.cli.projections import projections_app; projections_app()",
            "rebuild",
            "directory",
        ],
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    while rebuild.poll() is None:  # reads go on during the rebuild
        assert server.admin.get("/v1/units").json()["items"] == before
    output = rebuild.communicate()[0]
    assert rebuild.returncode == 0, output
    assert "rebuilt directory" in output
    assert server.admin.get("/v1/units").json()["items"] == before
    body = {"id": "AFTER-1", "name": "After", "level": "enterprise", "parent_id": "COAL"}
    assert server.admin.post("/v1/units", json=body).status_code == 201
    listed = server.admin.get("/v1/units", params={"parent_id": "COAL"}).json()["items"]
    assert "AFTER-1" in [u["id"] for u in listed]
