"""The request limits met before any route (marketplace/api/limits.py), on a tiny app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from marketplace.api.errors import install_error_handlers
from marketplace.api.limits import RequestLimits

LIMIT = 10_000


@pytest.fixture
def served() -> tuple[TestClient, list[int]]:
    """A client, and the body sizes the route itself got to read."""
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestLimits, max_body_bytes=LIMIT, max_header_bytes=2048)
    seen: list[int] = []

    @app.post("/things/{thing_id}")
    async def post_thing(thing_id: str, request: Request) -> dict[str, Any]:
        seen.append(len(await request.body()))
        return {"thing_id": thing_id}

    @app.get("/things/{thing_id}")
    def get_thing(thing_id: str, q: str | None = None) -> dict[str, Any]:
        return {"thing_id": thing_id, "q": q}

    return TestClient(app), seen


def error(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    return dict(answer.json()["error"])


def test_a_body_up_to_the_limit_reaches_the_route_whole(served: Any) -> None:
    client, seen = served
    assert client.post("/things/a", content=b"x" * LIMIT).status_code == 200
    assert seen == [LIMIT]


def test_a_declared_oversized_body_is_refused_before_the_route(served: Any) -> None:
    client, seen = served
    answer = client.post("/things/a", content=b"x" * (LIMIT + 1))
    assert error(answer, 413, "payload_too_large")["details"] == {"limit_bytes": LIMIT}
    assert answer.headers["connection"] == "close"
    assert seen == []


def test_a_streamed_body_is_refused_once_its_chunks_add_up_to_more(served: Any) -> None:
    client, seen = served

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(100):
            yield b"x" * 1000

    error(client.post("/things/a", content=chunks()), 413, "payload_too_large")
    assert seen == []


def test_control_characters_in_a_path_parameter_are_refused_by_name(served: Any) -> None:
    client, _ = served
    details = error(client.get("/things/a%00b"), 422, "invalid_request")["details"]
    assert details == [
        {
            "field": "thing_id",
            "location": "path",
            "message": "Must not contain control characters.",
            "type": "control_character",
        }
    ]
    error(client.get("/things/%0A"), 422, "invalid_request")
    error(client.get("/elsewhere/%1F"), 422, "invalid_request")


def test_a_path_that_is_not_utf8_is_refused(served: Any) -> None:
    client, _ = served
    assert error(client.get("/things/%FF"), 422, "invalid_request")["details"][0]["type"] == (
        "not_utf8"
    )


@pytest.mark.parametrize(
    ("query", "field", "kind"),
    [
        ("q=a%00b", "q", "control_character"),
        ("q=a%0Db", "q", "control_character"),
        ("q%7F=x", "q\x7f", "control_character"),
        ("q=%C3%28", "q", "not_utf8"),
    ],
)
def test_query_values_are_checked(served: Any, query: str, field: str, kind: str) -> None:
    client, _ = served
    details = error(client.get(f"/things/a?{query}"), 422, "invalid_request")["details"]
    assert [(d["field"], d["location"], d["type"]) for d in details] == [(field, "query", kind)]


def test_ordinary_paths_and_queries_pass(served: Any) -> None:
    client, _ = served
    answer = client.get("/things/%E8%83%BD%E6%BA%90?q=a+b%20c")
    assert answer.json() == {"thing_id": "能源", "q": "a b c"}
    assert client.get("/things/a?q=").json() == {"thing_id": "a", "q": ""}


def test_a_query_parameter_the_operation_does_not_take_is_refused(served: Any) -> None:
    client, _ = served
    details = error(client.get("/things/a?q=1&qq=2&qq=3"), 422, "invalid_request")["details"]
    assert details == [
        {
            "field": "qq",
            "location": "query",
            "message": "Unknown query parameter (this takes: q).",
            "type": "unknown",
        }
    ]
    assert client.get("/nowhere?x=1").status_code == 404


def test_oversized_headers_and_targets_get_json_errors(served: Any) -> None:
    client, _ = served
    error(client.get("/things/a", headers={"x-big": "a" * 3000}), 431, "headers_too_large")
    error(client.get("/things/a", params={"q": "a" * 3000}), 414, "uri_too_long")
