"""As-of replays requested over the API: built in the background, kept a while, then removed."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.audit.replay import replay_into
from marketplace.audit.replay_registry import IN_FLIGHT, ReplayRegistry, ReplayRow
from marketplace.handlers.auth import Principal, require_role
from marketplace.handlers.errors import InvalidField, NotFound
from marketplace.handlers.ports import NotificationLog, Services
from marketplace.log import get_logger
from marketplace.projections.changes import Value
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.pages import PageRequest
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.projections.store import ReadModelStore, RowReader

log = get_logger(__name__)
HEARTBEAT = 2.0  # seconds between a running replay's progress writes
STALE = timedelta(seconds=30)  # a running replay unheard of this long lost its process


def replay_location(live: ReadModelLocation, replay_id: str) -> ReadModelLocation:
    """A file or schema of its own per replay, beside the live read models."""
    if live.sqlite_path is not None:
        return replace(
            live, sqlite_path=live.sqlite_path.with_name(f"read_models.replay-{replay_id}.sqlite3")
        )
    return replace(live, postgres_schema=f"{live.postgres_schema[:30]}_replay_{replay_id[4:24]}")


class Replays:
    """The replays of one API process: it builds those it was asked for; all share the registry."""

    def __init__(
        self,
        svc: Services,
        notifications: NotificationLog,
        live: ReadModelLocation,
        registry: ReplayRegistry,
        keep: timedelta,
    ) -> None:
        self.svc = svc
        self.notifications = notifications
        self.live = live
        self.registry = registry
        self.keep = keep
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._progress: dict[str, tuple[Decimal, int, int]] = {}
        self._readers: dict[str, ReadModelStore] = {}

    async def start(self) -> None:
        await self.registry.create_table()
        await self._settle_lost()
        await self._remove_expired()

    async def stop(self) -> None:
        for replay_id, task in list(self._tasks.items()):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            await self._fail(replay_id, "interrupted: the server stopped")
        for reader in self._readers.values():
            await reader.close()
        self._readers.clear()

    # ----- use cases (auditor, hq_admin) ---------------------------------------------------

    async def request(self, principal: Principal, as_of: datetime) -> ReplayRow:
        _auditing(principal)
        now = self.svc.clock()
        if as_of > now:
            raise InvalidField(
                "as_of",
                f"as_of is in the future (the server's clock says {now.isoformat()}).",
                "in_future",
            )
        await self._remove_expired()
        replay_id = self.svc.new_id("rpl")
        await self.registry.save(
            replay_id,
            as_of=as_of,
            status="pending",
            progress=Decimal(0),
            position=0,
            head=0,
            requested_by=principal.token_id,
            created_at=now,
            updated_at=now,
            finished_at=None,
            error=None,
        )
        self._tasks[replay_id] = asyncio.create_task(self._build(replay_id, as_of))
        found = await self.registry.get(replay_id)
        assert found is not None
        return found

    async def get(self, principal: Principal, replay_id: str) -> ReplayRow:
        _auditing(principal)
        found = await self.registry.get(replay_id)
        if found is None:
            raise NotFound(f"Replay {replay_id!r} does not exist.", {"id": replay_id})
        return await self._settled(found)

    async def page(
        self, principal: Principal, request: PageRequest
    ) -> tuple[list[ReplayRow], str | None]:
        _auditing(principal)
        await self._remove_expired()
        rows, cursor = await self.registry.page(request)
        return [await self._settled(r) for r in rows], cursor

    async def remove(self, principal: Principal, replay_id: str) -> None:
        await self.get(principal, replay_id)
        await self._remove(replay_id)

    async def reader(self, principal: Principal, replay_id: str) -> tuple[RowReader, ReplayRow]:
        """The replay's read models, once it is done."""
        found = await self.get(principal, replay_id)
        if found.status != "done":
            raise DomainError(
                "replay_not_done",
                f"Replay {replay_id!r} is {found.status}; its read models can be read once done.",
                {"id": replay_id, "status": found.status},
            )
        if replay_id not in self._readers:
            self._readers[replay_id] = await open_store(replay_location(self.live, replay_id))
        return self._readers[replay_id], found

    # ----- the background work -------------------------------------------------------------

    async def _build(self, replay_id: str, as_of: datetime) -> None:
        beat = asyncio.create_task(self._heartbeat(replay_id))
        try:
            await self.registry.save(replay_id, status="running", updated_at=self.svc.clock())
            _, position = await replay_into(
                replay_location(self.live, replay_id),
                self.notifications,
                as_of,
                lambda *step: self._note(replay_id, *step),
            )
            beat.cancel()
            now = self.svc.clock()
            done: dict[str, Value] = {
                "progress": Decimal(1),
                "position": position,
                "finished_at": now,
            }
            await self.registry.save(replay_id, status="done", updated_at=now, **done)
            log.info("audit_replay_done", replay_id=replay_id, position=position)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("audit_replay_failed", replay_id=replay_id, error=repr(exc))
            await self._fail(replay_id, f"{type(exc).__name__}: {exc}")
        finally:
            beat.cancel()
            self._tasks.pop(replay_id, None)
            self._progress.pop(replay_id, None)

    def _note(self, replay_id: str, done: int, total: int, position: int, head: int) -> None:
        share = Decimal(done) + (Decimal(position) / head if head else Decimal(0))
        fraction = min(share / total, Decimal("0.999")) if total else Decimal(0)
        self._progress[replay_id] = (fraction.quantize(Decimal("0.001")), position, head)

    async def _heartbeat(self, replay_id: str) -> None:
        """Progress and a sign of life; a replay whose row was removed meanwhile is stopped."""
        while True:
            await asyncio.sleep(HEARTBEAT)
            if await self.registry.get(replay_id) is None:
                task = self._tasks.get(replay_id)
                if task:
                    task.cancel()
                return
            values: dict[str, Any] = {"updated_at": self.svc.clock()}
            if replay_id in self._progress:
                progress, position, head = self._progress[replay_id]
                values |= {"progress": progress, "position": position, "head": head}
            await self.registry.save(replay_id, **values)

    async def _fail(self, replay_id: str, error: str) -> None:
        if await self.registry.get(replay_id) is None:
            return
        now = self.svc.clock()
        await self.registry.save(
            replay_id, status="failed", error=error[:2000], updated_at=now, finished_at=now
        )

    # ----- housekeeping --------------------------------------------------------------------

    async def _settled(self, row: ReplayRow) -> ReplayRow:
        """A replay in flight whose process stopped (no heartbeat) is failed, and says so."""
        lost = row.id not in self._tasks and self.svc.clock() - row.updated_at > STALE
        if row.status in IN_FLIGHT and lost:
            error = "interrupted: the process building it stopped"
            await self._fail(row.id, error)
            return replace(row, status="failed", error=error)
        return row

    async def _settle_lost(self) -> None:
        for row in await self.registry.in_flight():
            await self._settled(row)

    async def _remove_expired(self) -> None:
        for row in await self.registry.created_before(self.svc.clock() - self.keep):
            await self._remove(row.id)

    async def _remove(self, replay_id: str) -> None:
        task = self._tasks.pop(replay_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        reader = self._readers.pop(replay_id, None)
        if reader is not None:
            await reader.close()
        await self.registry.delete(replay_id)
        await (await open_store(replay_location(self.live, replay_id))).discard()
        log.info("audit_replay_removed", replay_id=replay_id)


def _auditing(principal: Principal) -> None:
    require_role(principal, Role.AUDITOR, Role.HQ_ADMIN)


def replays_of(
    svc: Services, notifications: NotificationLog, runtime: ProjectionRuntime, keep: timedelta
) -> Replays:
    """The API process's replays, their registry in its (started) live read-model store."""
    return Replays(svc, notifications, runtime.location, ReplayRegistry(runtime.store), keep)
