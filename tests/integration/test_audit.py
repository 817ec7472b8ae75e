"""Audit on both stores: the hash chain catches edits, deletions and forged links; histories
show who did what; past states come back by version and by moment."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.access_token import Role
from marketplace.audit import history
from marketplace.audit.chain import GENESIS, Ledger
from marketplace.bootstrap import event_sourcing_store
from marketplace.handlers import needs, tokens
from marketplace.handlers.errors import NotFound
from marketplace.handlers.ports import Services
from tests.integration.conftest import HQ_ADMIN
from tests.integration.test_needs import market, operator, steam, terms  # noqa: F401

# The hash chain reads and guards each store's own tables: both stores.
pytestmark = pytest.mark.both_stores


@pytest.fixture
def ledger(market: Services) -> Iterator[Ledger]:  # noqa: F811
    opened = Ledger(market.store.location)  # type: ignore[attr-defined]
    yield opened
    opened.close()


def run_sql(store: EventSourcingStore, statement: str, *params: Any) -> None:
    """Tamper with the store behind the platform's back, as someone with database access could."""
    location = store.location
    table = store.events_table_name
    if location.postgres_url:
        with psycopg.connect(location.postgres_url, autocommit=True) as conn:
            sql = statement.format(
                events=f'"{location.postgres_schema}".{table}',
                chain=f'"{location.postgres_schema}".audit_chain',
            )
            conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
    else:
        assert location.sqlite_path is not None
        with sqlite3.connect(location.sqlite_path) as conn:
            conn.execute(statement.format(events=table, chain="audit_chain"), params)


def recorder(svc: Services) -> EventSourcingStore:
    """The store's notification log (the audit chain reads it)."""
    return event_sourcing_store(svc.store)


def test_an_untouched_store_verifies_and_the_chain_links_every_event(
    market: Services,  # noqa: F811
    ledger: Ledger,
) -> None:
    head = market.store.head()
    assert ledger.extend(recorder(market)) == head
    assert ledger.extend(recorder(market)) == 0  # idempotent
    result = ledger.verify(recorder(market))
    assert (result.ok, result.events_checked, result.broken) == (True, head, None)
    first = ledger.links_after(0, 2)
    assert first[0].prev_hash == GENESIS and first[1].prev_hash == first[0].hash
    # A second extender (another process) computes the very same links.
    other = Ledger(market.store.location)  # type: ignore[attr-defined]
    try:
        assert other.last() == ledger.last()
    finally:
        other.close()


@pytest.mark.parametrize(
    ("tampering", "problem"),
    [
        (
            "UPDATE {events} SET state = ? WHERE originator_id = 'organisation' AND "
            "originator_version = 3",
            "event_modified",
        ),
        (
            "DELETE FROM {events} WHERE originator_id = 'organisation' AND originator_version = 3",
            "event_missing",
        ),
        (
            "UPDATE {chain} SET prev_hash = ? WHERE aggregate_id = 'organisation' AND version = 3",
            "link_broken",
        ),
    ],
)
def test_tampering_is_found_at_its_first_broken_link(
    market: Services,  # noqa: F811
    ledger: Ledger,
    tampering: str,
    problem: str,
) -> None:
    ledger.extend(recorder(market))
    target = ledger.links_of("organisation")[3]
    params: tuple[Any, ...] = ()
    if "SET state" in tampering:
        params = (b'{"forged": true}',)
    elif "SET prev_hash" in tampering:
        params = ("f" * 64,)
    run_sql(market.store, tampering, *params)  # type: ignore[arg-type]
    result = ledger.verify(recorder(market))
    assert not result.ok
    assert result.broken is not None
    assert (result.broken.position, result.broken.aggregate_id, result.broken.version) == (
        target.position,
        "organisation",
        3,
    )
    assert result.broken.problem == problem
    assert result.events_checked == target.position - 1


def test_a_history_says_who_did_what_when_and_hides_secrets(
    market: Services,  # noqa: F811
    ledger: Ledger,
) -> None:
    need = needs.post_need(market, operator("COAL-01"), steam())
    offer = needs.submit_offer(market, operator("PWR-01"), need.id, "PWR-01", terms("180"))
    found = history.events_of(market.store, ledger, need.id)  # type: ignore[arg-type]
    assert [e.type for e in found] == [
        "marketplace.need.posted.v2",  # events show in their current public type
        "marketplace.need.offer_received.v1",
    ]
    assert [e.version for e in found] == [1, 2]
    assert found[1].actor == {"unit_id": "PWR-01", "token_id": "tok_PWR-01"}
    assert found[1].data["offer_id"] == offer.id
    assert all(e.public and e.hash and e.prev_hash for e in found)
    assert found[0].position is not None and found[1].position is not None
    assert found[0].position < found[1].position

    issued = tokens.issue_token(
        market, HQ_ADMIN, tokens.IssueToken("COAL-01", [Role.UNIT_OPERATOR], "a")
    )
    [token_event] = history.events_of(market.store, ledger, issued.token_id)  # type: ignore[arg-type]
    assert (token_event.type, token_event.public) == ("AccessToken.Issued", False)
    assert token_event.data["unit_id"] == "COAL-01"
    assert "secret_hash" not in token_event.data
    state = history.state_at(market.store, issued.token_id, None)  # type: ignore[arg-type]
    assert "secret_hash" not in state["state"] and state["state"]["label"] == "a"
    with pytest.raises(NotFound):
        history.events_of(market.store, ledger, "no-such-thing")  # type: ignore[arg-type]


def test_past_states_by_version_and_by_moment(market: Services) -> None:  # noqa: F811
    need = needs.post_need(market, operator("COAL-01"), steam())
    posted_at = market.clock()
    market.clock = lambda: posted_at + timedelta(hours=2)
    needs.cancel_need(market, operator("COAL-01"), need.id, "duplicate")
    store: Any = market.store
    assert history.state_at(store, need.id, 1)["state"]["status"] == "open"
    assert history.state_at(store, need.id, None)["state"]["status"] == "cancelled"
    assert history.version_at(store, need.id, posted_at + timedelta(hours=1)) == 1
    assert history.version_at(store, need.id, posted_at + timedelta(hours=3)) == 2
    with pytest.raises(NotFound):
        history.version_at(store, need.id, datetime(2000, 1, 1, tzinfo=UTC))
    with pytest.raises(NotFound):
        history.state_at(store, need.id, 3)
