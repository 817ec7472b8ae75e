"""`/v1/tokens` over HTTP: issue, use, revoke; the refusals."""

from __future__ import annotations

from tests.e2e.conftest import Server
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
