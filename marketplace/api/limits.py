"""What a request may carry before a route sees it: head and body sizes, clean path and query."""

from __future__ import annotations

import asyncio
import functools
import re
import tempfile
from typing import IO, Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketplace.api.errors import error_response
from marketplace.inputs import find_control_character


class RequestLimits:
    """A pure ASGI middleware: refuses, in the error model, what no route should have to parse.

    - a request target over `max_header_bytes` → 414 `uri_too_long`; headers over it → 431
      `headers_too_large` (the server's own hard cut, well above, answers a plain 400);
    - a path or query value that is not UTF-8 or holds a control character, or a query
      parameter the operation does not take → 422, naming the parameter;
    - a body over `max_body_bytes` → 413 `payload_too_large`: at once when Content-Length says
      so (nothing of the body is read), else as soon as the chunks read add up to more;
    - a document upload (`UPLOADS`) may carry up to `max_upload_bytes`: its body is spooled
      to a temporary file as it arrives (never held whole in memory), refused the same way at
      that limit, and handed to the app a chunk at a time; `scope[SPOOLED]` is that file.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_header_bytes: int,
        max_upload_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._head_refusal(scope) or _target_refusal(scope)
        if refusal is None and is_upload(scope):
            await self._upload(scope, receive, send)
            return
        if refusal is None:
            refusal, receive = await self._body(scope, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        if declared is not None and declared > self.max_upload_bytes:
            await self._upload_too_large(scope, receive, send)
            return
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spooled:
            size = 0
            while True:
                message = await receive()
                if message["type"] != "http.request":  # the client went away
                    return
                body = message.get("body", b"")
                size += len(body)
                if size > self.max_upload_bytes:
                    await self._upload_too_large(scope, receive, send)
                    return
                await asyncio.to_thread(spooled.write, body)
                if not message.get("more_body", False):
                    break
            spooled.seek(0)
            await self.app({**scope, SPOOLED: spooled}, _chunks_of(spooled, receive), send)

    def _head_refusal(self, scope: Scope) -> ASGIApp | None:
        target = len(scope.get("raw_path") or b"") + len(scope["query_string"])
        if target > self.max_header_bytes:
            return error_response(
                414,
                "uri_too_long",
                f"The request target is longer than {self.max_header_bytes} bytes.",
                {"limit_bytes": self.max_header_bytes},
            )
        headers = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
        if headers > self.max_header_bytes:
            return error_response(
                431,
                "headers_too_large",
                f"The request headers add up to more than {self.max_header_bytes} bytes.",
                {"limit_bytes": self.max_header_bytes},
            )
        return None

    async def _body(self, scope: Scope, receive: Receive) -> tuple[ASGIApp | None, Receive]:
        """Read the body up to the limit; the app then reads it from memory as usual."""
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            return self._too_large(), receive
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None, _replay([], message, receive)
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return self._too_large(), receive
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return None, _replay(chunks, None, receive)

    async def _upload_too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The API's 413; a portal page is told (`scope[TOO_LARGE]`, an empty body) so that
        it says so on the page, in the reader's language."""
        if scope["path"].startswith("/v1/"):
            await self._too_large(self.max_upload_bytes)(scope, receive, send)
            return
        told = {**scope, TOO_LARGE: self.max_upload_bytes}
        await self.app(told, _replay([], None, receive), _closing(send))

    def _too_large(self, limit: int | None = None) -> ASGIApp:
        # Closing the connection tells the client not to send the rest on it.
        limit = limit or self.max_body_bytes
        return error_response(
            413,
            "payload_too_large",
            f"The request body is larger than {limit} bytes.",
            {"limit_bytes": limit},
            headers={"Connection": "close"},
        )


# The writes whose body is a document upload (API and portal): the only large bodies.
UPLOADS = (
    re.compile(r"/v1/catalog/entries/[^/]+/documents"),
    re.compile(r"/catalog/entries/[^/]+/documents"),
)
SPOOLED = "marketplace.spooled_body"
TOO_LARGE = "marketplace.upload_too_large"
_SPOOL_IN_MEMORY = 1 << 20  # a larger upload goes to a temporary file as it arrives
_REPLAY_CHUNK = 1 << 16


