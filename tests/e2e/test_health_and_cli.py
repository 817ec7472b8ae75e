"""`/health` and the command line, against the real service and stores."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql

from marketplace.projections import directory
from marketplace.projections.failures import ProjectionFailed, record_failure
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.projection import Projection
from tests.conftest import BROKER, POSTGRES_URL, require_broker
from tests.e2e.conftest import Server, free_port, run_cli, service_env, start_server

cli = run_cli


@pytest.mark.both_stores
def test_health_reports_the_store(demo: Server, backend: str) -> None:
    body = httpx.get(f"{demo.url}/health").json()
    projections = body["components"]["projections"]
    assert body == {
        "status": "ok",
        "event_store": "ok",
        "event_store_backend": "postgresql" if backend == "postgres" else "sqlite",
        "broker": "not_configured",
        # Embedded default: no relay is needed, and the read models are fed inside `serve`.
        "components": {
            "projections": {
                "status": "ok",
                "runs_in": "serve",
                "feed": "in_process",
                "last_seen": projections["last_seen"],
                "seconds_since": projections["seconds_since"],
                "instances": [],
                "lag": projections["lag"],
                "detail": None,
                "failed": {},
            }
        },
    }
    assert projections["lag"] >= 0
    assert 0 <= projections["seconds_since"] < 30


def test_health_reports_the_broker_when_one_is_configured(tmp_path: Path) -> None:
    require_broker()
    up = start_server(
        service_env(tmp_path / "a", "sqlite", None, MARKETPLACE_KAFKA_BOOTSTRAP=BROKER)
    )
    down = start_server(
        service_env(
            tmp_path / "b", "sqlite", None, MARKETPLACE_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}"
        )
    )
    try:
        assert httpx.get(f"{up.url}/health").json()["broker"] == "ok"
        assert httpx.get(f"{down.url}/health").json()["broker"] == "unreachable"
    finally:
        up.stop()
        down.stop()


def test_health_is_503_when_the_event_store_is_gone(tmp_path: Path, pg_schema: str) -> None:
    server = start_server(service_env(tmp_path, "postgres", pg_schema))
    try:
        assert httpx.get(f"{server.url}/health").status_code == 200
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(pg_schema)))
        response = httpx.get(f"{server.url}/health")
        assert response.status_code == 503
        assert response.json()["event_store"] == "unreachable"
    finally:
        server.stop()


def test_serve_with_no_configuration_answers_health_and_prints_a_bootstrap_token(
    tmp_path: Path,
) -> None:
    env = service_env(tmp_path, "sqlite", None)
    del env["MARKETPLACE_ADMIN_TOKEN"]
    server = start_server(env)
    try:
        assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
        (line,) = [ln for ln in server.stdout if ln.startswith("Bootstrap hq_admin token")]
        token = line.rsplit(" ", 1)[1]
        client = server.client(token)
        created = client.post("/v1/units", json={"id": "G", "name": "Group", "level": "group"})
        assert created.status_code == 201
        assert any(ln.startswith("API docs: http://127.0.0.1:") for ln in server.stdout)
        assert any(ln.startswith("Portal: http://127.0.0.1:") for ln in server.stdout)
        explained = "\n".join(server.stdout)
        assert "shown only here" in explained and "MARKETPLACE_ADMIN_TOKEN=" in explained
    finally:
        server.stop()


def test_demo_is_only_created_on_an_empty_store(tmp_path: Path) -> None:
    env = service_env(tmp_path, "sqlite", None)
    first = start_server(env, "--demo")
    first.stop()
    assert len(first.tokens) >= 5 + 3 + 10
    assert {role for _, role in first.tokens} == {
        "hq_admin",
        "platform_admin",
        "unit_operator",
        "auditor",
        "bi_reader",
    }
    second = start_server(env, "--demo")
    second.stop()
    assert not second.tokens
    assert any("not empty" in ln for ln in second.stdout)


def test_units_import_is_all_or_nothing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    env = service_env(tmp_path, backend, schema)
    good = tmp_path / "group.yaml"
    good.write_text(
        "units:\n"
        "  - {id: HQ, name: Group, level: group}\n"
        "  - {id: PWR, name: Power, level: platform, parent_id: HQ, sector: power}\n"
    )
    done = cli(env, "units", "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "2 created" in done.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "units:\n"
        "  - {id: PWR-01, name: Plant, level: enterprise, parent_id: PWR}\n"
        "  - {id: PWR-02, name: Plant, level: enterprise, parent_id: NOWHERE}\n"
        "  - {id: PWR, name: Power, level: enterprise, parent_id: HQ}\n"
        "  - {id: PWR-03, name: Plant, level: enterprise, parent_id: PWR, size: 3}\n"
    )
    refused = cli(env, "units", "import", str(bad))
    assert refused.returncode == 1
    # Every wrong entry is named in the one run, each with its line and reason.
    assert "entry 2, line 3, unit 'PWR-02'" in refused.stderr
    assert (
        "entry 3, line 4, unit 'PWR': " in refused.stderr
        and "level_cannot_change" in refused.stderr
    )
    assert "entry 4, line 5, unit 'PWR-03': size: Extra inputs" in refused.stderr
    listed = cli(env, "units", "list").stdout.split()
    assert "PWR" in listed and "PWR-01" not in listed


def test_tokens_can_be_issued_and_revoked_from_the_cli(tmp_path: Path) -> None:
    env = service_env(tmp_path, "sqlite", None)
    (tmp_path / "g.yaml").write_text("- {id: HQ, name: Group, level: group}\n")
    assert cli(env, "units", "import", str(tmp_path / "g.yaml")).returncode == 0
    issued = cli(env, "tokens", "issue", "HQ", "--role", "hq_admin", "--label", "first admin")
    assert issued.returncode == 0, issued.stderr
    token_id = issued.stdout.split("token_id: ")[1].strip()
    assert cli(env, "tokens", "revoke", token_id).returncode == 0
    listed = cli(env, "tokens", "list", "HQ")
    assert listed.returncode == 0, listed.stderr
    assert token_id in listed.stdout and "first admin" in listed.stdout
    assert "revoked" in listed.stdout
    assert issued.stdout.split(".")[1].split()[0] not in listed.stdout  # never the secret
    wrong = cli(env, "tokens", "issue", "NOPE", "--role", "auditor")
    assert wrong.returncode == 1 and "does not exist" in wrong.stderr
    bad_label = cli(env, "tokens", "issue", "HQ", "--role", "auditor", "--label", "a\x1bb")
    assert bad_label.returncode == 2 and "U+001B" in bad_label.stderr
    assert cli(env, "tokens", "list", "HQ").stdout.count("\n") == listed.stdout.count("\n")


def test_help_lists_every_command_with_a_line_of_help() -> None:
    out = cli({}, "--help").stdout
    for command in ("serve", "units", "tokens"):
        assert command in out
    assert "import" in cli({}, "units", "--help").stdout


def test_a_failed_read_model_shows_in_health_and_status_until_rebuilt(tmp_path: Path) -> None:
    """As a projection worker records it (another process): the API reports it, serves the
    rows it has, and feeds it again once `projections rebuild` cleared it."""
    env = service_env(tmp_path, "sqlite", None)
    location = ReadModelLocation(sqlite_path=tmp_path / "data" / "read_models.sqlite3")
    boom = ProjectionFailed(7, RuntimeError("cannot reduce marketplace.unit.renamed.v1"))
    asyncio.run(_record(location, directory.PROJECTION, boom))
    server = start_server(env)
    try:
        admin = server.admin
        assert admin.post("/v1/units", json={"id": "G", "name": "G", "level": "group"}).is_success
        health = httpx.get(f"{server.url}/health")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded"
        projections = health.json()["components"]["projections"]
        assert projections["status"] == "failed"
        assert list(projections["failed"]) == ["directory"]
        failed = projections["failed"]["directory"]
        assert failed["position"] == 7
        assert failed["error"] == "RuntimeError: cannot reduce marketplace.unit.renamed.v1"
        (status,) = [s for s in _statuses(server) if s["name"] == "directory"]
        assert status["state"] == "failed"
        assert status["failure"] == failed
        # Reads answer from the rows it has (none here: it stopped before the first unit).
        assert admin.get("/v1/units").json()["items"] == []
        listed = cli(env, "projections", "status")
        assert "directory FAILED at position 7" in listed.stdout, listed.stdout

        rebuilt = cli(env, "projections", "rebuild", "directory")
        assert rebuilt.returncode == 0, rebuilt.stderr
        deadline = time.monotonic() + 30
        while [s["state"] for s in _statuses(server) if s["name"] == "directory"] != ["current"]:
            assert time.monotonic() < deadline, "the API did not resume the rebuilt read model"
            time.sleep(0.1)
        assert [u["id"] for u in admin.get("/v1/units").json()["items"]] == ["G"]
        assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
    finally:
        server.stop()


async def _record(
    location: ReadModelLocation, projection: Projection, failed: ProjectionFailed
) -> None:
    store = await open_store(location)
    try:
        await store.create(projection)
        await record_failure(store, projection, failed)
    finally:
        await store.close()


def _statuses(server: Server) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = server.admin.get("/v1/projections/status").json()["items"]
    return items
