"""Two `marketplace project` processes share each projection's consumer group: both hold
partitions; after a kill -9 of one under load the other takes its partitions over, and the
read models equal a replay of the event store."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import require_broker
from tests.e2e.conftest import start_server, tails, worker
from tests.e2e.test_deployment_health import health
from tests.e2e.test_event_bus import bus_env
from tests.e2e.test_kill_under_load import (
    Acks,
    Clients,
    Rows,
    projection_rows,
    registering,
    replay,
    trade,
)

pytestmark = pytest.mark.slow  # a consumer group notices a killed member after ~10 s

BEFORE_KILL = 40  # commands acknowledged once both workers hold partitions, before the kill
AFTER_KILL = 60  # and after it, while the killed worker's partitions wait for the survivor
# aiokafka's INFO line when a member receives its share of a group's partitions.
ASSIGNED = re.compile(r"Setting newly assigned partitions (.*?) for group ([^\"\s]+)")
PARTITION = re.compile(r"TopicPartition\(topic='([^']+)', partition=(\d+)\)")
Assignment = dict[str, frozenset[tuple[str, int]]]  # group → (topic, partition)


def assignment(log: Path) -> Assignment:
    """The partitions a worker was given last in each of its groups, read from its log."""
    latest: Assignment = {}
    for line in log.read_text(errors="replace").splitlines():
        if found := ASSIGNED.search(line):
            partitions = PARTITION.findall(found[1])
            latest[found[2]] = frozenset((topic, int(n)) for topic, n in partitions)
    return latest


def shared(first: Assignment, second: Assignment) -> list[str]:
    """The groups in which both workers hold partitions."""
    return sorted(g for g in first.keys() & second.keys() if first[g] and second[g])


def wait_for(acks: Acks, count: int, clients: Clients, logs: list[Path]) -> None:
    deadline = time.monotonic() + 90
    while acks.count() < count:
        assert clients.errors == [], clients.errors
        assert time.monotonic() < deadline, f"{acks.count()} of {count} acknowledged{tails(*logs)}"
        time.sleep(0.05)


def test_two_project_workers_share_the_partitions_and_one_survives_the_others_kill(
    tmp_path: Path,
) -> None:
    require_broker()
    _, env = bus_env(tmp_path)
    env |= {"MARKETPLACE_HEARTBEAT_INTERVAL": "0.5", "MARKETPLACE_LOG_LEVEL": "INFO"}
    # With the broker set, `serve` leaves the read models to the workers (it only reads them).
    server = start_server(env, "--demo")
    logs = [tmp_path / "relay.log", tmp_path / "project-1.log", tmp_path / "project-2.log"]
    workers: list[subprocess.Popen[bytes]] = [worker(env, "relay", logs[0])]
    workers += [worker(env, "project", log) for log in logs[1:]]
    relay, killed, survivor = workers
    acks, clients = Acks(), Clients()
    try:
        deadline = time.monotonic() + 90
        while True:  # both have said they run, in the read-model store
            projections = health(server)["components"]["projections"]
            pids = {i["instance"].rpartition(":")[2] for i in projections["instances"]}
            if pids == {str(killed.pid), str(survivor.pid)}:
                break
            assert time.monotonic() < deadline, f"{projections}{tails(*logs)}"
            time.sleep(0.2)

        clients.start(
            lambda: trade(server, "COAL-01", acks),
            lambda: trade(server, "SVC-01", acks),
            lambda: registering(server, acks),
        )
        deadline = time.monotonic() + 90
        while not shared(assignment(logs[1]), assignment(logs[2])):
            assert clients.errors == [], clients.errors
            assert time.monotonic() < deadline, f"no group shared{tails(*logs)}"
            time.sleep(0.2)
        wait_for(acks, acks.count() + BEFORE_KILL, clients, logs)

        held = assignment(logs[1])  # what the killed worker held when it died
        holding = sorted(group for group, partitions in held.items() if partitions)
        killed.send_signal(signal.SIGKILL)  # no LeaveGroup: the group waits out its session
        killed.wait(10)
        wait_for(acks, acks.count() + AFTER_KILL, clients, logs)
        server.stop()  # the writers are cut off: the event store is final
        clients.join()
        assert clients.errors == []

        replayed = projection_rows(replay(env))
        assert len(replayed["needs_board_items"]) >= len(acks.needs) > 0  # the load is in it
        # The killed member's partitions wait until the group drops it (session timeout, about
        # 10 s), then resume in the survivor from the last offsets committed to Kafka; what
        # was applied after those the store skips.
        live: Rows = {}
        taken_over: list[str] = []
        deadline = time.monotonic() + 90
        while live != replayed or taken_over != holding:
            assert survivor.poll() is None, tails(*logs)
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
            live = projection_rows(tmp_path / "data" / "read_models.sqlite3")
            now = assignment(logs[2])
            taken_over = [g for g in holding if held[g] <= now.get(g, frozenset())]
        differing = sorted(t for t in replayed if live.get(t) != replayed[t])
        assert live == replayed, f"tables differing: {differing}{tails(*logs)}"
        assert taken_over == holding, f"partitions left behind{tails(*logs)}"
        assert relay.poll() is None and survivor.poll() is None, tails(*logs)
    except BaseException:
        assert server.log is not None
        print(tails(server.log))  # pytest shows it with the failure
        raise
    finally:
        server.stop()
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
