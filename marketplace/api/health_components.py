"""What `/health` says of each component the deployment needs, from heartbeats and status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from marketplace.api.schemas import ProjectionFailureOut
from marketplace.projections.heartbeats import PROJECTIONS, RELAY, Heartbeat
from marketplace.projections.runtime import ProjectionRuntime, ProjectionStatus
from marketplace.settings import Settings

ComponentStatus = Literal["ok", "missing", "stale", "failed", "unknown"]
COMPONENT_STATUS = (
    "`missing`: no heartbeat of the process the deployment needs (start it); `stale`: none "
    "within MARKETPLACE_HEARTBEAT_STALE_AFTER seconds (stuck, or killed); `failed`: a read "
    "model cannot apply an event; `unknown`: the read models did not answer in time."
)


class InstanceOut(BaseModel):
    instance: str = Field(description="host:pid of the process.")
    started_at: datetime
    last_seen: datetime


class ComponentHealth(BaseModel):
    status: ComponentStatus = Field(description=COMPONENT_STATUS)
    runs_in: str = Field(
        description="The process it runs in.",
        examples=["serve", "marketplace relay", "marketplace project"],
    )
    last_seen: datetime | None = Field(description="Its last heartbeat (null: none).")
    seconds_since: float | None = Field(description="Seconds since that heartbeat.")
    instances: list[InstanceOut] = Field(
        default_factory=list, description="Processes with a fresh heartbeat."
    )
    lag: int | None = Field(default=None, description="Events not yet handled (null: not known).")
    detail: str | None = Field(default=None, description="What to do, when not ok.")


class RelayHealth(ComponentHealth):
    position: int | None = Field(
        default=None, description="The event store position published up to."
    )


class ProjectionsHealth(ComponentHealth):
    feed: Literal["in_process", "kafka"]
    lag: int | None = Field(
        default=None,
        description="The largest lag of a read model: events of its topics not yet applied.",
    )
    failed: dict[str, ProjectionFailureOut] = Field(
        default_factory=dict, description="Failed read models by name."
    )


class HealthComponents(BaseModel):
    relay: RelayHealth | None = Field(
        default=None, description="With a broker: `marketplace relay` (or `serve --all-in-one`)."
    )
    projections: ProjectionsHealth | None = Field(
        default=None, description="Absent while the event store is unreachable."
    )


def needed_components(
    runtime: ProjectionRuntime,
    found: tuple[Sequence[ProjectionStatus], Sequence[Heartbeat]] | None,
    settings: Settings,
    now: datetime,
) -> HealthComponents:
    """Without a broker, the read models are fed inside `serve`; with one, `marketplace relay`
    and `marketplace project` (or `serve --all-in-one`) must be running and beating."""
    statuses, beats = found if found is not None else ((), ())
    stale_after = settings.heartbeat_stale_after
    if runtime.feed_in_process:
        alive = [] if runtime.alive_at is None else [runtime.alive_at]
        live = _liveness(alive, [], now, stale_after, "serve")
        if live["status"] != "ok":  # this process: not missing, but stuck (an outage?)
            live["status"] = "stale"
            live["detail"] = "the in-process feed has not caught up for a while: see the log"
        relay = None
    else:
        mine = [b for b in beats if b.component == PROJECTIONS]
        live = _liveness([b.last_seen for b in mine], mine, now, stale_after, "marketplace project")
        relay_beats = [b for b in beats if b.component == RELAY]
        relay = RelayHealth(
            **_liveness(
                [b.last_seen for b in relay_beats],
                relay_beats,
                now,
                stale_after,
                "marketplace relay",
            ),
            position=relay_beats[0].position if relay_beats else None,
            lag=relay_beats[0].lag if relay_beats else None,
        )
        if found is None:
            relay.status, relay.detail = "unknown", UNANSWERED
    projections = ProjectionsHealth(
        **live, feed="in_process" if runtime.feed_in_process else "kafka"
    )
    if found is None:
        projections.status, projections.detail = "unknown", UNANSWERED
        return HealthComponents(relay=relay, projections=projections)
    projections.failed = {
        s.name: ProjectionFailureOut.model_validate(s.failure, from_attributes=True)
        for s in statuses
        if s.failure is not None
    }
    lags = [s.lag for s in statuses]
    projections.lag = None if None in lags else max((lag or 0 for lag in lags), default=0)
    if projections.failed:
        projections.status = "failed"
        projections.detail = (
            "a read model cannot apply an event: fix the cause, then "
            "`marketplace projections rebuild NAME`"
        )
    return HealthComponents(relay=relay, projections=projections)


UNANSWERED = "the read-model store did not answer in time"


def _liveness(
    seen: Sequence[datetime],
    beats: Sequence[Heartbeat],
    now: datetime,
    stale_after: float,
    runs_in: str,
) -> dict[str, object]:
    """Status, last heartbeat and fresh instances of one component (`seen` latest first)."""
    last = max(seen, default=None)
    since = None if last is None else round((now - last).total_seconds(), 1)
    fresh = [b for b in beats if (now - b.last_seen).total_seconds() <= stale_after]
    status: ComponentStatus = "ok"
    detail = None
    if last is None:
        status, detail = "missing", f"no heartbeat yet: start `{runs_in}`"
    elif since is not None and since > stale_after:
        status = "stale"
        detail = f"no heartbeat for {since:.0f} s: is `{runs_in}` running (see its log)?"
    return {
        "status": status,
        "runs_in": runs_in,
        "last_seen": last,
        "seconds_since": since,
        "instances": [
            InstanceOut(instance=b.instance, started_at=b.started_at, last_seen=b.last_seen)
            for b in fresh
        ],
        "detail": detail,
    }
