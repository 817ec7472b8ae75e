"""Audit over HTTP and the CLI: histories, past states, the chain's verification, role checks,
and a replay of the read models as of a moment."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import Server, service_env
from tests.e2e.test_health_and_cli import cli
from tests.e2e.test_needs_api import as_unit, steam_need
from tests.e2e.test_units_api import error_of

DEMO_ORG = Path(__file__).resolve().parents[2] / "marketplace/demo/organisation.yaml"


@pytest.mark.both_stores
def test_an_auditor_reads_a_needs_history_and_past_states(demo: Server) -> None:
    coal = as_unit(demo, "COAL-02")
    auditor = demo.client(demo.token("HQ", "auditor"))
    before = datetime.now(UTC) - timedelta(seconds=1)
    need = coal.post("/v1/needs", json=steam_need("COAL-02", title="Audited")).json()
    coal.post(f"/v1/needs/{need['id']}/cancel", json={"reason": "duplicate"})

    history = auditor.get(f"/v1/audit/{need['id']}/events")
    assert history.status_code == 200, history.text
    items = history.json()["items"]
    assert [(i["type"], i["version"]) for i in items] == [
        ("marketplace.need.posted.v2", 1),  # the current type
        ("marketplace.need.cancelled.v1", 2),
    ]
    token_id = demo.token("COAL-02", "unit_operator").split(".")[0]
    assert items[0]["actor"] == {"unit_id": "COAL-02", "token_id": token_id}
    assert items[0]["data"]["spec"]["title"] == "Audited"
    assert all(len(i["hash"]) == 64 and len(i["prev_hash"]) == 64 for i in items)
    assert items[0]["position"] < items[1]["position"]

    first = auditor.get(f"/v1/audit/{need['id']}/state", params={"version": 1}).json()
    assert (first["version"], first["state"]["status"]) == (1, "open")
    now = auditor.get(f"/v1/audit/{need['id']}/state").json()
    assert (now["version"], now["state"]["status"]) == (2, "cancelled")
    at_posting = auditor.get(
        f"/v1/audit/{need['id']}/state", params={"as_of": items[0]["occurred_at"]}
    ).json()
    assert at_posting["version"] == 1
    error_of(
        auditor.get(f"/v1/audit/{need['id']}/state", params={"as_of": before.isoformat()}),
        404,
        "not_found",
    )
    error_of(auditor.get(f"/v1/audit/{need['id']}/state", params={"version": 3}), 404, "not_found")
    error_of(
        auditor.get(
            f"/v1/audit/{need['id']}/state",
            params={"version": 1, "as_of": items[0]["occurred_at"]},
        ),
        422,
        "invalid_request",
    )
    error_of(auditor.get("/v1/audit/no-such-thing/events"), 404, "not_found")

    verified = auditor.get("/v1/audit/verify").json()
    assert verified["ok"] is True and verified["events_checked"] >= items[1]["position"]


def test_the_organisation_history_starts_the_chain(demo: Server) -> None:
    items = demo.admin.get("/v1/audit/organisation/events").json()["items"]
    assert items[0]["prev_hash"] == "0" * 64 and items[0]["position"] == 1
    assert items[0]["public"] is False  # the chart's establishment is internal
    registered = [i for i in items if i["type"] == "marketplace.unit.registered.v1"]
    assert registered and registered[0]["data"]["unit_id"] == "HQ"
    token_id = demo.admin.post(
        "/v1/tokens", json={"unit_id": "HEAT", "roles": ["platform_admin"], "label": "x"}
    ).json()["token_id"]
    issued = demo.admin.get(f"/v1/audit/{token_id}/events").json()["items"]
    assert [i["type"] for i in issued] == ["AccessToken.Issued"]
    assert "secret_hash" not in issued[0]["data"]
    assert "secret_hash" not in demo.admin.get(f"/v1/audit/{token_id}/state").text


@pytest.mark.parametrize(
    ("unit", "role"),
    [("COAL-01", "unit_operator"), ("COAL", "platform_admin"), ("HQ", "bi_reader")],
)
def test_only_auditors_and_hq_admins_read_the_audit_trail(
    demo: Server, unit: str, role: str
) -> None:
    other = demo.client(demo.token(unit, role))
    for path in (
        "/v1/audit/organisation/events",
        "/v1/audit/organisation/state",
        "/v1/audit/verify",
    ):
        error_of(other.get(path), 403, "forbidden")
    error_of(httpx.get(f"{demo.url}/v1/audit/verify"), 401, "unauthenticated")


@pytest.mark.both_stores
def test_the_cli_verifies_finds_tampering_and_replays_as_of(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    env = service_env(tmp_path, backend, schema)
    assert cli(env, "units", "import", str(DEMO_ORG)).returncode == 0
    imported_at = datetime.now(UTC)
    moved = cli(env, "units", "import", str(_moved_org(tmp_path)))
    assert moved.returncode == 0, moved.stderr

    ok = cli(env, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "ok:" in ok.stdout

    replayed = cli(env, "audit", "replay", "--as-of", imported_at.isoformat())
    assert replayed.returncode == 0, replayed.stderr
    stamp = imported_at.strftime("%Y%m%dt%H%M%Sz")
    assert stamp in replayed.stdout
    # The replay shows the chart before the second import moved COAL-02 under HEAT.
    rows = _directory_rows(tmp_path, schema, stamp)
    assert rows["COAL-02"] == "COAL"
    assert cli(env, "audit", "replay", "--as-of", "yesterday").returncode == 2

    _tamper(tmp_path, schema)
    broken = cli(env, "audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN" in broken.stderr and "event_modified" in broken.stderr


def _moved_org(tmp_path: Path) -> Path:
    text = DEMO_ORG.read_text().replace(
        "{id: COAL-02, name: Urea and Fertiliser Co., level: enterprise, parent_id: COAL}",
        "{id: COAL-02, name: Urea and Fertiliser Co., level: enterprise, parent_id: HEAT}",
    )
    assert "parent_id: HEAT}" in text
    path = tmp_path / "moved.yaml"
    path.write_text(text)
    return path


def _directory_rows(tmp_path: Path, schema: str | None, stamp: str) -> dict[str, str | None]:
    query = "SELECT id, parent_id FROM directory_units"
    if schema is None:
        path = tmp_path / "data" / f"read_models.asof-{stamp}.sqlite3"
        with sqlite3.connect(path) as conn:
            return dict(conn.execute(query).fetchall())
    with psycopg.connect(POSTGRES_URL) as conn:
        found = conn.execute(
            f'SELECT id, parent_id FROM "{schema}_read_models_asof_{stamp}".directory_units'
        ).fetchall()
    return dict(found)


def _tamper(tmp_path: Path, schema: str | None) -> None:
    statement = (
        "UPDATE {} SET state = '{{}}' "
        "WHERE originator_id = 'organisation' AND originator_version = 2"
    )
    if schema is None:
        with sqlite3.connect(tmp_path / "data" / "events.sqlite3") as conn:
            conn.execute(statement.format("stored_events"))
        return
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(statement.format(f'"{schema}"._marketplaceapplication_events'))  # type: ignore[arg-type]


def test_an_auditor_replays_as_of_a_moment_over_http_and_the_cli_lists_and_removes_it(
    demo: Server,
) -> None:
    auditor = demo.client(demo.token("HQ", "auditor"))
    asked = auditor.post("/v1/audit/replays", json={"as_of": datetime.now(UTC).isoformat()})
    assert asked.status_code == 202, asked.text
    replay_id = asked.json()["id"]
    for _ in range(600):
        state = auditor.get(f"/v1/audit/replays/{replay_id}").json()
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert state["status"] == "done", state
    live = auditor.get("/v1/projections/supplier-quality").json()
    replayed = auditor.get(f"/v1/audit/replays/{replay_id}/projections/supplier-quality")
    assert replayed.status_code == 200 and replayed.json() == live

    listed = cli(demo.env, "audit", "replays", "list")
    assert listed.returncode == 0, listed.stderr
    assert any(ln.startswith(f"{replay_id}\tdone\t100%") for ln in listed.stdout.splitlines())
    removed = cli(demo.env, "audit", "replays", "remove", replay_id)
    assert removed.returncode == 0, removed.stderr
    error_of(auditor.get(f"/v1/audit/replays/{replay_id}"), 404, "not_found")
    again = cli(demo.env, "audit", "replays", "remove", replay_id)
    assert again.returncode == 1 and "does not exist" in again.stderr
    operator = demo.client(demo.token("COAL-01", "unit_operator"))
    error_of(operator.get("/v1/audit/replays"), 403, "forbidden")
