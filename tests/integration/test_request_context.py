"""Every request gets an id (the caller's X-Request-ID, else a new one) and one access-log line
naming its status and the token that made it, refusals before any route included."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.adapters.request_reads import current_reads
from marketplace.aggregates.organisation import ORGANISATION_ID
from tests.e2e.test_needs_api import steam_need
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


def test_a_request_reads_each_aggregate_from_the_store_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Authentication, the rules and the answer all need the chart: one store read of it per
    request (it was four), and the need it saved is answered without reading it back."""
    reads: Counter[str] = Counter()
    latest = EventSourcingStore._latest

    def counted(store: EventSourcingStore, aggregate_id: str) -> object | None:
        # The request's reads only: the notifier's first reminder may read the rules meanwhile.
        if current_reads() is not None:
            reads[aggregate_id] += 1
        return latest(store, aggregate_id)

    monkeypatch.setattr(EventSourcingStore, "_latest", counted)
    bearer = {"Authorization": f"Bearer {world.token('COAL-01', 'unit_operator')}"}
    with TestClient(world.app) as client:
        for _ in range(2):  # the second, too: nothing is remembered from one request to the next
            reads.clear()
            posted = client.post("/v1/needs", json=steam_need(), headers=bearer)
            assert posted.status_code == 201, posted.text
            assert reads[ORGANISATION_ID] == 1
            assert reads[posted.json()["id"]] == 0  # saved by this request: not read back
            assert max(reads.values()) == 1, reads
