"""Sealed bids at rest: one token length for every amount, and a tender whose bids were sealed
before padding still opens, each revealed amount matching its commitment."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.seal import AesGcmSealer
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.bid import Bid, commitment
from marketplace.aggregates.need import NeedSpec
from marketplace.demo import organisation_yaml, seed_catalog
from marketplace.handlers import needs, tenders
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.handlers.unit_import import import_units
from tests.integration.conftest import HQ_ADMIN, services_on

KEY = os.urandom(32)
LAUNCHED = datetime(2027, 3, 1, 9, tzinfo=UTC)


class UnpaddedSealer:
    """The sealed format of the version before padding, byte for byte (a bid already stored)."""

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(KEY).encrypt(nonce, plaintext.encode(), b"marketplace.bid")
        return base64.urlsafe_b64encode(sealed).decode()

    def unseal(self, token: str) -> str:
        raise AssertionError("the previous version never opens bids here")


def operator(unit: str) -> Principal:
    return Principal(f"tok_{unit}", unit, frozenset({Role.UNIT_OPERATOR}))


@pytest.fixture
def market(tmp_path: Path) -> Iterator[Services]:
    """The demo chart and catalog on one SQLite store (the store plays no part here)."""
    store = EventSourcingStore(StoreLocation(sqlite_path=tmp_path / "events.sqlite3"))
    svc = services_on(store)
    svc.clock = lambda: LAUNCHED
    svc.sealer = AesGcmSealer(KEY)
    import_units(svc, Actor(None, "cli"), organisation_yaml())
    seed_catalog(svc, HQ_ADMIN)
    yield svc
    store.close()


def tender_on_steam(svc: Services) -> str:
    spec = NeedSpec(
        "COAL-01", "Steam", "product", "heat", "STEAM-LP", Decimal("1200"), "t",
        date(2027, 4, 1), Decimal("230000.00"), "regular", "tender",
    )  # fmt: skip
    need = needs.post_need(svc, operator("COAL-01"), spec)
    launched = tenders.launch_tender(
        svc, operator("COAL-01"), need.id, ["HEAT-02", "PWR-01"],
        LAUNCHED + timedelta(days=1), "lowest_price", Decimal("2"), None,
    )  # fmt: skip
    return launched.id


def bid(svc: Services, tender_id: str, amount: str, unit: str | None) -> Bid:
    who = unit or "COAL-01"
    return tenders.submit_bid(
        svc, operator(who), tender_id, unit, None if unit else "Outside Steam Ltd",
        Decimal(amount), date(2027, 4, 1),
    )  # fmt: skip


def test_sealed_amounts_all_have_one_length(market: Services) -> None:
    tender_id = tender_on_steam(market)
    amounts = ["0.01", "7", "1005.83", "12345678.9", "999999999999999.99"]
    sealed = {len(bid(market, tender_id, a, "HEAT-02").sealed) for a in amounts}
    assert len(sealed) == 1


def test_bids_sealed_before_padding_open_and_match_their_commitments(market: Services) -> None:
    tender_id = tender_on_steam(market)
    market.sealer = UnpaddedSealer()
    before = bid(market, tender_id, "1020.37", "HEAT-02")
    market.sealer = AesGcmSealer(KEY)
    after = [bid(market, tender_id, "1005.83", "PWR-01"), bid(market, tender_id, "0.01", None)]
    assert not before.sealed.startswith("v2.")
    assert all(b.sealed.startswith("v2.") for b in after)
    market.clock = lambda: LAUNCHED + timedelta(days=2)
    tenders.open_bids(market, operator("COAL-01"), tender_id)
    store = market.store
    assert isinstance(store, EventSourcingStore)
    opened: Any = store.events_of(tender_id)[-1]  # an event class the decorator made
    assert type(opened).__name__ == "BidsOpened"
    revealed = {b["bidder"]: b for b in opened.bids}
    assert {k: v["amount"] for k, v in revealed.items()} == {
        "HEAT-02": "1020.37",
        "PWR-01": "1005.83",
        "external:Outside Steam Ltd": "0.01",
    }
    for b in opened.bids:  # what anyone can check against the commitment made before
        assert commitment(Decimal(b["amount"]), b["nonce"]) == b["commitment"]
        assert store.get(b["bid_id"], Bid).commitment == b["commitment"]  # type: ignore[union-attr]
