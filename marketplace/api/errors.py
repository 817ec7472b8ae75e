"""The error model of CONTRACT.md: every error is `{"error": {code, message, details}}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from marketplace.adapters.outages import STORE_UNAVAILABLE, is_outage
from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.handlers.errors import AppError
from marketplace.inputs import PATTERN_WORDS
from marketplace.log import get_logger
from marketplace.projections.pages import InvalidCursor

log = get_logger(__name__)

__all__ = ["STORE_UNAVAILABLE", "error_response", "install_error_handlers"]

_STATUS_BY_KIND = {
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "invalid": 422,
    "too_large": 413,
    "unsupported": 415,
}
_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
}
_UNREADABLE = [
    {
        "field": "body",
        "location": "body",
        "message": "The body cannot be decoded (JSON must be UTF-8).",
        "type": "json_invalid",
    }
]


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=dict(headers) if headers else None)


def _field_errors(request: Request, exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        location = loc[0] if loc else "body"
        message = err.get("msg", "invalid")
        if err.get("type") == "json_invalid":
            # The location's tail is a character offset, not a field.
            message, loc = f"{message} (at character {loc[-1]})", loc[:1]
        elif err.get("type") == "string_pattern_mismatch":
            wanted = PATTERN_WORDS.get(str((err.get("ctx") or {}).get("pattern")))
            message = (
                f"Expected {wanted}." if wanted else "The value does not have the expected form."
            )
        elif loc == ["body"] and err.get("type") == "missing":
            # No body at all: name what it needs, as for a body missing those fields.
            details += [
                {"field": name, "location": "body", "message": "Field required", "type": "missing"}
                for name in _required_body_fields(request)
            ] or [{"field": "body", "location": "body", "message": message, "type": "missing"}]
            continue
        details.append(
            {
                "field": ".".join(loc[1:]) or location,
                "location": location,
                "message": message,
                "type": err.get("type", "invalid"),
            }
        )
    return details


def _required_body_fields(request: Request) -> list[str]:
    """The required fields of the route's body model, as a client spells them."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [f.alias or name for name, f in model.model_fields.items() if f.is_required()]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _field_errors(request, exc)
        return error_response(
            422, "invalid_request", "The request is not valid; see details.", details
        )

    @app.exception_handler(InvalidCursor)
    async def invalid_cursor(_: Request, exc: InvalidCursor) -> JSONResponse:
        detail = {"field": "cursor", "location": "query", "message": str(exc), "type": "cursor"}
        message = "The request is not valid; see details."
        return error_response(422, "invalid_request", message, [detail])

    @app.exception_handler(RecordNotFound)
    async def record_not_found(_: Request, exc: RecordNotFound) -> JSONResponse:
        return error_response(404, "not_found", exc.message, exc.details)

    @app.exception_handler(DomainError)
    async def refused(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(409, exc.code, exc.message, exc.details)

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        status = _STATUS_BY_KIND.get(exc.kind, 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return error_response(status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's only 400: a body it cannot even decode (not UTF-8). To a client that is
            # a body failing validation, like malformed JSON: 422 in the same shape.
            return error_response(
                422, "invalid_request", "The request is not valid; see details.", _UNREADABLE
            )
        code = _CODE_BY_STATUS.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    # A database that cannot be reached is the server's trouble, not the client's: 503, not 500.
    for unavailable in STORE_UNAVAILABLE:
        app.exception_handler(unavailable)(_store_unavailable)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_outage(exc):  # e.g. a SQLite file locked for too long
            return await _store_unavailable(request, exc)
        log.exception("unhandled_error", error=repr(exc))
        return error_response(500, "internal_error", "An unexpected error occurred.")


async def _store_unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.warning("store_unavailable", error=repr(exc))
    return error_response(
        503,
        "store_unavailable",
        "The event store or the read models cannot be reached right now; try again shortly.",
        headers={"Retry-After": "5"},
    )
