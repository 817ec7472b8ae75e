"""`GET /metrics` of a worker process (relay, projection workers, notifier, intake) on a port
of its own: a minimal HTTP server in the worker's event loop (no thread, no signal handlers)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from marketplace.log import get_logger
from marketplace.metrics.access import MetricsAccess, Verdict
from marketplace.metrics.process import ProcessMetrics

log = get_logger(__name__)
HEAD_TIMEOUT = 5.0  # seconds a client may take to send its request head
MAX_HEAD = 16 * 1024
_REFUSALS: dict[Verdict, tuple[int, str, str]] = {
    "unauthenticated": (401, "Unauthorized", "A valid bearer token is required."),
    "forbidden": (403, "Forbidden", "Only an hq_admin token or the metrics token may read this."),
}


@dataclass
class MetricsServer:
    """Serves `metrics` on host:port until the worker stops (port 0: any free port)."""

    metrics: ProcessMetrics
    access: MetricsAccess
    host: str
    port: int
    bound_port: int | None = field(default=None, init=False)
    _server: asyncio.Server | None = field(default=None, init=False)

    async def start(self) -> None:
        """Bind now, so a port in use fails the process at start, loudly."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port, limit=MAX_HEAD)
        self.bound_port = self._server.sockets[0].getsockname()[1]
        log.info("metrics_serving", host=self.host, port=self.bound_port)

    async def run(self, stop: asyncio.Event) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        try:
            await stop.wait()
        finally:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
            writer.write(await self._answer(head.decode("latin-1")))
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass  # a client that sends no proper head gets nothing
        finally:
            writer.close()

    async def _answer(self, head: str) -> bytes:
        request_line, *lines = head.split("\r\n")
        method, _, rest = request_line.partition(" ")
        path = rest.partition(" ")[0].partition("?")[0]
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines if line)
        }
        if path != "/metrics":
            return _error(404, "Not Found", "not_found", "Only /metrics is served here.")
        if method not in ("GET", "HEAD"):
            return _error(405, "Method Not Allowed", "method_not_allowed", "Use GET.")
        verdict = await self.access.verdict(headers.get("authorization"))
        if verdict != "ok":
            status, reason, message = _REFUSALS[verdict]
            return _error(status, reason, verdict, message)
        body, content_type = await self.metrics.exposition()
        return _response(200, "OK", content_type, b"" if method == "HEAD" else body)


def _error(status: int, reason: str, code: str, message: str) -> bytes:
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}}).encode()
    return _response(status, reason, "application/json", body)


def _response(status: int, reason: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body
