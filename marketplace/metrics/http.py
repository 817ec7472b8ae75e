"""Requests by method, route template and status, and their latency (recorded by the API's
`RequestContext` middleware, which times every request already)."""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

from marketplace.metrics.process import ProcessMetrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route: one series for every unknown path, not one per path


def route_of(scope: Scope) -> str:
    """The template of the route that answered (`/v1/needs/{need_id}`), never the raw path."""
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED


class HttpMetrics:
    """Two figures per request, through children kept by label values (labels() is the
    costly part of recording: each request of a kind after the first skips it)."""

    def __init__(self, metrics: ProcessMetrics) -> None:
        labels = ("method", "route", "status")
        self._requests = metrics.counter(
            "marketplace_http_requests_total", "HTTP requests answered.", labels
        )
        self._latency = metrics.histogram(
            "marketplace_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer.",
            labels,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "other"
        key = (method, route_of(scope), status)
        children = self._children.get(key)
        if children is None:
            values = (key[0], key[1], str(status))
            children = (self._requests.labels(*values), self._latency.labels(*values))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
