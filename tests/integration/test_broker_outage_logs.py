"""`marketplace project` through a broker outage: a few log lines, not thousands, and its end."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from marketplace.demo import organisation_yaml
from marketplace.projections.registry import PROJECTIONS
from tests.e2e.conftest import free_port, run_cli, service_env
from tests.kafka_support import PrivateBroker, TcpLink

pytestmark = [pytest.mark.fault, pytest.mark.slow]


class Worker:
    """A `marketplace` command in a process of its own, its stderr lines kept with their time."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.lines: list[tuple[float, dict[str, object]]] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "marketplace", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            try:
                self.lines.append((time.monotonic(), json.loads(line)))
            except ValueError:
                self.lines.append((time.monotonic(), {"event": line}))

    def joined(self) -> int:
        return sum(
            str(line["event"]).startswith("Setting newly assigned partitions")
            for _, line in self.lines
        )

    def since(self, moment: float) -> list[dict[str, object]]:
        return [line for at, line in self.lines if at >= moment]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def directory_ids(data: Path) -> set[str]:
    try:
        with sqlite3.connect(data / "read_models.sqlite3", timeout=5) as conn:
            return {row[0] for row in conn.execute("SELECT id FROM directory_units")}
    except sqlite3.OperationalError:  # not made yet
        return set()


def test_the_projection_workers_log_a_broker_outage_in_a_few_lines(tmp_path: Path) -> None:
    link_port = free_port()
    broker = PrivateBroker(advertised_port=link_port).start()
    link = TcpLink(link_port, broker.port)
    link.restore()
    env = service_env(
        tmp_path,
        "sqlite",
        None,
        MARKETPLACE_KAFKA_BOOTSTRAP=broker.bootstrap,
        MARKETPLACE_KAFKA_TOPIC_PREFIX=f"o{uuid.uuid4().hex[:8]}.",
        MARKETPLACE_KAFKA_PARTITIONS="2",
    )
    org = tmp_path / "org.yaml"
    org.write_text(organisation_yaml(), "utf-8")
    assert run_cli(env, "units", "import", str(org)).returncode == 0
    relay = Worker(env, "relay")
    project = Worker(env, "project")
    data = tmp_path / "data"
    try:
        wait_for(lambda: project.joined() == len(PROJECTIONS), "every consumer in its group")
        cut_at = time.monotonic()  # before: the workers may see the cut before cut() returns
        link.cut()
        time.sleep(8)
        during = project.since(cut_at)
        # Before: aiokafka wrote about 3,000 lines in such a pause.
        assert len(during) <= 10, during
        assert [line["event"] for line in during].count("broker_unreachable") == 1
        assert len(relay.since(cut_at)) <= 10, relay.since(cut_at)  # the relay, likewise

        link.restore()
        org.write_text(
            organisation_yaml()
            + "  - {id: PWR-09, name: Late Plant, level: enterprise, parent_id: PWR}\n",
            "utf-8",
        )
        assert run_cli(env, "units", "import", str(org)).returncode == 0
        wait_for(lambda: "PWR-09" in directory_ids(data), "the directory after the outage")
        ended = [
            line for line in project.since(cut_at) if line["event"] == "broker_reachable_again"
        ]
        assert len(ended) == 1
        assert float(str(ended[0]["down_for"])) >= 8
    finally:
        relay.stop()
        project.stop()
        link.shutdown()
        broker.stop()
