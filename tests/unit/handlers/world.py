"""Given/When/Then for handlers on the library's in-memory store: given prior commands, when
one command, then the domain events it appended, or its refusal with nothing appended."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any, Generic, TypeVar, cast

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.seal import AesGcmSealer
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor, DomainError, MarketEvent
from marketplace.demo import organisation_yaml, seed_catalog
from marketplace.events.envelope import CloudEvent
from marketplace.events.wire import to_cloud_event
from marketplace.handlers.auth import Principal, hash_secret
from marketplace.handlers.errors import AppError
from marketplace.handlers.ports import Services
from marketplace.handlers.unit_import import import_units
from marketplace.projections.memory import Rows, fold
from marketplace.projections.projection import Projection

T = TypeVar("T")
Command = Callable[[Services], T]

ADMIN_TOKEN = "test-bootstrap-admin-token"
T0 = datetime(2027, 1, 1, tzinfo=UTC)
HQ_ADMIN = Principal("tok_hq", "HQ", frozenset({Role.HQ_ADMIN}))
AUDITOR = Principal("tok_audit", "HQ", frozenset({Role.AUDITOR}))
BI_READER = Principal("tok_bi", "HQ", frozenset({Role.BI_READER}))


def operator(unit: str) -> Principal:
    return Principal(f"tok_{unit}", unit, frozenset({Role.UNIT_OPERATOR}))


def platform_admin(unit: str) -> Principal:
    return Principal(f"tok_{unit}_admin", unit, frozenset({Role.PLATFORM_ADMIN}))


def ticking_from(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at `start` and moves one second per reading (ordered timestamps)."""
    ticks = count()
    return lambda: start + timedelta(seconds=next(ticks))


def sequential_ids() -> Callable[[str], str]:
    numbers = count(1)
    return lambda prefix: f"{prefix}_{next(numbers):04d}"


Refusal = AppError | DomainError


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one command did: its result and the events it appended, or its refusal."""

    value: T | None
    error: Refusal | None
    events: list[MarketEvent]

    @property
    def types(self) -> list[str]:
        return [type(e).__qualname__ for e in self.events]

    def ok(self) -> T:
        assert self.error is None, f"refused: {self.error.code}: {self.error.message}"
        return cast(T, self.value)  # None only for a command that returns nothing

    def appended(self, *types: str) -> T:
        """Then: exactly these events (in any order: one save holds several aggregates)."""
        value = self.ok()
        assert sorted(self.types) == sorted(types)
        return value

    def event(self, type_name: str, **attributes: Any) -> Any:
        """Then: the one appended event of this type, with these attribute values (typed Any:
        the library's decorator makes the event classes, with attributes mypy cannot see)."""
        [found] = [e for e in self.events if type(e).__qualname__ == type_name]
        actual = {name: getattr(found, name) for name in attributes}
        assert actual == attributes
        return found

    def refused(self, code: str, kind: type[Exception] = Exception) -> Refusal:
        """Then: refused with `code` (`forbidden`, `not_found`, a rule's), nothing appended."""
        assert self.error is not None, f"accepted, appending {self.types}"
        assert isinstance(self.error, kind)
        assert self.error.code == code, f"{self.error.code}: {self.error.message}"
        assert self.events == [], f"a refusal appended {self.types}"
        return self.error


class World:
    """One fresh in-memory store with a fixed clock and sequential ids."""

    def __init__(self) -> None:
        self.store = EventSourcingStore(StoreLocation.memory())
        self.svc = Services(
            store=self.store,
            clock=ticking_from(T0),
            new_id=sequential_ids(),
            admin_token_hash=hash_secret(ADMIN_TOKEN),
            sealer=AesGcmSealer(bytes(32)),
        )

    def at(self, moment: datetime) -> World:
        """From now on the clock reads `moment` (then a second more per reading)."""
        self.svc.clock = ticking_from(moment)
        return self

    def given(self, command: Command[T]) -> T:
        """Given: a prior command, which must succeed."""
        return command(self.svc)

    def when(self, command: Command[T]) -> Outcome[T]:
        head = self.store.head()
        try:
            value, error = command(self.svc), None
        except (AppError, DomainError) as exc:
            value, error = None, exc
        return Outcome(value, error, list(self.events_after(head)))

    def events_after(self, position: int) -> Iterator[MarketEvent]:
        for record in self.store.read(position, 10_000):
            yield self.store.decode(record)

    def published(self, after: int = 0) -> list[CloudEvent]:
        """The public CloudEvents of what was stored after `after`, as the feeds publish them."""
        found = []
        for record in self.store.read(after, 10_000):
            event = to_cloud_event(self.store.decode(record), record.id)
            if event is not None:
                found.append(event)
        return found

    def rows(self, projection: Projection, after: int = 0) -> Rows:
        """Then: the projection's rows after folding every published event into it."""
        return fold(change for event in self.published(after) for change in projection.apply(event))

    def close(self) -> None:
        self.store.close()


def demo_group(world: World) -> World:
    """Given: the demo organisation (five platforms, their enterprises), no catalog."""
    import_units(world.svc, Actor(None, "cli"), organisation_yaml())
    return world


def demo_market(world: World) -> World:
    """Given: the demo organisation and its catalog for 2027H1, published by HQ."""
    seed_catalog(demo_group(world).svc, HQ_ADMIN)
    return world
