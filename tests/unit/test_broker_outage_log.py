"""A broker outage in the log: the first error, a summary each minute, the end; nothing else."""

from __future__ import annotations

import logging
from typing import Any

from marketplace.adapters.broker_outage import BrokerOutageLog

REFUSED = "Unable connect to node with id 1: [Errno 111] Connect call failed ('127.0.0.1', 9092)"


class World:
    def __init__(self) -> None:
        self.now = 0.0
        self.said: list[tuple[str, str, dict[str, Any]]] = []
        self.gate = BrokerOutageLog(clock=lambda: self.now, say=self.say)

    def say(self, level: str, event: str, **facts: Any) -> None:
        self.said.append((level, event, facts))

    def aiokafka(self, message: str, level: int = logging.ERROR) -> bool:
        record = logging.LogRecord("aiokafka.conn", level, __file__, 1, message, None, None)
        return self.gate.filter(record)


def test_other_lines_pass_while_the_broker_answers() -> None:
    world = World()
    assert world.aiokafka("Joined group 'g' (generation 1)", logging.INFO)
    assert world.aiokafka("Heartbeat failed: local member_id was not recognized", logging.WARNING)
    assert not world.gate.down and world.said == []


def test_an_outage_shows_its_first_error_a_summary_each_minute_and_its_end() -> None:
    world = World()
    assert world.aiokafka(REFUSED)  # the first error itself
    assert world.gate.down
    assert world.said == [
        ("warning", "broker_unreachable", {"error": REFUSED, "later": "summed up each minute"})
    ]
    shown = []
    for _ in range(2400):  # retries every 125 ms for five minutes, info lines included
        world.now += 0.125
        shown.append(world.aiokafka(REFUSED, logging.ERROR))
        shown.append(world.aiokafka("(Re-)joining group g", logging.INFO))
    assert not any(shown)
    summaries = [facts for _, event, facts in world.said if event == "broker_still_unreachable"]
    assert len(summaries) == 5
    assert summaries[0]["down_for"] == 60.0
    world.gate.recovered()
    world.gate.recovered()  # said once
    level, event, facts = world.said[-1]
    assert (level, event) == ("info", "broker_reachable_again")
    assert facts == {"down_for": 300.0, "lines_held_back": 4800}
    assert len(world.said) == 1 + 5 + 1
    assert not world.gate.down
    assert world.aiokafka("Joined group 'g' (generation 2)", logging.INFO)


def test_a_second_outage_is_logged_again() -> None:
    world = World()
    world.aiokafka(REFUSED)
    world.gate.recovered()
    world.now += 5
    assert world.aiokafka(
        "Failed fetch messages from 1: KafkaConnectionError: Connection at 127.0.0.1:9092 closed"
    )
    assert [event for _, event, _ in world.said] == [
        "broker_unreachable",
        "broker_reachable_again",
        "broker_unreachable",
    ]
