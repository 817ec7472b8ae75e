"""A follower in a group of API workers: it leaves polling the log to the lead, notes how far
the store has the read models, and takes the lead when the lead ends."""

from __future__ import annotations

from pathlib import Path

from marketplace.lead import Lead
from marketplace.projections import directory
from marketplace.projections.runtime import ProjectionRuntime
from tests.integration.test_projection_failures import (  # noqa: F401
    Env,
    env,
    eventually,
    write_chart,
)


async def test_a_follower_leaves_the_feeding_to_the_lead_and_takes_over_when_it_ends(
    env: Env,  # noqa: F811
    tmp_path: Path,
) -> None:
    lock = tmp_path / "workers.lead"
    lead, follows = Lead(lock), Lead(lock)
    assert lead.held()  # another worker leads, and has not started polling yet
    follower = ProjectionRuntime(
        env.location,
        env.log,
        [directory.PROJECTION],
        feed_in_process=True,
        poll_interval=0.05,
        lead=follows,
    )
    write_chart(env.svc)
    await follower.start()  # catches up once at start, as every worker does
    leader = None
    try:
        fed = (await follower.store.state("directory")).position  # type: ignore[union-attr]
        write_chart(env.svc, suffix="-B")
        head = await env.log.head()
        assert head > fed
        polls = _Polls(follower)
        await eventually(lambda: polls.counted(3), "the follower does not poll")
        # Its polls left the new events alone: nobody fed the read model.
        assert (await follower.store.state("directory")).position == fed  # type: ignore[union-attr]

        lead.close()  # the leading worker ended: its lock is gone
        leader = follower
        await eventually(
            lambda: _position_reached(follower, head), "the follower did not take the lead"
        )
        assert follows.held()
        assert follower.feeds["directory"].known == head
    finally:
        await (leader or follower).stop()
        follows.close()


async def test_a_follower_notes_what_the_lead_fed(
    env: Env,  # noqa: F811
    tmp_path: Path,
) -> None:
    lock = tmp_path / "workers.lead"
    runtimes = [
        ProjectionRuntime(
            env.location,
            env.log,
            [directory.PROJECTION],
            feed_in_process=True,
            poll_interval=0.05,
            lead=Lead(lock),
        )
        for _ in range(2)
    ]
    leader, follower = runtimes
    assert leader.lead.held()
    for runtime in runtimes:
        await runtime.start()
    try:
        write_chart(env.svc)
        head = await env.log.head()
        await eventually(lambda: _position_reached(leader, head), "the lead did not feed")
        # The follower knows the store has it (a read needs no catch-up) and says it is alive.
        await eventually(
            lambda: _known(follower, head), "the follower did not note what the lead fed"
        )
        seen = follower.alive_at
        await eventually(lambda: _alive_after(follower, seen), "the follower's feed looks stuck")
        assert not follower.lead.held()
    finally:
        for runtime in runtimes:
            await runtime.stop()
            runtime.lead.close()


class _Polls:
    """Counts a runtime's polls by its reads of the log's head (one per poll)."""

    def __init__(self, runtime: ProjectionRuntime) -> None:
        self.runtime = runtime
        self.last = runtime._head[0]  # when its last read of the head began
        self.seen = 0

    async def counted(self, times: int) -> bool:
        began = self.runtime._head[0]
        if began != self.last:
            self.last, self.seen = began, self.seen + 1
        return self.seen >= times


async def _position_reached(runtime: ProjectionRuntime, head: int) -> bool:
    state = await runtime.store.state("directory")
    return state is not None and state.position >= head


async def _known(runtime: ProjectionRuntime, head: int) -> bool:
    return runtime.feeds["directory"].known >= head


async def _alive_after(runtime: ProjectionRuntime, seen: object) -> bool:
    return runtime.alive_at is not None and runtime.alive_at != seen
