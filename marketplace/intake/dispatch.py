"""A command run as the HTTP request it stands for, through the API app in-process (ASGI).

The same routes, authentication, validation, handlers, error model and `Idempotency-Key`
middleware as over HTTP: the answer *is* the HTTP answer, and the command id as the key makes
a redelivered command one effect with the same answer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI

from marketplace.intake.commands import Command


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the parsed JSON body; None for an empty one

    @property
    def code(self) -> str | None:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error.get("code") if isinstance(error, dict) else None

    @property
    def retry_later(self) -> bool:
        """Says "not now" rather than answering: the intake tries again instead of replying
        (a store outage; a delivery of the same command still running, or cut off mid-way)."""
        return (self.status, self.code) in {
            (503, "store_unavailable"),
            (409, "idempotency_key_in_progress"),
        }


BASE_URL = "http://intake.internal"


class _InProcessRequests(logging.Filter):
    """httpx logs every request at INFO; the app's own access log already has these."""

    def filter(self, record: logging.LogRecord) -> bool:
        return BASE_URL not in record.getMessage()


logging.getLogger("httpx").addFilter(_InProcessRequests())


class InProcessApi:
    """Calls the API app without a network, as an HTTP client would."""

    def __init__(self, app: FastAPI) -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._client = httpx.AsyncClient(transport=transport, base_url=BASE_URL)

    async def run(
        self,
        command: Command,
        path_ids: dict[str, str],
        data: dict[str, Any],
        *,
        authorization: str | None,
        command_id: str,
    ) -> Answer:
        path = command.path.format_map({k: quote(v, safe="") for k, v in path_ids.items()})
        body = {k: v for k, v in data.items() if k not in path_ids}
        # A lone surrogate (JSON allows one) is sent as it came: the key check refuses it, 422.
        headers: dict[str, Any] = {"Idempotency-Key": command_id.encode("utf-8", "surrogatepass")}
        if authorization is not None:
            headers["Authorization"] = authorization.encode("latin-1", "replace")
        content = None
        if body or _body_required(command):
            content = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        response = await self._client.request(
            command.method, path, content=content, headers=headers
        )
        return Answer(response.status_code, _json_or_none(response.content))

    async def close(self) -> None:
        await self._client.aclose()


def _body_required(command: Command) -> bool:
    """Does the route take a body that may not be left out (an empty `data` is then `{}`)?"""
    if command.body is None:
        return False
    members = getattr(command.body, "__args__", None) or (command.body,)
    return type(None) not in members


def _json_or_none(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")