def is_upload(scope: Scope) -> bool:
    return scope["method"] == "POST" and any(p.fullmatch(scope["path"]) for p in UPLOADS)


def _closing(send: Send) -> Send:
    """`send` with `Connection: close` on the answer: the rest of the body is never read."""

    async def closing(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (b"connection", b"close")]
            message = {**message, "headers": headers}
        await send(message)

    return closing


def _chunks_of(spooled: IO[bytes], receive: Receive) -> Receive:
    """A receive that hands out the spooled body a chunk at a time, then what the client does."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunk = await asyncio.to_thread(spooled.read, _REPLAY_CHUNK)
        done = len(chunk) < _REPLAY_CHUNK
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


def _replay(chunks: list[bytes], last: Message | None, receive: Receive) -> Receive:
    """A receive that hands out the buffered body once, then whatever the client does next."""
    pending: list[Message] = (
        [last] if last else [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]
    )

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def _target_refusal(scope: Scope) -> ASGIApp | None:
    problems = _path_problems(scope) + _query_problems(scope)
    if not problems:
        return None
    return error_response(
        422, "invalid_request", "The request is not valid; see details.", problems
    )


def _problem(field: str, location: str, message: str, kind: str) -> dict[str, Any]:
    return {"field": field, "location": location, "message": message, "type": kind}


def _decoded(raw: bytes) -> str | None:
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _has_control(value: str) -> bool:
    return find_control_character(value, line_breaks=False) is not None


def _has_replacement(value: str) -> bool:
    # The server decodes a path that is not UTF-8 with replacement characters.
    return "\ufffd" in value


def _path_problems(scope: Scope) -> list[dict[str, Any]]:
    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
    if _decoded(raw) is None:
        bad, message, kind = _has_replacement, "Not valid UTF-8.", "not_utf8"
    elif _has_control(scope["path"]):
        bad, message, kind = (
            _has_control,
            "Must not contain control characters.",
            "control_character",
        )
    else:
        return []
    matches = _documented(scope)
    params = matches[0][0] if matches else {}
    named = [name for name, value in params.items() if bad(value)]
    return [_problem(name, "path", message, kind) for name in named or ["path"]]


def _documented(scope: Scope) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """(path parameters, operation) of each operation in the OpenAPI document that the
    request's path and method match."""
    app: Any = scope.get("app")
    paths: dict[str, Any] = app.openapi().get("paths", {}) if hasattr(app, "openapi") else {}
    found = []
    for template, operations in paths.items():
        match = _template_regex(template).fullmatch(scope["path"])
        operation = operations.get(scope["method"].lower())
        if match and operation:
            found.append((match.groupdict(), operation))
    return found


@functools.cache
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile(
        "".join(f"(?P<{p}>[^/]+)" if i % 2 else re.escape(p) for i, p in enumerate(parts))
    )


def _query_problems(scope: Scope) -> list[dict[str, Any]]:
    problems, names = [], []
    for part in scope["query_string"].split(b"&"):
        if not part:
            continue
        raw_name, _, raw_value = part.replace(b"+", b" ").partition(b"=")
        name, value = _decoded(raw_name), _decoded(raw_value)
        field = name if name is not None else raw_name.decode("latin-1")
        if name is None or value is None:
            problems.append(_problem(field, "query", "Not valid UTF-8.", "not_utf8"))
        elif _has_control(name + value):
            message = "Must not contain control characters."
            problems.append(_problem(field, "query", message, "control_character"))
        else:
            names.append(name)
    return problems + _unknown_parameters(scope, names)


def _unknown_parameters(scope: Scope, names: list[str]) -> list[dict[str, Any]]:
    """A misspelt filter must not silently widen a list (CONTRACT: unknown → 422)."""
    if not names:
        return []
    operations = [operation for _, operation in _documented(scope)]
    if not operations:
        return []  # not a documented operation: the router answers 404 or 405
    known = {p["name"] for o in operations for p in o.get("parameters", []) if p["in"] == "query"}
    takes = ", ".join(sorted(known)) or "none"
    return [
        _problem(n, "query", f"Unknown query parameter (this takes: {takes}).", "unknown")
        for n in dict.fromkeys(names)
        if n not in known
    ]
