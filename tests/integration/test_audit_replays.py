"""As-of replays over the API, on both stores: built in the background, read like the live
read models, listed, removed, expired, and failed when their process stopped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest

from marketplace.audit.replays import Replays, replay_location
from tests.conftest import POSTGRES_URL
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for

PROJECTIONS = (
    ("trade-volume", {"group_by": "demand_unit"}),
    ("supplier-quality", {}),
    ("invitation-compliance", {"group_by": "platform", "from": "2020-01-01"}),
    ("invitation-compliance/exceptions", {}),
    ("synergy-benefit", {"group_by": "supply_unit"}),
    ("arm-length-exceptions", {}),
)


# Replays copy the read models into a store of their own: it matters which.
pytestmark = pytest.mark.both_stores


@pytest.fixture
def api(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessApi]:
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    with serve_in_process(settings_for(tmp_path, schema)) as served:
        yield served


def auditor(api: InProcessApi) -> dict[str, str]:
    return api.auth("HQ", "auditor")


def finished(api: InProcessApi, replay_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = api.client.get(f"/v1/audit/replays/{replay_id}", headers=auditor(api))
        assert found.status_code == 200, found.text
        if found.json()["status"] in ("done", "failed"):
            return dict(found.json())
        time.sleep(0.1)
    raise AssertionError("the replay did not finish")


def replay(api: InProcessApi, as_of: datetime) -> dict[str, Any]:
    asked = api.client.post(
        "/v1/audit/replays", json={"as_of": as_of.isoformat()}, headers=auditor(api)
    )
    assert asked.status_code == 202, asked.text
    return finished(api, asked.json()["id"])


def replays(api: InProcessApi) -> Replays:
    found: Replays = api.client.app.state.replays  # type: ignore[attr-defined]
    return found


def copy_exists(api: InProcessApi, replay_id: str) -> bool:
    location = replay_location(replays(api).live, replay_id)
    if location.sqlite_path is not None:
        return location.sqlite_path.exists()
    with psycopg.connect(POSTGRES_URL) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", [location.postgres_schema]
        ).fetchall()
    return bool(found)


def test_a_replay_as_of_now_reads_like_the_live_read_models(api: InProcessApi) -> None:
    done = replay(api, datetime.now(UTC))
    assert (done["status"], done["progress"], done["error"]) == ("done", 1.0, None)
    assert done["position"] > 0 and copy_exists(api, done["id"])
    for name, filters in PROJECTIONS:
        live = api.client.get(f"/v1/projections/{name}", params=filters, headers=auditor(api))
        replayed = api.client.get(
            f"/v1/audit/replays/{done['id']}/projections/{name}",
            params=filters,
            headers=auditor(api),
        )
        assert replayed.status_code == live.status_code == 200, replayed.text
        assert replayed.json() == live.json(), name
    assert api.client.get("/v1/projections/trade-volume", headers=auditor(api)).json()["items"]


def test_a_replay_before_anything_happened_is_empty(api: InProcessApi) -> None:
    done = replay(api, datetime(2020, 1, 1, tzinfo=UTC))
    assert done["status"] == "done"
    answer = api.client.get(
        f"/v1/audit/replays/{done['id']}/projections/trade-volume", headers=api.admin
    )
    assert answer.status_code == 200 and answer.json()["items"] == []


def test_replays_are_listed_in_pages_and_removed(api: InProcessApi) -> None:
    first = replay(api, datetime(2020, 1, 1, tzinfo=UTC))
    second = replay(api, datetime.now(UTC))
    page = api.client.get("/v1/audit/replays", params={"limit": 1}, headers=auditor(api)).json()
    assert [r["id"] for r in page["items"]] == [second["id"]] and page["next_cursor"]
    rest = api.client.get(
        "/v1/audit/replays", params={"limit": 1, "cursor": page["next_cursor"]}, headers=api.admin
    ).json()
    assert [r["id"] for r in rest["items"]] == [first["id"]] and rest["next_cursor"] is None
    gone = api.client.delete(f"/v1/audit/replays/{first['id']}", headers=auditor(api))
    assert gone.status_code == 204
    assert api.client.get(f"/v1/audit/replays/{first['id']}", headers=api.admin).status_code == 404
    assert not copy_exists(api, first["id"])
    again = api.client.delete(f"/v1/audit/replays/{first['id']}", headers=auditor(api))
    assert again.status_code == 404


def test_a_replay_whose_process_stopped_is_failed_and_cannot_be_read(api: InProcessApi) -> None:
    now = datetime.now(UTC)
    row = {
        "as_of": now,
        "status": "running",
        "progress": Decimal("0.5"),
        "position": 3,
        "head": 6,
        "requested_by": "tok_gone",
        "created_at": now - timedelta(minutes=5),
        "updated_at": now - timedelta(minutes=5),
        "finished_at": None,
        "error": None,
    }
    api.client.portal.call(partial(replays(api).registry.save, "rpl_lost", **row))  # type: ignore[union-attr]
    found = api.client.get("/v1/audit/replays/rpl_lost", headers=auditor(api)).json()
    assert found["status"] == "failed" and "interrupted" in found["error"]
    refused = api.client.get(
        "/v1/audit/replays/rpl_lost/projections/supplier-quality", headers=auditor(api)
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "replay_not_done"


def test_replays_older_than_the_keep_setting_are_removed(api: InProcessApi) -> None:
    done = replay(api, datetime.now(UTC))
    old = datetime.now(UTC) - timedelta(hours=25)
    api.client.portal.call(  # type: ignore[union-attr]
        partial(replays(api).registry.save, done["id"], created_at=old)
    )
    listed = api.client.get("/v1/audit/replays", headers=auditor(api)).json()["items"]
    assert done["id"] not in [r["id"] for r in listed]
    assert not copy_exists(api, done["id"])


def test_refusals(api: InProcessApi) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    answer = api.client.post("/v1/audit/replays", json={"as_of": future}, headers=api.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"][0]["field"] == "as_of"
    answer = api.client.post("/v1/audit/replays", json={}, headers=api.admin)
    assert answer.status_code == 422
    answer = api.client.post(
        "/v1/audit/replays", json={"as_of": "2027-01-01T00:00:00"}, headers=api.admin
    )
    assert answer.status_code == 422
    operator = api.auth("COAL-01", "unit_operator")
    answer = api.client.post(
        "/v1/audit/replays", json={"as_of": "2027-01-01T00:00:00Z"}, headers=operator
    )
    assert answer.status_code == 403
    assert api.client.get("/v1/audit/replays/rpl_nope", headers=api.admin).status_code == 404


def test_finished_replays_outlive_a_restart(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with serve_in_process(settings) as first:
        done = replay(first, datetime.now(UTC))
    with serve_in_process(settings, demo=False) as second:
        found = second.client.get(f"/v1/audit/replays/{done['id']}", headers=second.admin)
        assert found.json()["status"] == "done"
        answer = second.client.get(
            f"/v1/audit/replays/{done['id']}/projections/supplier-quality", headers=second.admin
        )
        assert answer.status_code == 200 and answer.json()["items"]
