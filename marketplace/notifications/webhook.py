"""Webhook delivery by the Standard Webhooks specification: sign, post, and judge the answer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import httpx
from standardwebhooks import Webhook

from marketplace.events.envelope import STRUCTURED_CONTENT_TYPE

TIMEOUT = 10.0
# An error text is kept for the deliveries API: short, and never the endpoint (its query may
# carry a receiver's token) nor anything of the secret.
_ERROR_LIMIT = 160

# The answer's body is never used: up to this much is read only to keep the connection.
_ANSWER_LIMIT = 65_536

Outcome = Literal["delivered", "retry", "gone"]


@dataclass(frozen=True)
class Attempt:
    """One try: the HTTP status when the receiver answered, else why not, and what follows."""

    status: int | None
    error: str | None
    outcome: Outcome


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "msg_id.timestamp.body">` keyed by the `whsec_…` secret."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=body.decode())


def headers(secret: str, event_id: str, body: bytes, now: int) -> dict[str, str]:
    """The request headers of one delivery of `body` (the CloudEvent's structured JSON)."""
    return {
        "content-type": STRUCTURED_CONTENT_TYPE,
        "webhook-id": event_id,
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret, event_id, now, body),
    }


async def post_event(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    event_id: str,
    body: bytes,
    now: int,
    time_limit: float = TIMEOUT,
) -> Attempt:
    """POST `body` to `url` once, signed; 2xx → delivered, 410 → gone, else → retry.

    The whole attempt is bounded by `time_limit`: the status must come within it; the
    answer's body is ignored, and redirects are not followed.
    """
    request = client.build_request(
        "POST", url, content=body, headers=headers(secret, event_id, body, now), timeout=time_limit
    )
    deadline = asyncio.get_running_loop().time() + time_limit
    try:
        async with asyncio.timeout_at(deadline):
            response = await client.send(request, stream=True, follow_redirects=False)
    except (TimeoutError, httpx.TimeoutException):
        return Attempt(None, f"no answer within {time_limit:g} s", "retry")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Attempt(None, _short(exc, url), "retry")
    try:  # the status is the answer: a body that stalls or breaks off changes nothing
        async with asyncio.timeout_at(deadline):
            await _drain(response)
    except (TimeoutError, httpx.HTTPError):
        pass
    finally:
        await response.aclose()
    status = response.status_code
    if 200 <= status < 300:
        return Attempt(status, None, "delivered")
    if status == 410:
        return Attempt(status, None, "gone")
    return Attempt(status, f"HTTP {status}", "retry")


async def _drain(response: httpx.Response) -> None:
    """Read a small answer to its end, so its connection serves the next delivery; a larger
    one is dropped with its connection."""
    received = 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if received > _ANSWER_LIMIT:
            return


def _short(exc: Exception, url: str) -> str:
    reason = (str(exc).splitlines() or [""])[0].replace(url, "<endpoint>")
    text = f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
    return text if len(text) <= _ERROR_LIMIT else text[: _ERROR_LIMIT - 1] + "…"
