"""Size limits as a client meets them on the real server: JSON errors, not the server's own."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import ADMIN_TOKEN, Server, service_env, start_server

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # The store does not matter here; the HTTP server in front of the app does.
    started = start_server(service_env(tmp_path_factory.mktemp("limits"), "sqlite", None))
    yield started
    started.stop()


def test_an_oversized_header_gets_a_json_431(server: Server) -> None:
    answer = httpx.get(f"{server.url}/v1/units", headers=AUTH | {"x-filler": "a" * 20_000})
    assert answer.status_code == 431
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error"]["code"] == "headers_too_large"


def test_an_oversized_body_gets_a_json_413_and_the_server_carries_on(server: Server) -> None:
    answer = httpx.post(
        f"{server.url}/v1/units",
        headers=AUTH | {"content-type": "application/json"},
        content=b"x" * 20_000_000,
        timeout=30,
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == {
        "code": "payload_too_large",
        "message": "The request body is larger than 1048576 bytes.",
        "details": {"limit_bytes": 1_048_576},
    }
    assert httpx.get(f"{server.url}/v1/units", headers=AUTH).status_code == 200
