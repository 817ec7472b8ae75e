"""Who may read /metrics: anyone on a loopback bind; elsewhere an hq_admin token or the metrics
token (MARKETPLACE_METRICS_TOKEN, compared by digest in constant time)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["ok", "unauthenticated", "forbidden"]
# A bearer token's holder: True when it is an hq_admin, False for another role, None when the
# token is not valid (unknown, revoked, expired).
AdminCheck = Callable[[str], Awaitable[bool | None]]


def is_loopback(host: str) -> bool:
    """Whether a bind address only takes connections from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def bearer_of(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@dataclass(frozen=True)
class MetricsAccess:
    """The rule for one process's /metrics, built from its bind address and settings."""

    open: bool  # bound to loopback: no token needed
    token_digest: bytes | None = None  # of MARKETPLACE_METRICS_TOKEN
    admin: AdminCheck | None = None

    async def verdict(self, authorization: str | None) -> Verdict:
        if self.open:
            return "ok"
        bearer = bearer_of(authorization)
        if bearer is None:
            return "unauthenticated"
        if self.token_digest is not None and hmac.compare_digest(digest(bearer), self.token_digest):
            return "ok"
        holder = await self.admin(bearer) if self.admin is not None else None
        if holder is None:
            return "unauthenticated"
        return "ok" if holder else "forbidden"
