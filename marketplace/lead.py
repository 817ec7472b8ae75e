"""Which process of `serve --workers N` does the background work: the one holding a lock file."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

from marketplace.log import get_logger

log = get_logger(__name__)
# Set by `serve --workers N` for its workers (never by a user): the lock file of their group.
LEAD_LOCK = "MARKETPLACE_WORKER_LEAD_LOCK"


def try_lock(path: Path) -> IO[bytes] | None:
    """An exclusive lock on the file at `path`, held while the returned file is open; None when
    another open file holds it (the kernel drops a lock when its process ends)."""
    candidate = path.open("ab")
    try:
        fcntl.flock(candidate, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        candidate.close()
        return None
    return candidate


class Lead:
    """Whether this process leads its group of API workers.

    Each worker served every request and also did the same background work as the others:
    polling the log into the read models, extending the audit chain, running the notifier. Run
    twice, each event was decoded and tried twice and each link hashed twice, for nothing
    (a fifth of a worker's CPU under writes). The worker holding the group's lock file does
    that work; the others still catch a read model up before reading it (read-your-writes), and
    take the lead within a poll if the leader dies (the kernel drops its lock). A process not
    in a group (`path` None) always leads.
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._held: IO[bytes] | None = None

    @classmethod
    def from_environment(cls) -> Lead:
        path = os.environ.get(LEAD_LOCK)
        return cls(Path(path) if path else None)

    def held(self) -> bool:
        """Whether this process leads (taking the lead if nobody holds it)."""
        if self._path is None or self._held is not None:
            return True
        self._held = try_lock(self._path)
        if self._held is None:
            return False
        log.info("worker_leads", pid=os.getpid())
        return True

    async def wait(self, stop: asyncio.Event, interval: float) -> bool:
        """True once this process leads, trying every `interval` seconds; False at `stop`."""
        while not self.held():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if stop.is_set():
                return False
        return True

    def close(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
