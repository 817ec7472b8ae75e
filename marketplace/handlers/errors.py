"""Errors the application layer raises besides domain rule refusals."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error with an HTTP-independent code; the API maps `kind` to a status."""

    kind = "app"

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class Unauthenticated(AppError):
    kind = "unauthenticated"

    def __init__(self, message: str = "A valid bearer token is required.") -> None:
        super().__init__("unauthenticated", message)


class Forbidden(AppError):
    kind = "forbidden"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__("forbidden", message, details)


class NotFound(AppError):
    kind = "not_found"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__("not_found", message, details)


class InvalidField(AppError):
    """A value that has the right form but fails a check only a handler can make (the clock's):
    answered like a body that fails validation, naming the field."""

    kind = "invalid"

    def __init__(self, field: str, message: str, kind: str, location: str = "body") -> None:
        super().__init__(
            "invalid_request",
            "The request is not valid; see details.",
            [{"field": field, "location": location, "message": message, "type": kind}],
        )


class PayloadTooLarge(AppError):
    kind = "too_large"

    def __init__(self, message: str, limit_bytes: int) -> None:
        super().__init__("payload_too_large", message, {"limit_bytes": limit_bytes})


class UnsupportedMediaType(AppError):
    kind = "unsupported"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__("unsupported_media_type", message, details)


class ConcurrencyConflict(Exception):
    """The event store refused a save because another writer got there first."""
