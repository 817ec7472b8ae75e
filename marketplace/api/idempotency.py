"""`Idempotency-Key` on every write of the API: a retry gets the first answer, and one effect.

A pure ASGI middleware inside the request limits (the body is already bounded and buffered)
and outside the routes, which stay unaware of it. For a `POST`/`PATCH`/`DELETE` under `/v1/`
carrying the header, from a token that authenticates (else the route answers 401 as usual):

- a key that is empty, over 200 characters, not UTF-8 or holding a control character → 422;
- the first request with a key claims it (`IdempotencyStore.claim`), runs, and its answer is
  stored before it is sent, so a retry that arrives after any answer was sent replays it;
- a retry within 24 h with the same method, path, query and body (JSON compared as parsed, so
  key order and spacing do not matter) gets the stored status, body and headers (`Location`,
  `Content-Type`, `WWW-Authenticate`) with `Idempotent-Replayed: true`, and has no effect;
- the same key for another request → 422 `idempotency_key_reused`;
- a retry while the first is still running waits for its answer, up to
  `idempotency_wait_seconds`, then → 409 `idempotency_key_in_progress` (`Retry-After: 1`).

Refusals (4xx) are kept: a retry hears the same refusal. Server errors (5xx, a 503 outage) and
409 `concurrent_modification` (which asks for a retry) are not: the claim is released and a
retry runs again, unless the request had already stored events. A request's saves mark its
row in their own transaction (adapters/idempotent_effects.py), so a request that took effect
is never run again, even when its process died before its answer was kept: its retries get
409 `idempotency_answer_lost` naming the records it changed (read them with a GET).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import IO, Any

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.adapters.idempotency_store import Answer, Claimed, Found, IdempotencyStore
from marketplace.adapters.idempotent_effects import holding
from marketplace.adapters.outages import is_outage
from marketplace.api.errors import STORE_UNAVAILABLE, error_response
from marketplace.api.limits import SPOOLED
from marketplace.api.openapi_errors import INVALID_DESCRIPTION, INVALID_REF
from marketplace.events.public.registry import BY_DOMAIN_NAME
from marketplace.handlers.auth import authenticate
from marketplace.handlers.errors import AppError
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services
from marketplace.inputs import find_control_character
from marketplace.log import get_logger

log = get_logger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
WRITES = frozenset({"POST", "PATCH", "DELETE", "PUT"})
# The headers an answer is replayed with (the request id and length are the replay's own).
KEPT_HEADERS = frozenset({"content-type", "location", "www-authenticate"})
_POLL_FIRST, _POLL_MOST = 0.02, 0.25
LOST = "idempotency_answer_lost"


class Idempotency:
    """The middleware; `store` holds the keys, `wait_seconds` bounds a retry's wait."""

    def __init__(
        self, app: ASGIApp, *, store: IdempotencyStore, services: Services, wait_seconds: float
    ) -> None:
        self.app = app
        self.store = store
        self.services = services
        self.wait_seconds = wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keys = _given_keys(scope)
        if not keys:
            await self.app(scope, receive, send)
            return
        token_id = await asyncio.to_thread(self._token_id, scope)
        if token_id is None:  # the route answers 401 (or 503) as it would without a key
            await self.app(scope, receive, send)
            return
        key, problem = _key_of(keys)
        if key is None:
            await _invalid_key(problem)(scope, receive, send)
            return
        spooled = scope.get(SPOOLED)
        if spooled is not None:  # a document upload: hashed from its file, never held whole
            fingerprint = await asyncio.to_thread(spooled_fingerprint, scope, spooled)
        else:
            body, receive = await _read_body(receive)
            fingerprint = request_fingerprint(scope, body)
        try:
            found = await self._claim(token_id, key, fingerprint)
        except Exception as exc:
            if not is_outage(exc) and not isinstance(exc, STORE_UNAVAILABLE):
                raise
            log.warning("idempotency_store_unavailable", error=repr(exc))
            await _unavailable()(scope, receive, send)
            return
        if isinstance(found, Claimed):
            await self._run(token_id, key, found, scope, receive, send)
        elif found.request_hash != fingerprint:
            await _reused()(scope, receive, send)
        elif found.state == "lost":
            answer = lost_answer(found.effects)  # the same for every retry: settled once
            await self._settle(token_id, key, found.claimed_at, answer)
            await _replay(answer, send)
        elif found.answer is None:
            await _in_progress()(scope, receive, send)
        else:
            await _replay(found.answer, send)

    def _token_id(self, scope: Scope) -> str | None:
        bearer = _bearer(scope)
        try:
            return authenticate(self.services, load_organisation(self.services), bearer).token_id
        except AppError:
            return None
        except Exception as exc:
            if is_outage(exc) or isinstance(exc, STORE_UNAVAILABLE):
                return None
            raise

    async def _claim(self, token_id: str, key: str, fingerprint: str) -> Claimed | Found:
        """The claim, or the row once it is done or lost (or has another fingerprint, or the
        wait is over). Polled: the first request may run in another process."""
        deadline = anyio.current_time() + self.wait_seconds
        pause = _POLL_FIRST
        while True:
            found = await asyncio.to_thread(self.store.claim, token_id, key, fingerprint)
            if isinstance(found, Claimed) or found.state != "in_progress":
                return found
            if found.request_hash != fingerprint or anyio.current_time() + pause > deadline:
                return found
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL_MOST)

    async def _run(
        self, token_id: str, key: str, claim: Claimed, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the request; store its answer (or release the key) before sending it. An answer
        not kept from a request that stored events becomes the lost-answer answer: kept, so a
        retry does not run it again."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        held = self.store.held(token_id, key, claim)
        try:
            with holding(held):
                await self.app(scope, receive, capture)
        except BaseException:
            with anyio.CancelScope(shield=True):
                lost = lost_answer(held.effects) if held.effects else None
                await self._settle(token_id, key, claim.claimed_at, lost)
            raise
        assert start is not None, "an HTTP app answers with a response start"
        answer = Answer(start["status"], _kept_headers(start), b"".join(chunks))
        if not kept(answer) and held.effects:
            answer = lost_answer(held.effects)
            await self._settle(token_id, key, claim.claimed_at, answer)
            await _replay(answer, send, replayed=False)
            return
        await self._settle(token_id, key, claim.claimed_at, answer if kept(answer) else None)
        await send(start)
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    async def _settle(
        self, token_id: str, key: str, claimed_at: str, answer: Answer | None
    ) -> None:
        try:
            if answer is None:
                await asyncio.to_thread(self.store.release, token_id, key, claimed_at)
            else:
                await asyncio.to_thread(self.store.finish, token_id, key, answer, claimed_at)
        except Exception as exc:
            # The answer still goes out; the key stays claimed until its lease runs out.
            log.warning("idempotency_answer_not_stored", key=key, error=repr(exc))


def kept(answer: Answer) -> bool:
    """Is this answer replayed to a retry? Successes and refusals; not the server's failures,
    nor a conflict whose message asks for a retry."""
    if answer.status >= 500:
        return False
    return not (answer.status == 409 and _error_code(answer.body) == "concurrent_modification")


def lost_answer(effects: Sequence[dict[str, Any]]) -> Answer:
    """The answer of a request that stored events but whose own answer was never kept (its
    process stopped, or it failed after saving): which records it changed, to read back."""
    records = []
    for effect in effects:
        public = BY_DOMAIN_NAME.get(str(effect.get("event", "")))
        records.append(
            {
                "id": effect["id"],
                "version": effect["version"],
                "type": public.name if public is not None else None,
            }
        )
    positions = [e["position"] for e in effects if isinstance(e.get("position"), int)]
    body = {
        "error": {
            "code": LOST,
            "message": (
                "This request took effect (its events are stored), but its answer was lost "
                "before it could be kept; it is not run again. Read the records it changed."
            ),
            "details": {"records": records, "position": max(positions, default=None)},
        }
    }
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Answer(409, [("content-type", "application/json")], encoded)


def _error_code(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error.get("code") if isinstance(error, dict) else None


def request_fingerprint(scope: Scope, body: bytes) -> str:
    """SHA-256 of the method, path, query and body (a JSON body in one canonical form)."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope["query_string"]):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(canonical)
    return digest.hexdigest()


def spooled_fingerprint(scope: Scope, spooled: IO[bytes]) -> str:
    """`request_fingerprint` of a spooled upload, read a chunk at a time; the multipart
    boundary (the client's random choice) is left out, so a retry of the same parts matches."""
    boundary = _boundary(scope)
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope["query_string"]):
        digest.update(len(part).to_bytes(8, "big") + part)
    spooled.seek(0)
    carry = b""
    while chunk := spooled.read(1 << 16):
        data = (carry + chunk).replace(boundary, b"") if boundary else carry + chunk
        keep = len(boundary) if boundary else 0
        digest.update(data[: len(data) - keep] if keep else data)
        carry = data[len(data) - keep :] if keep else b""
    digest.update(carry)
    spooled.seek(0)
    return digest.hexdigest()


def _boundary(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == b"content-type":
            header: bytes = value
            for param in header.split(b";")[1:]:
                key, _, given = param.strip().partition(b"=")
                if key.lower() == b"boundary":
                    return given.strip(b'"')
    return b""


def _given_keys(scope: Scope) -> list[bytes]:
    if scope["type"] != "http" or scope["method"] not in WRITES:
        return []
    if not scope["path"].startswith("/v1/"):
        return []  # the portal's forms carry CSRF tokens, not idempotency keys
    return [value for name, value in scope["headers"] if name == b"idempotency-key"]


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            return credentials.strip() if scheme.lower() == "bearer" else None
    return None


def _key_of(values: list[bytes]) -> tuple[str | None, str]:
    """The key, or None and why it is refused."""
    if len(values) > 1:
        return None, f"Send one {HEADER} header, not {len(values)}."
    try:
        key = values[0].decode("utf-8")
    except UnicodeDecodeError:
        return None, "Not valid UTF-8."
    if not key:
        return None, "Must not be empty."
    if len(key) > MAX_KEY_LENGTH:
        return None, f"At most {MAX_KEY_LENGTH} characters (this one has {len(key)})."
    if find_control_character(key, line_breaks=False) is not None:
        return None, "Must not contain control characters."
    return key, ""


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body (already bounded by the request limits), and a receive that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            pending: list[Message] = [message]
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            pending = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
            break

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return b"".join(chunks), replay


def _kept_headers(start: Message) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in start.get("headers", [])
        if name.decode("latin-1").lower() in KEPT_HEADERS
    ]


async def _replay(answer: Answer, send: Send, *, replayed: bool = True) -> None:
    headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in answer.headers]
    headers.append((b"content-length", str(len(answer.body)).encode()))
    if replayed:
        headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


def _header_problem(message: str, kind: str) -> list[dict[str, Any]]:
    return [{"field": HEADER, "location": "header", "message": message, "type": kind}]


def _invalid_key(problem: str) -> ASGIApp:
    details = _header_problem(problem, "idempotency_key")
    return error_response(422, "invalid_request", "The request is not valid; see details.", details)


def _reused() -> ASGIApp:
    message = (
        "This key was used within 24 hours for another request (method, path or body); "
        "send a new key with a new request."
    )
    return error_response(
        422,
        "idempotency_key_reused",
        f"The {HEADER} was already used for another request.",
        _header_problem(message, "idempotency_key_reused"),
    )


def _in_progress() -> ASGIApp:
    return error_response(
        409,
        "idempotency_key_in_progress",
        f"A request with this {HEADER} is still running; retry in a moment for its answer.",
        {"header": HEADER, "retry_after_seconds": 1},
        headers={"Retry-After": "1"},
    )


def _unavailable() -> ASGIApp:
    return error_response(
        503,
        "store_unavailable",
        "The event store or the read models cannot be reached right now; try again shortly.",
        headers={"Retry-After": "5"},
    )


_PARAMETER_DESCRIPTION = (
    "Makes the write safe to retry: the same key from the same token within 24 hours gets the "
    "first answer again (status, body, `Location`; with `Idempotent-Replayed: true`) and has "
    "one effect. The same key with another method, path or body → 422 "
    "`idempotency_key_reused`; a retry while the first is still running waits for its answer, "
    "then → 409 `idempotency_key_in_progress`. At most 200 characters, no control characters. "
    "Server errors (5xx) are not kept: a retry runs again, unless the request had stored "
    "events: then it is never run again, and when its answer was lost (its process stopped) "
    "a retry gets 409 `idempotency_answer_lost` naming the records it changed."
)


def document_idempotency_key(app: FastAPI) -> None:
    """Declare the header on every write of the OpenAPI document (built once, then kept)."""
    build: Callable[[], dict[str, Any]] = app.openapi
    documented: list[dict[str, Any]] = []  # the document it was added to (built once)

    def openapi() -> dict[str, Any]:
        spec = build()
        if documented and documented[0] is spec:
            return spec
        documented[:] = [spec]
        for path, path_item in spec.get("paths", {}).items():
            if not path.startswith("/v1/"):
                continue
            for method, operation in path_item.items():
                if method.upper() not in WRITES:
                    continue
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == HEADER for p in parameters):
                    parameters.append(
                        {
                            "name": HEADER,
                            "in": "header",
                            "required": False,
                            "description": _PARAMETER_DESCRIPTION,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                        }
                    )
                # A bad key is a 422 even on a write that takes no other input.
                operation.setdefault("responses", {}).setdefault(
                    "422",
                    {
                        "description": INVALID_DESCRIPTION,
                        "content": {"application/json": {"schema": {"$ref": INVALID_REF}}},
                    },
                )
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
