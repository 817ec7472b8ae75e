"""The lead of a group of API workers: one holder of the lock file at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from marketplace.lead import Lead


def test_one_process_of_a_group_leads_and_another_takes_over_when_it_ends(tmp_path: Path) -> None:
    path = tmp_path / "group.lead"
    first, second = Lead(path), Lead(path)
    assert first.held()
    assert not second.held()
    assert first.held()  # kept
    first.close()  # as when its process dies: the kernel drops the lock
    assert second.held()
    assert not first.held()
    second.close()


def test_a_process_alone_always_leads() -> None:
    alone = Lead(None)
    assert alone.held()


def test_waiting_for_the_lead_ends_at_stop_or_once_it_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "group.lead"
    leader, follower = Lead(path), Lead(path)
    assert leader.held()

    async def scenario() -> tuple[bool, bool]:
        stop = asyncio.Event()
        stop.set()
        stopped = await follower.wait(stop, interval=0.01)
        leader.close()
        taken = await follower.wait(asyncio.Event(), interval=0.01)
        return stopped, taken

    assert asyncio.run(scenario()) == (False, True)
    follower.close()
