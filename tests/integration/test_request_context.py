"""Every request gets an id (the caller's X-Request-ID, else a new one) and one access-log line
naming its status and the token that made it, refusals before any route included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient

from tests.integration.api_world import World, demo_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    built = demo_world(tmp_path)
    yield built
    built.svc.store.close()


def test_each_request_has_an_id_and_one_access_log_line(world: World) -> None:
    token = world.token("COAL-02", "unit_operator")
    bearer = {"Authorization": f"Bearer {token}"}
    with TestClient(world.app) as client, structlog.testing.capture_logs() as logs:
        named = client.get("/v1/units/COAL-02", headers=bearer | {"X-Request-ID": "trace-7"})
        anonymous = client.get("/v1/units/COAL-02")
        too_large = client.post("/v1/needs", content=b"x" * 2_000_000, headers=bearer)
    assert named.status_code == 200 and named.headers["x-request-id"] == "trace-7"
    assert anonymous.status_code == 401 and len(anonymous.headers["x-request-id"]) == 32
    assert too_large.status_code == 413 and too_large.headers["x-request-id"]
    lines = [
        (e["method"], e["path"], e["status"], e["token_id"])
        for e in logs
        if e["event"] == "request"
    ]
    token_id = token.partition(".")[0]  # a bearer token is `<token id>.<secret>`
    assert lines == [
        ("GET", "/v1/units/COAL-02", 200, token_id),
        ("GET", "/v1/units/COAL-02", 401, None),
        ("POST", "/v1/needs", 413, None),
    ]
    assert token_id.startswith("tok_")
