"""`/metrics`: the process's figures in Prometheus's text format, for Prometheus to scrape."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from marketplace.api.deps import MetricsAccessDep, ProcessMetricsDep
from marketplace.handlers.errors import Forbidden, Unauthenticated

# Not in the OpenAPI: it is not JSON, and Prometheus, not a client of the API, reads it.
router = APIRouter(prefix="/metrics", tags=["operations"], include_in_schema=False)


@router.get("")
async def metrics(
    request: Request, access: MetricsAccessDep, process: ProcessMetricsDep
) -> Response:
    """Open on a loopback bind; otherwise an hq_admin token or MARKETPLACE_METRICS_TOKEN."""
    verdict = await access.verdict(request.headers.get("authorization"))
    if verdict == "unauthenticated":
        raise Unauthenticated("An hq_admin token or the metrics token is required here.")
    if verdict == "forbidden":
        raise Forbidden("Only an hq_admin token or the metrics token may read the metrics.")
    body, content_type = await process.exposition()
    return Response(body, media_type=content_type)
