"""The inbox reducer: a need's and its tender's events in any interleaving give the same rows."""

from __future__ import annotations

import itertools

from marketplace.aggregates.base import MarketAggregate
from marketplace.events.envelope import CloudEvent
from marketplace.events.wire import to_cloud_event
from marketplace.projections import inbox
from marketplace.projections.memory import Rows, fold
from tests.unit.test_need_rules import ACTOR, T, need
from tests.unit.test_tender_rules import launch


def events_of(aggregate: MarketAggregate) -> list[CloudEvent]:
    found = []
    for version, domain_event in enumerate(aggregate.collect_events(), 1):
        event = to_cloud_event(domain_event, version)
        if event is not None:
            found.append(event)
    return found


def interleavings(first: list[CloudEvent], second: list[CloudEvent]) -> list[list[CloudEvent]]:
    """Every merge of the two streams that keeps each stream's own order."""
    merged = []
    size = len(first) + len(second)
    for slots in itertools.combinations(range(size), len(first)):
        a, b = iter(first), iter(second)
        merged.append([next(a) if n in slots else next(b) for n in range(size)])
    return merged


def rows_of(events: list[CloudEvent]) -> Rows:
    return fold(change for event in events for change in inbox.apply(event))


def canonical(rows: Rows) -> str:
    return repr(sorted((table, sorted(found.items())) for table, found in rows.items()))


def test_rows_do_not_depend_on_how_the_need_and_tender_streams_interleave() -> None:
    n = need(sourcing="tender")
    n.record_offer("o1", "HEAT-02", ACTOR, T)
    n.start_tender("ten-1", ACTOR, T)
    tender = launch(["HEAT-02", "PWR-01", "SVC-01"])
    tender.record_bid("bid-1", "SVC-01", True, ACTOR, T)
    tender.record_bid("bid-2", "external:Outside Ltd", False, ACTOR, T)
    need_events, tender_events = events_of(n), events_of(tender)
    every = {canonical(rows_of(o)) for o in interleavings(need_events, tender_events)}
    assert len(every) == 1
    rows = rows_of(need_events + tender_events)
    invited = {k: r for k, r in rows[inbox.INVITATIONS.name].items()}
    assert sorted((r["unit_id"], r["bid_submitted"]) for r in invited.values()) == [
        ("HEAT-02", False),
        ("PWR-01", False),
        ("SVC-01", True),
    ]
    assert [r["status"] for r in rows[inbox.NEEDS.name].values()] == ["tendering"]
    matched = sorted((r["unit_id"], r["offered"]) for r in rows[inbox.MATCHES.name].values())
    assert matched == [("HEAT-02", True), ("PWR-01", False)]
