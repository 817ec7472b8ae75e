"""The metrics' pure parts: who may read them, route labels, shared families, samplers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from prometheus_client.parser import text_string_to_metric_families

from marketplace.metrics.access import MetricsAccess, bearer_of, digest, is_loopback
from marketplace.metrics.http import HttpMetrics, route_of
from marketplace.metrics.pipeline import IntakeMetrics
from marketplace.metrics.process import ProcessMetrics


def figures(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(metrics: ProcessMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, _ = await metrics.exposition()
    return figures(body.decode())


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.1.2.3", False),
        ("api.internal", False),
    ],
)
def test_only_a_loopback_bind_is_open(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("header", "bearer"),
    [(None, None), ("", None), ("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None)],
)
def test_the_bearer_is_read_from_the_authorization_header(
    header: str | None, bearer: str | None
) -> None:
    assert bearer_of(header) == bearer


async def holders(bearer: str) -> bool | None:
    """hq_admin, another role, or not a token at all."""
    return {"admin": True, "operator": False}.get(bearer)


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        (None, "unauthenticated"),
        ("Bearer nonsense", "unauthenticated"),
        ("Bearer operator", "forbidden"),
        ("Bearer admin", "ok"),
        ("Bearer the-metrics-token", "ok"),
        ("Bearer the-metrics-token-not", "unauthenticated"),
    ],
)
async def test_off_loopback_an_admin_or_the_metrics_token_reads(
    header: str | None, verdict: str
) -> None:
    access = MetricsAccess(open=False, token_digest=digest("the-metrics-token"), admin=holders)
    assert await access.verdict(header) == verdict
    assert await MetricsAccess(open=True).verdict(header) == "ok"


@dataclass
class Route:
    path_format: str


def test_a_request_is_labelled_by_its_route_template_never_its_path() -> None:
    metrics = ProcessMetrics()
    http = HttpMetrics(metrics)
    route = Route("/v1/needs/{need_id}")
    for need in ("n1", "n2"):
        http.observe({"method": "GET", "path": f"/v1/needs/{need}", "route": route}, 200, 0.003)
    http.observe({"method": "BREW", "path": "/coffee"}, 404, 0.001)
    found = figures(_text(metrics))

    by_route = (("method", "GET"), ("route", route.path_format), ("status", "200"))
    assert found[("marketplace_http_requests_total", by_route)] == 2
    assert found[("marketplace_http_request_duration_seconds_count", by_route)] == 2
    odd = (("method", "other"), ("route", "unmatched"), ("status", "404"))
    assert found[("marketplace_http_requests_total", odd)] == 1
    assert route_of({"route": object()}) == "unmatched"


def _text(metrics: ProcessMetrics) -> str:
    from prometheus_client.exposition import generate_latest

    return generate_latest(metrics.registry).decode()


def test_parts_of_one_process_share_a_family_of_one_kind() -> None:
    metrics = ProcessMetrics()
    first = metrics.counter("marketplace_things_total", "Things.", ("kind",))
    assert metrics.counter("marketplace_things_total", "Things.", ("kind",)) is first
    with pytest.raises(TypeError):
        metrics.gauge("marketplace_things_total", "Things.")
    IntakeMetrics(metrics)
    IntakeMetrics(metrics)  # a second part recording commands: no clash


async def test_a_failing_sampler_is_counted_and_the_others_still_report() -> None:
    metrics = ProcessMetrics()
    gauge = metrics.gauge("marketplace_answer", "An answer.")

    async def broken() -> None:
        raise OSError("the store is away")

    async def fine() -> None:
        gauge.set(42)

    async def finer() -> None:
        gauge.set(43)

    metrics.sample("broken", broken)
    metrics.sample("fine", fine)
    metrics.sample("fine", finer)  # a restarted worker's sampler replaces its last one
    found = await scrape(metrics)

    assert found[("marketplace_answer", ())] == 43
    failures = ("marketplace_metrics_sample_failures_total", (("sampler", "broken"),))
    assert found[failures] == 1


def test_intake_commands_count_by_command_and_status() -> None:
    metrics = ProcessMetrics()
    intake = IntakeMetrics(metrics)
    intake.answered("post_need", 201, False, 0.01)
    intake.answered(None, None, True, 0.001)
    found = figures(_text(metrics))

    posted = (("command", "post_need"), ("status", "201"))
    assert found[("marketplace_intake_commands_total", posted)] == 1
    poison = (("command", "unknown"), ("status", "none"))
    assert found[("marketplace_intake_commands_total", poison)] == 1
    assert found[("marketplace_intake_dead_letters_total", (("command", "unknown"),))] == 1
