"""Projections that cannot apply an event: the failure, recorded where every process sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from marketplace.log import get_logger
from marketplace.projections.changes import Upsert, storable
from marketplace.projections.projection import Projection
from marketplace.projections.store import FAILURES, ReadModelStore, RowReader

log = get_logger(__name__)
_MAX_ERROR = 2000  # characters of the error kept: enough to see the cause


@dataclass(frozen=True)
class ProjectionFailure:
    """Projection `name` (at `version`) stopped at the event at `position` (None: unknown)."""

    name: str
    version: int
    position: int | None
    error: str
    failed_at: datetime


class ProjectionFailed(Exception):
    """The event at `position` cannot be applied, and not for an outage: retrying won't help."""

    def __init__(self, position: int | None, cause: BaseException, where: str = "") -> None:
        self.position = position
        self.error = describe(cause, where)
        super().__init__(f"cannot apply the event at position {position}: {self.error}")


def describe(exc: BaseException, where: str = "") -> str:
    text = f"{type(exc).__name__}: {exc}"
    return f"{where}: {text}"[:_MAX_ERROR] if where else text[:_MAX_ERROR]


async def record_failure(
    store: ReadModelStore, projection: Projection, failed: ProjectionFailed
) -> ProjectionFailure:
    """Record (and log, once) that `projection` stopped; in a transaction of its own."""
    failure = ProjectionFailure(
        projection.name, projection.version, failed.position, failed.error, datetime.now(UTC)
    )
    row = Upsert(
        FAILURES.name,
        {"name": failure.name},
        {
            "version": failure.version,
            "position": failure.position,
            "error": failure.error,
            "failed_at": failure.failed_at,
        },
    )
    async with store.transaction() as tx:
        await tx.write(FAILURES, storable(row))  # the error may quote the text that failed
    log.error(
        "projection_failed",
        projection=failure.name,
        version=failure.version,
        position=failure.position,
        error=failure.error,
    )
    return failure


async def read_failures(reader: RowReader) -> dict[str, ProjectionFailure]:
    """Every recorded failure, by projection name."""
    found = await reader.fetch(
        "SELECT name, version, position, error, failed_at FROM projection_failures",
        [],
        FAILURES.types,
    )
    return {r["name"]: ProjectionFailure(**r) for r in found}


def failure_of(
    projection: Projection, failures: dict[str, ProjectionFailure]
) -> ProjectionFailure | None:
    """The failure of this version of `projection`; one of another version no longer holds
    (a version bump rebuilds it, and the rebuild's swap removes the row)."""
    failure = failures.get(projection.name)
    return failure if failure is not None and failure.version == projection.version else None
