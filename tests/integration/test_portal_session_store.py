"""Portal sessions on both stores: their table lives beside the read models (a SQLite file, a
PostgreSQL schema), where every API process finds them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_app import InProcessApi, serve_in_process, settings_for
from tests.integration.portal_client import PortalUser

pytestmark = pytest.mark.both_stores


@pytest.fixture(scope="module")
def api(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessApi]:
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    settings = settings_for(
        tmp_path_factory.mktemp("sessions"), schema, portal_session_idle_minutes=10
    )
    try:
        with serve_in_process(settings) as served:
            yield served
    finally:
        if schema:
            drop_schemas(schema)


def test_a_session_lives_while_used_and_ends_when_idle_or_revoked(api: InProcessApi) -> None:
    issued = api.client.post(
        "/v1/tokens",
        json={"unit_id": "PWR-01", "roles": ["unit_operator"], "label": "portal session"},
        headers=api.admin,
    ).json()
    user, other = PortalUser(api), PortalUser(api)
    assert user.sign_in(issued["token"]).status_code == 303
    assert other.sign_in(api.tokens[("PWR-02", "unit_operator")]).status_code == 303
    real = api.svc.clock
    try:
        for minutes in (9, 18):  # each visit within the idle time keeps it alive
            api.svc.clock = lambda m=minutes: real() + timedelta(minutes=m)  # type: ignore[misc]
            assert user.get("/inbox").status_code == 200
        assert other.get("/inbox").headers["location"] == "/"  # idle for 18 minutes
    finally:
        api.svc.clock = real
    revoked = api.client.delete(f"/v1/tokens/{issued['token_id']}", headers=api.admin)
    assert revoked.status_code == 204
    assert user.get("/needs").headers["location"] == "/"


def session_rows(api: InProcessApi) -> int:
    sessions = api.client.app.state.portal.sessions  # type: ignore[attr-defined]
    assert api.client.portal is not None
    rows = api.client.portal.call(
        sessions.store.fetch, "SELECT count(*) AS n FROM portal_sessions", [], {}
    )
    return int(rows[0]["n"])


def test_a_sign_in_sweeps_away_the_sessions_left_idle(api: InProcessApi) -> None:
    left = [PortalUser(api) for _ in range(3)]  # browsers closed without signing out
    for user in left:
        assert user.sign_in(api.tokens[("PWR-02", "unit_operator")]).status_code == 303
    before = session_rows(api)
    real = api.svc.clock
    try:
        api.svc.clock = lambda: real() + timedelta(minutes=11)  # type: ignore[method-assign]
        fresh = PortalUser(api)
        assert fresh.sign_in(api.tokens[("PWR-02", "unit_operator")]).status_code == 303
        assert session_rows(api) <= before - len(left) + 1
        assert fresh.get("/inbox").status_code == 200  # the new one is kept
    finally:
        api.svc.clock = real
    assert left[0].get("/inbox").headers["location"] == "/"
