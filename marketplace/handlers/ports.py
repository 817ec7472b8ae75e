"""The ports handlers depend on: the event store, its notification log, the clock and id sources."""

from __future__ import annotations

import random
import secrets
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import UUID

from marketplace.aggregates.base import DomainError, MarketAggregate, MarketEvent
from marketplace.handlers.errors import ConcurrencyConflict, NotFound

if TYPE_CHECKING:  # the read models import this module's NotificationLog
    from marketplace.projections.store import RowReader

A = TypeVar("A", bound=MarketAggregate)
T = TypeVar("T")
RETRY_PAUSE_CAP = 0.1  # seconds: the longest pause between two attempts of one write


class DocumentBlobs(Protocol):
    """Where documents' bytes live, content-addressed by SHA-256: the same bytes once."""

    def scratch(self) -> Path:
        """A folder for an upload being received (beside the blobs: kept by a rename)."""
        ...

    def keep(self, spooled: Path, sha256: str) -> None:
        """Keep the finished file `spooled` (whose digest is `sha256`) atomically, once; the
        spooled file is gone afterwards."""
        ...

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The bytes kept for `sha256`, a chunk at a time (KeyError: none)."""
        ...


class EventStore(Protocol):
    """Loads and atomically saves aggregates; raises ConcurrencyConflict on a lost race."""

    backend: str

    def get(self, aggregate_id: str, kind: type[A]) -> A | None:
        """A private copy to change and save."""
        ...

    def view(self, aggregate_id: str, kind: type[A]) -> A | None:
        """For reading only: a shared instance, without the copy `get` makes; never change it."""
        ...

    def save(self, *aggregates: MarketAggregate) -> None: ...

    def head(self) -> int: ...

    def close(self) -> None: ...


class StoredRecord(Protocol):
    """One stored event as the log keeps it: its position, aggregate, version, class, bytes."""

    @property
    def id(self) -> int: ...

    @property
    def originator_id(self) -> UUID | str: ...

    @property
    def originator_version(self) -> int: ...

    @property
    def topic(self) -> str: ...

    @property
    def state(self) -> bytes: ...


class NotificationLog(Protocol):
    """The store's global log of events in commit order (positions from 1), and each
    aggregate's own history. Blocking calls: async callers run them in a thread."""

    def head(self) -> int:
        """The position of the last stored event; 0 when there is none."""
        ...

    def read(self, after: int, limit: int, topics: Sequence[str] = ()) -> Sequence[StoredRecord]:
        """Up to `limit` stored events after position `after`, in order; with `topics` (the
        stored events' class topics, `module:Class.Event`), only events of those."""
        ...

    def decode(self, record: StoredRecord) -> MarketEvent:
        """The domain event a stored record holds."""
        ...

    def attributes(self, record: StoredRecord) -> dict[str, Any]:
        """The stored event's attributes (upcast to its class version), decoded without building
        the event object."""
        ...

    def plain_state(self, record: StoredRecord) -> bytes:
        """The stored event's state as the transcoder wrote it (JSON), decrypted and
        decompressed."""
        ...

    def events_of(self, aggregate_id: str) -> Sequence[MarketEvent]:
        """The aggregate's domain events in order; empty when nothing was recorded."""
        ...

    def state_at(self, aggregate_id: str, version: int | None) -> MarketAggregate:
        """The aggregate as it was after `version` (None: now)."""
        ...


class ReadModels(Protocol):
    """The read models' store, as the query functions read it (the projection runtime)."""

    async def reader(self, name: str) -> RowReader:
        """The store to read projection `name` from, caught up first when fed in-process."""
        ...


class Sealer(Protocol):
    """Encrypts secrets at rest (sealed bid amounts) and decrypts them when it is time."""

    def seal(self, plaintext: str) -> str: ...

    def unseal(self, token: str) -> str: ...


def resolve_host(host: str) -> list[str]:
    """The addresses `host` resolves to now (an address literal gives itself); [] when it does
    not resolve."""
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in found})


@dataclass
class Services:
    """What every handler gets: the store, and the clock and id sources of the edge.

    Handlers read time and make ids here, then pass them into the domain with the command,
    so aggregates never read the clock and tests can fix both.
    """

    store: EventStore
    clock: Callable[[], datetime]
    new_id: Callable[[str], str]
    admin_token_hash: str | None = None
    # The group's time zone: catalog effective dates are days there (MARKETPLACE_TIMEZONE).
    zone: tzinfo = UTC
    sealer: Sealer | None = None
    # The longest life a new token may have (MARKETPLACE_TOKEN_MAX_LIFETIME_DAYS); None: unbounded.
    token_max_lifetime: timedelta | None = None
    # Each round of writers racing for one aggregate has one winner: n writers at once need up
    # to n attempts for the last of them, and a loaded machine keeps them in step longer (eight
    # writers renaming one unit on PostgreSQL on a busy 2-core machine ran out of 16).
    max_attempts: int = 32
    # Random bytes for secrets handed out once (webhook signing secrets), and where a host
    # name points: ports, so that tests can fix both.
    new_secret: Callable[[int], bytes] = secrets.token_bytes
    resolve: Callable[[str], list[str]] = resolve_host
    # Technical documents' bytes (MARKETPLACE_DOCUMENT_STORE); None: documents are off.
    documents: DocumentBlobs | None = None
    max_document_bytes: int = 20 * 1024 * 1024  # MARKETPLACE_MAX_DOCUMENT_BYTES

    def today(self) -> date:
        """The clock's day in the group's time zone (deadlines and quarters are days there)."""
        return self.clock().astimezone(self.zone).date()

    def load(self, kind: type[A], aggregate_id: str, what: str, *, reading: bool = False) -> A:
        """The aggregate, or NotFound naming `what` ("Need", "Contract", …) and the id: a
        private copy to change and save; `reading`: the shared instance (never change it)."""
        found = (self.store.view if reading else self.store.get)(aggregate_id, kind)
        if found is None:
            raise NotFound(f"{what} {aggregate_id!r} does not exist.", {"id": aggregate_id})
        return found

    def retrying(self, attempt: Callable[[], T]) -> T:
        """Run a load-decide-save attempt again when a concurrent writer won the race.

        A jittered, growing pause (up to RETRY_PAUSE_CAP) spreads out writers that keep colliding
        on one aggregate.
        """
        for n in range(self.max_attempts - 1):
            try:
                return attempt()
            except ConcurrencyConflict:
                pause = min(0.002 * 2**n, RETRY_PAUSE_CAP)
                time.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not secrecy
        try:
            return attempt()
        except ConcurrencyConflict:
            raise DomainError(
                "concurrent_modification",
                "Another change to the same record kept winning; please retry.",
            ) from None
