"""The address `serve --workers N` shares: a listening socket per worker, and one group only."""

from __future__ import annotations

import pickle
import socket
from collections.abc import Iterator
from multiprocessing.reduction import ForkingPickler

import pytest

from marketplace.worker_socket import WorkerListener, bind

HOST = "127.0.0.1"


@pytest.fixture
def claimed() -> Iterator[WorkerListener]:
    sock = bind(HOST, 0)
    yield sock
    sock.close()


def handed_to_a_worker(sock: WorkerListener) -> socket.socket:
    """What a spawned worker unpickles (multiprocessing pickles its arguments this way)."""
    rebuilt = pickle.loads(ForkingPickler.dumps(sock))
    assert isinstance(rebuilt, socket.socket)
    return rebuilt


def test_each_worker_listens_on_a_socket_of_its_own_at_the_claimed_address(
    claimed: WorkerListener,
) -> None:
    first, second = handed_to_a_worker(claimed), handed_to_a_worker(claimed)
    try:
        assert first.fileno() != second.fileno()
        assert first.getsockname() == second.getsockname() == claimed.getsockname()
        # Both listen: connections are answered though the supervisor's socket never listens.
        for _ in range(8):
            socket.create_connection(claimed.getsockname(), timeout=5).close()
    finally:
        first.close()
        second.close()


def test_a_second_group_of_workers_cannot_claim_the_same_address(
    claimed: WorkerListener,
) -> None:
    port = claimed.getsockname()[1]
    with pytest.raises(OSError, match="another group of workers"):
        bind(HOST, port)
    claimed.close()  # the supervisor ended: the address is free again
    bind(HOST, port).close()


def test_an_address_another_program_listens_on_is_refused() -> None:
    with socket.socket() as other:
        other.bind((HOST, 0))
        other.listen()
        with pytest.raises(OSError, match="in use"):
            bind(HOST, other.getsockname()[1])


def test_a_group_listening_keeps_a_plain_server_off_its_port(claimed: WorkerListener) -> None:
    worker = handed_to_a_worker(claimed)
    try:
        with socket.socket() as plain:
            plain.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            with pytest.raises(OSError, match="in use"):
                plain.bind(claimed.getsockname())
    finally:
        worker.close()
