"""When a failed delivery is tried again: growing delays with jitter, for about a day."""

from __future__ import annotations

from datetime import timedelta

# The longest wait after the n-th failed attempt (CONTRACT.md: the first retry within 10 s, the
# second within 60 s, then growing).
CEILINGS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=8),
    timedelta(hours=8),
    timedelta(hours=8),
)
# Jitter shortens a wait by up to this share, so deliveries failed together spread out. Even
# the shortest schedule spans more than GIVE_UP_AFTER: an endpoint down for a day still gets
# every event.
JITTER = 0.2
GIVE_UP_AFTER = timedelta(hours=24)


def next_delay(attempt: int, rnd: float) -> timedelta | None:
    """The wait before trying again after `attempt` (1 = the first) failed, jittered by
    `rnd` ∈ [0, 1); None when the retries have run their day: the delivery is dead."""
    if attempt < 1:
        raise ValueError(f"attempts count from 1, not {attempt}")
    if not 0 <= rnd < 1:
        raise ValueError(f"rnd must lie in [0, 1), not {rnd}")
    if attempt > len(CEILINGS):
        return None
    return CEILINGS[attempt - 1] * (1 - JITTER * rnd)
