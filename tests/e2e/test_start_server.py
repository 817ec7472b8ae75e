"""`start_server` never hands a test another process's server that holds the port it picked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.e2e import conftest
from tests.e2e.conftest import listens, service_env, start_server


class _Healthy(BaseHTTPRequestHandler):
    """Another server: answers every GET 200, as another test's `serve` would /health."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def taken_port() -> Iterator[int]:
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    yield int(other.server_address[1])
    other.shutdown()
    other.server_close()


def test_a_server_that_lost_its_port_is_started_again_on_another(
    tmp_path: Path, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = iter([taken_port])
    real = conftest.free_port
    monkeypatch.setattr(conftest, "free_port", lambda: next(ports, None) or real())
    assert httpx.get(f"http://127.0.0.1:{taken_port}/health").status_code == 200
    assert not listens(0, taken_port)  # no such process holds it

    server = start_server(service_env(tmp_path, "sqlite", None), "--demo")
    try:
        assert server.url != f"http://127.0.0.1:{taken_port}"
        port = int(server.url.rpartition(":")[2])
        assert listens(server.process.pid, port)
        assert server.token("COAL-01", "unit_operator")  # the first attempt's demo tokens
        assert server.admin.get("/v1/units/COAL-01").status_code == 200
        assert server.log is not None
        assert "address already in use" in (tmp_path / f"serve-{taken_port}.log").read_text()
    finally:
        server.stop()
