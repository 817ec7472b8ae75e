"""Share a rebuild's projections among its processes, each decoding as few events as it can."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import permutations

from marketplace.events.public.registry import stored_kind
from marketplace.handlers.ports import NotificationLog
from marketplace.projections.projection import Projection, read_by

# Events looked at, spread evenly over the log, to learn how its types are mixed.
SAMPLES = 2000
RUNS, RUN = 100, 20  # places read, and up to how many neighbours at each (see sample_types)
# What a process spends per event, relative to each other (measured on a fill's rebuild: about
# 30 µs to read and decode an event, about as much for a projection to reduce one, track it and
# write its rows). Every process decodes the events any of its projections reads.
DECODE = 1.0
APPLY = 1.0
# Projections whose events cost more or less than APPLY to apply: the time each took to reduce,
# track and write its events (its database's time included) over the events it read, relative
# to decoding one, measured on the 1M fill's rebuild on PostgreSQL (2026-12-03). Taken as 1.0,
# the busier process ended 10 s after the other.
APPLY_COST: dict[str, float] = {
    "catalog_search": 1.25,
    "contract_list": 0.8,
    "external_sourcing_list": 0.95,
    "framework_list": 0.6,
    "inbox": 1.1,
    "report_facts": 1.35,
    "supplier_quality": 0.55,
    "synergy_benefit": 1.15,
    "tender_list": 1.05,
    "trade_volume": 0.8,
    "visit_list": 0.45,
}


def sample_types(log: NotificationLog, samples: int = SAMPLES) -> Counter[str]:
    """The current public types of up to `samples` events in runs spread evenly over the log
    (blocking; a point read per run, so quick on any size of store).

    `RUNS` runs of up to `RUN` neighbours, not single events: on PostgreSQL each read is a
    round trip, and 2,000 of them held a rebuild's start for 2 s; 100 runs of 20 tell the mix
    as well."""
    head = log.head()
    run = max(1, min(RUN, samples // RUNS))
    step = max(head // max(samples // run, 1), 1)
    found: Counter[str] = Counter()
    for after in range(0, head, step):
        for record in log.read(after, min(run, step)):
            kind = stored_kind(record.topic)
            if kind is not None:
                found[kind.name] += 1
    return found


def cost(group: Sequence[Projection], weights: Mapping[str, float]) -> float:
    """A process's work for `group`: decoding what any of them reads, and each one's events."""
    decoded = sum(weights.get(t, 0.0) for t in frozenset().union(*map(_read, group)))
    applied = sum(
        APPLY_COST.get(p.name, APPLY) * sum(weights.get(t, 0.0) for t in _read(p)) for p in group
    )
    return DECODE * decoded + applied


@cache
def _read(projection: Projection) -> frozenset[str]:
    return read_by([projection])


def share(
    projections: Sequence[Projection], weights: Mapping[str, float], jobs: int
) -> list[list[Projection]]:
    """At most `jobs` non-empty groups whose largest `cost` is small: the heaviest projections
    placed first, each where the largest cost grows least, then single moves while they help.
    Deterministic for the same weights."""
    jobs = max(1, min(jobs, len(projections)))
    groups: list[list[Projection]] = [[] for _ in range(jobs)]
    alone = {p.name: cost([p], weights) for p in projections}
    for projection in sorted(projections, key=lambda p: (-alone[p.name], p.name)):
        best = min(
            range(jobs),
            key=lambda g: (_largest(groups, g, projection, weights), cost(groups[g], weights), g),
        )
        groups[best].append(projection)
    for _ in range(len(projections) * jobs):
        if not _improve(groups, weights):
            break
    # Every process gets something to do (a projection of no events weighs nothing).
    for g in range(jobs):
        if not groups[g]:
            donor = max(range(jobs), key=lambda d: len(groups[d]))
            groups[g].append(groups[donor].pop())
    return [sorted(group, key=projections.index) for group in groups]


def _largest(
    groups: list[list[Projection]], g: int, projection: Projection, weights: Mapping[str, float]
) -> float:
    return max(
        cost([*group, projection] if i == g else group, weights) for i, group in enumerate(groups)
    )


def _score(groups: list[list[Projection]], weights: Mapping[str, float]) -> tuple[float, float]:
    costs = [cost(group, weights) for group in groups]
    return max(costs), sum(costs)


def _improve(groups: list[list[Projection]], weights: Mapping[str, float]) -> bool:
    """Make the first move of one projection, or swap of two, that lowers the largest cost (or,
    at the same largest, the sum: less decoded twice); False when none does."""
    before = _score(groups, weights)
    for a, b in permutations(range(len(groups)), 2):
        for i, projection in enumerate(groups[a]):
            moved = [*groups[a][:i], *groups[a][i + 1 :]]
            for j in range(-1, len(groups[b])):  # -1: a move, else a swap with groups[b][j]
                other = [*groups[b], projection] if j < 0 else groups[b][:]
                if j >= 0:
                    moved_here = [*moved, other[j]]
                    other[j] = projection
                else:
                    moved_here = moved
                trial = [
                    moved_here if g == a else other if g == b else x for g, x in enumerate(groups)
                ]
                if _score(trial, weights) < before:
                    groups[:] = trial
                    return True
    return False
