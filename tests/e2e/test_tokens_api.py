"""`/v1/tokens` over HTTP: issue, use, revoke; the refusals."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import Server, run_cli
from tests.e2e.test_units_api import error_of


def test_an_issued_token_works_until_revoked(demo: Server) -> None:
    issued = demo.admin.post(
        "/v1/tokens", json={"unit_id": "ENG-01", "roles": ["unit_operator"], "label": "ERP"}
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["token_id"] and body["token"].startswith(body["token_id"] + ".")
    assert body["roles"] == ["unit_operator"]
    client = demo.client(body["token"])
    assert client.get("/v1/units/ENG-01").status_code == 200
    assert demo.admin.delete(f"/v1/tokens/{body['token_id']}").status_code == 204
    error_of(client.get("/v1/units/ENG-01"), 401, "unauthenticated")
    assert demo.admin.delete(f"/v1/tokens/{body['token_id']}").status_code == 204


def test_a_holder_revokes_its_own_token(demo: Server) -> None:
    issued = demo.admin.post("/v1/tokens", json={"unit_id": "ENG-02", "roles": ["auditor"]}).json()
    own = demo.client(issued["token"])
    assert own.delete(f"/v1/tokens/{issued['token_id']}").status_code == 204
    error_of(own.get("/v1/units"), 401, "unauthenticated")


def test_token_refusals(demo: Server) -> None:
    platform = demo.client(demo.token("ENG", "platform_admin"))
    body = {"unit_id": "ENG-01", "roles": ["unit_operator"]}
    error_of(platform.post("/v1/tokens", json=body), 403, "forbidden")
    other = demo.admin.post("/v1/tokens", json={"unit_id": "ENG-01", "roles": ["bi_reader"]}).json()
    error_of(platform.delete(f"/v1/tokens/{other['token_id']}"), 403, "forbidden")
    error_of(
        demo.admin.post("/v1/tokens", json={"unit_id": "ENG-01", "roles": ["hq_admin"]}),
        409,
        "role_not_allowed_for_unit",
    )
    error_of(
        demo.admin.post("/v1/tokens", json={"unit_id": "NOPE", "roles": ["auditor"]}),
        404,
        "not_found",
    )
    error_of(demo.admin.delete("/v1/tokens/tok_missing"), 404, "not_found")
    details = error_of(
        demo.admin.post("/v1/tokens", json={"unit_id": "ENG-01", "roles": ["wizard"]}),
        422,
        "invalid_request",
    )["details"]
    assert details[0]["field"].startswith("roles")
    error_of(
        demo.admin.post("/v1/tokens", json={"unit_id": "ENG-01", "roles": []}),
        422,
        "invalid_request",
    )


def test_the_bootstrap_token_can_issue_but_is_not_revocable(demo: Server) -> None:
    error_of(demo.admin.delete("/v1/tokens/bootstrap"), 404, "not_found")


def test_a_units_tokens_are_listed_without_secrets(demo: Server) -> None:
    issued = [
        demo.admin.post(
            "/v1/tokens", json={"unit_id": "ENG-02", "roles": ["unit_operator"], "label": label}
        ).json()
        for label in ("ERP", "MES")
    ]
    assert demo.admin.delete(f"/v1/tokens/{issued[0]['token_id']}").status_code == 204
    listed = demo.admin.get("/v1/tokens", params={"unit_id": "ENG-02"})
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [(t["token_id"], t["label"], t["revoked"]) for t in items][-2:] == [
        (issued[0]["token_id"], "ERP", True),
        (issued[1]["token_id"], "MES", False),
    ]
    assert items[-1]["roles"] == ["unit_operator"] and items[-1]["revoked_at"] is None
    assert items[-2]["revoked_at"] is not None
    assert items[-1]["issued_by"]["unit_id"] == "HQ"
    for token in issued:
        assert token["token"].split(".")[1] not in listed.text
    auditor = demo.client(demo.token("HQ", "auditor"))
    assert auditor.get("/v1/tokens", params={"unit_id": "ENG-02"}).json()["items"] == items
    operator = demo.client(demo.token("ENG-01", "unit_operator"))
    error_of(operator.get("/v1/tokens", params={"unit_id": "ENG-01"}), 403, "forbidden")
    error_of(demo.admin.get("/v1/tokens", params={"unit_id": "NOPE"}), 404, "not_found")
    error_of(demo.admin.get("/v1/tokens"), 422, "invalid_request")


def test_a_token_with_an_expiry_is_refused_after_it(demo: Server) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    details = error_of(
        demo.admin.post(
            "/v1/tokens", json={"unit_id": "COAL-03", "roles": ["auditor"], "expires_at": past}
        ),
        422,
        "invalid_request",
    )["details"]
    assert details[0]["field"] == "expires_at"
    # Room for the issue, a use and a list on a loaded machine before it expires.
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=6)
    issued = demo.admin.post(
        "/v1/tokens",
        json={"unit_id": "COAL-03", "roles": ["auditor"], "expires_at": soon.isoformat()},
    ).json()
    assert datetime.fromisoformat(issued["expires_at"]) == soon
    client = demo.client(issued["token"])
    assert client.get("/v1/units/COAL-03").status_code == 200
    listed = demo.admin.get("/v1/tokens", params={"unit_id": "COAL-03"}).json()["items"]
    (mine,) = [t for t in listed if t["token_id"] == issued["token_id"]]
    assert datetime.fromisoformat(mine["expires_at"]) == soon
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.2)
    refused = error_of(client.get("/v1/units/COAL-03"), 401, "unauthenticated")
    assert refused["message"].startswith("This token expired at ")


def test_the_cli_issues_a_token_with_an_expiry(demo: Server) -> None:
    later = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    issued = run_cli(
        demo.env,
        "tokens",
        "issue",
        "SVC-02",
        "--role",
        "auditor",
        "--expires-at",
        later.isoformat(),
    )
    assert issued.returncode == 0, issued.stderr
    assert f"expires_at: {later.isoformat()}" in issued.stdout
    listed = run_cli(demo.env, "tokens", "list", "SVC-02")
    assert f"expires {later.isoformat()}" in listed.stdout
    refused = run_cli(
        demo.env,
        "tokens",
        "issue",
        "SVC-02",
        "--role",
        "auditor",
        "--expires-at",
        "2020-01-01T00:00:00Z",
    )
    assert refused.returncode != 0 and "expires_at must be in the future" in refused.stderr
