"""The OpenAPI document tells the truth about errors: each operation lists what it can answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from marketplace.api.rule_codes import rule_codes

ERROR_REF = "#/components/schemas/Error"
INVALID_REF = "#/components/schemas/InvalidRequest"


def _error_schema(title: str, details: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "title": title,
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "additionalProperties": False,
                "properties": {
                    "code": {
                        "type": "string",
                        "pattern": "^[a-z][a-z0-9_]*$",
                        "description": "snake_case: the status's code, or the rule that refused.",
                        "examples": ["forbidden", "directive_required"],
                    },
                    "message": {"type": "string", "description": "A human sentence."},
                    "details": details | {"description": description},
                },
            }
        },
    }


# The one error model of CONTRACT.md ("Errors"), with one shape of `details` per status: a list
# of field errors for a 422, otherwise an object naming the facts behind the answer.
ERROR_SCHEMA = _error_schema(
    "Error",
    {"type": "object"},
    "The facts behind the error (e.g. the missing catalog suppliers, the required roles); "
    "`{}` when there are none.",
)
FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "FieldError",
    "type": "object",
    "required": ["field", "location", "message", "type"],
    "properties": {
        "field": {
            "type": "string",
            "description": "The field's dotted path, e.g. `lines.0.amount`.",
        },
        "location": {"type": "string", "enum": ["body", "query", "path", "header"]},
        "message": {"type": "string", "description": "What is wrong, in words."},
        "type": {"type": "string", "description": "A machine-readable kind, e.g. `missing`."},
    },
}
INVALID_SCHEMA = _error_schema(
    "InvalidRequest",
    {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    "One entry per field that fails validation.",
)

_DESCRIPTIONS = {
    "401": "`unauthenticated`: the bearer token is missing, unknown, revoked or expired, or "
    "its unit is deactivated.",
    "403": "`forbidden`: the token may not do this (role, or a unit outside its reach).",
    "404": "`not_found`: nothing with that id.",
    "409": "A domain rule refuses the command; `code` names the rule. Nothing was changed.",
    "413": "`payload_too_large`: the body is over the size limit.",
    "422": "`invalid_request`: the body or the query fails validation; `details` lists each "
    "field and why.",
    "503": "`store_unavailable`: the event store or the read models cannot be reached; retry "
    "after `Retry-After` seconds.",
}
_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"}},
    "503": {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds."}},
}
_COMMANDS = {"post", "put", "patch", "delete"}
_METHODS = _COMMANDS | {"get", "head", "options"}


def error_statuses(method: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses an operation can answer, judged from what it declares."""
    statuses = []
    if operation.get("security"):
        statuses += ["401", "403"]
    parameters = operation.get("parameters", [])
    takes_input = bool(parameters) or "requestBody" in operation
    if takes_input:  # an id in the path, the query or the body names something that may not exist
        statuses.append("404")
    if method in _COMMANDS:
        statuses.append("409")
    if "requestBody" in operation:
        statuses.append("413")
    if takes_input:
        statuses.append("422")
    statuses.append("503")  # every operation reads the event store or a read model
    return statuses


def document_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """Declare the error model on every operation; FastAPI's `HTTPValidationError` goes (the API
    answers a 422 in the error model, never as `{"detail": …}`)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas |= {"Error": ERROR_SCHEMA, "InvalidRequest": INVALID_SCHEMA}
    schemas["FieldError"] = FIELD_ERROR_SCHEMA
    for path, path_item in spec.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation):
                if status != "422" and "content" in responses.get(status, {}):
                    continue  # the route declared its own answer (/health's 503 is a Health)
                response: dict[str, Any] = {
                    "description": _DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": _schema_of(status)}},
                }
                if status == "409":
                    codes = rule_codes(method, path)
                    response["description"] += " Codes: " + ", ".join(f"`{c}`" for c in codes) + "."
                    response["content"]["application/json"]["schema"] = _refusal(codes)
                if status in _HEADERS:
                    response["headers"] = _HEADERS[status]
                responses[status] = response
    return spec


INVALID_DESCRIPTION = _DESCRIPTIONS["422"]


def _schema_of(status: str) -> dict[str, Any]:
    return {"$ref": INVALID_REF if status == "422" else ERROR_REF}


def _refusal(codes: tuple[str, ...]) -> dict[str, Any]:
    """The error model with `code` one of the operation's rules."""
    narrowed = {"properties": {"error": {"properties": {"code": {"enum": list(codes)}}}}}
    return {"allOf": [{"$ref": ERROR_REF}, narrowed]}


def install_openapi(app: FastAPI) -> None:
    """Build the app's OpenAPI document once, with every operation's errors declared."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    openapi_version=app.openapi_version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    hook: Callable[[], dict[str, Any]] = openapi
    app.openapi = hook  # type: ignore[method-assign]
