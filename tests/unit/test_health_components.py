"""What /health says of each component, from heartbeats and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from marketplace.api.health_components import needed_components
from marketplace.projections.heartbeats import Heartbeat
from marketplace.projections.runtime import ProjectionStatus
from marketplace.settings import Settings

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
SETTINGS = Settings(heartbeat_stale_after=30)


def runtime(in_process: bool, alive_at: datetime | None = None) -> Any:
    return SimpleNamespace(feed_in_process=in_process, alive_at=alive_at)


def status(name: str, lag: int | None) -> ProjectionStatus:
    return ProjectionStatus(name, 1, 1, 10, 12, lag, "kafka", "current")


def beat(component: str, seconds_ago: float, pid: int = 7, lag: int | None = None) -> Heartbeat:
    seen = NOW - timedelta(seconds=seconds_ago)
    return Heartbeat(component, f"host:{pid}", seen - timedelta(hours=1), seen, 40, lag)


def test_embedded_the_read_models_run_in_serve_and_no_relay_is_needed() -> None:
    found = ([status("directory", 0)], [])
    components = needed_components(runtime(True, NOW - timedelta(seconds=1)), found, SETTINGS, NOW)
    assert components.relay is None
    assert components.projections is not None
    assert (components.projections.status, components.projections.runs_in) == ("ok", "serve")
    stuck = needed_components(runtime(True, NOW - timedelta(minutes=5)), found, SETTINGS, NOW)
    assert stuck.projections is not None and stuck.projections.status == "stale"


def test_with_a_broker_missing_fresh_and_stale_workers_are_told_apart() -> None:
    lags = [status("directory", 0), status("inbox", 3)]
    nothing = needed_components(runtime(False), (lags, []), SETTINGS, NOW)
    assert nothing.relay is not None and nothing.projections is not None
    assert nothing.relay.status == nothing.projections.status == "missing"
    assert nothing.projections.detail == "no heartbeat yet: start `marketplace project`"
    assert nothing.projections.lag == 3

    beats = [beat("relay", 2, lag=5), beat("projections", 31, pid=8), beat("relay", 600, pid=6)]
    some = needed_components(runtime(False), (lags, beats), SETTINGS, NOW)
    assert some.relay is not None and some.projections is not None
    assert (some.relay.status, some.relay.lag, some.relay.position) == ("ok", 5, 40)
    assert [i.instance for i in some.relay.instances] == ["host:7"]  # the killed one is old
    assert some.projections.status == "stale"
    assert some.projections.seconds_since == 31
    assert some.projections.instances == []


def test_a_lag_the_broker_did_not_tell_is_unknown_not_zero() -> None:
    found = ([status("directory", None), status("inbox", 0)], [beat("projections", 1)])
    components = needed_components(runtime(False), found, SETTINGS, NOW)
    assert components.projections is not None
    assert components.projections.status == "ok"
    assert components.projections.lag is None
