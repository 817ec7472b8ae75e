"""The listening address `serve --workers N` shares: a socket of its own in each worker, so the
kernel, not a race between the workers, decides which one takes a connection."""

from __future__ import annotations

import errno
import socket
import tempfile
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import IO, Any

from marketplace.lead import try_lock

QUEUE = 2048  # connections the kernel keeps waiting for each worker (uvicorn's default)


class WorkerListener(socket.socket):
    """Bound to the address in the supervisor (which never listens on it); rebuilt in each
    worker as a listening socket of that worker's own on the same address (SO_REUSEPORT).

    With one socket shared by all, a new connection woke every worker and the first to run took
    it, and asyncio goes on accepting every connection already waiting: a burst of connections
    (a proxy's pool, clients starting together) went to one worker, 13 to 16 of 16 in measured
    runs on two cores, while the other idled. With a socket each, the kernel spreads new
    connections over the workers' sockets by a hash of their addresses. A worker that dies
    takes its waiting connections with it; its replacement listens on a new socket.
    """

    claim: IO[bytes] | None = None  # the supervisor's lock on the address (see `bind`)

    def close(self) -> None:
        super().close()
        if self.claim is not None:
            self.claim.close()


def bind(host: str, port: int) -> WorkerListener:
    """Claim `host`:`port` for the workers (the port chosen when `port` is 0); `OSError` when
    it cannot be had.

    SO_REUSEPORT lets any process of the same user listen on the port too, and the kernel would
    share the connections with it: another `serve --workers N` started on the same port by
    mistake, say. So the port counts as taken when anything listens on it (a plain bind shows
    that), and a lock file named after the address keeps a second group of workers off it.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not refused by TIME_WAIT
        probe.bind((host, port))
        address = probe.getsockname()
    claim = try_lock(_beside(address, "lock"))
    if claim is None:
        raise OSError(
            errno.EADDRINUSE, "Address already in use (another group of workers listens on it)"
        )
    try:
        sock = _bound(family, address)
    except OSError:
        claim.close()
        raise
    sock.claim = claim
    return sock


def lead_lock_of(sock: WorkerListener) -> Path:
    """The lock file whose holder leads the workers listening at `sock`'s address."""
    return _beside(sock.getsockname(), "lead")


def _beside(address: Any, kind: str) -> Path:
    return Path(tempfile.gettempdir()) / f"marketplace-workers-{address[0]}-{address[1]}.{kind}"


def listen_on(family: int, address: Any) -> WorkerListener:
    """A worker's own listening socket on the workers' address."""
    sock = _bound(family, address)
    try:
        sock.listen(QUEUE)
    except OSError:
        sock.close()
        raise
    return sock


def _bound(family: int, address: Any) -> WorkerListener:
    """A socket bound to `address` that other sockets of the group may share it with."""
    sock = WorkerListener(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _reduce(sock: WorkerListener) -> tuple[Any, tuple[Any, ...]]:
    # What a spawned worker is handed: the address, to listen on with a socket of its own.
    return listen_on, (sock.family, sock.getsockname())


ForkingPickler.register(WorkerListener, _reduce)
