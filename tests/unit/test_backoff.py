"""Retry delays: the contract's first two bounds, growth, the jitter's range, dead after a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.notifications.backoff import CEILINGS, JITTER, next_delay

DAY = timedelta(hours=24)
unit_interval = st.floats(min_value=0, max_value=1, exclude_max=True)


def schedule(rnds: list[float]) -> list[timedelta]:
    """The delays of one delivery that fails every time, with these draws (repeated)."""
    delays: list[timedelta] = []
    attempt = 1
    while (delay := next_delay(attempt, rnds[(attempt - 1) % len(rnds)])) is not None:
        delays.append(delay)
        attempt += 1
    return delays


@given(unit_interval)
def test_the_first_retry_comes_within_10_s_and_the_second_within_60_s(rnd: float) -> None:
    first, second = next_delay(1, rnd), next_delay(2, rnd)
    assert first is not None and timedelta(0) < first <= timedelta(seconds=10)
    assert second is not None and timedelta(0) < second <= timedelta(seconds=60)


def test_the_waits_grow_from_one_attempt_to_the_next_until_the_longest() -> None:
    waits = [next_delay(n, 0.0) for n in range(1, len(CEILINGS) + 1)]
    assert waits == sorted(waits)  # type: ignore[type-var]
    assert waits[2] is not None and waits[2] > timedelta(seconds=60)
    assert waits[-1] == max(CEILINGS) == timedelta(hours=8)


@given(st.integers(min_value=1, max_value=len(CEILINGS)), unit_interval)
def test_jitter_shortens_a_wait_by_at_most_its_share(attempt: int, rnd: float) -> None:
    delay = next_delay(attempt, rnd)
    ceiling = CEILINGS[attempt - 1]
    assert delay is not None and ceiling * (1 - JITTER) <= delay <= ceiling


def test_different_draws_give_different_waits() -> None:
    assert next_delay(4, 0.0) == timedelta(minutes=30)
    assert next_delay(4, 0.5) == timedelta(minutes=27)
    assert next_delay(4, 0.999) != next_delay(4, 0.5)


@given(st.lists(unit_interval, min_size=1, max_size=12))
def test_retries_span_at_least_a_day_and_stop_within_a_day_and_a_half(rnds: list[float]) -> None:
    total = sum(schedule(rnds), timedelta())
    assert DAY <= total <= DAY * 1.5


def test_after_the_last_retry_the_delivery_is_dead() -> None:
    assert next_delay(len(CEILINGS), 0.3) is not None
    assert next_delay(len(CEILINGS) + 1, 0.3) is None
    assert next_delay(100, 0.0) is None


@pytest.mark.parametrize(("attempt", "rnd"), [(0, 0.5), (-1, 0.5), (1, 1.0), (1, -0.1)])
def test_an_attempt_below_one_or_a_draw_outside_the_unit_interval_is_refused(
    attempt: int, rnd: float
) -> None:
    with pytest.raises(ValueError, match=r"attempts count from 1|rnd must lie"):
        next_delay(attempt, rnd)
