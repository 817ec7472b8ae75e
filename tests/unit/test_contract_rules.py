"""Contracts, quality incidents, disputes and mediator routing: given/when/then."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.contract import Contract, ContractStatus, TradeForm
from marketplace.aggregates.dispute import Dispute
from marketplace.aggregates.organisation import Level
from marketplace.aggregates.quality_incident import QualityIncident
from tests.unit.org_fixtures import ACTOR, chart

T = datetime(2027, 3, 1, 9, tzinfo=UTC)
PARTIES = {
    "demand_unit_id": "COAL-01",
    "demand_sector": "coal",
    "supply_unit_id": "PWR-01",
    "supply_sector": "power",
}


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(DomainError) as info:
        yield
    assert info.value.code == code


def contract(business_type: str = "regular") -> Contract:
    return Contract.award(
        "con-1",
        "need-1",
        "off-1",
        "COAL-01",
        "PWR-01",
        business_type,
        "STEAM-LP",
        Decimal("100"),
        Decimal("10.00"),
        PARTIES,
        ACTOR,
        T,
        category="product",
        delivery_date=date(2027, 3, 31),
    )


def active() -> Contract:
    c = contract()
    c.sign("COAL-01", ACTOR, T)
    c.sign("PWR-01", ACTOR, T)
    return c


def test_both_signatures_activate() -> None:
    c = contract()
    c.sign("PWR-01", ACTOR, T)
    assert c.status is ContractStatus.AWAITING_SIGNATURES
    with refused("already_signed"):
        c.sign("PWR-01", ACTOR, T)
    with refused("not_a_party"):
        c.sign("HEAT-01", ACTOR, T)
    c.sign("COAL-01", ACTOR, T)
    assert c.status is ContractStatus.ACTIVE


def test_special_task_pricing_by_agreement() -> None:
    c = contract("special_task")
    assert c.status is ContractStatus.PRICING
    with refused("contract_status"):
        c.sign("COAL-01", ACTOR, T)
    c.propose_price("PWR-01", Decimal("1200.00"), ACTOR, T)
    with refused("no_such_proposal"):
        c.agree_price("COAL-01", Decimal("1100.00"), ACTOR, T)
    with refused("no_such_proposal"):  # one cannot accept one's own proposal
        c.agree_price("PWR-01", Decimal("1200.00"), ACTOR, T)
    c.agree_price("COAL-01", Decimal("1200.00"), ACTOR, T)
    assert c.status is ContractStatus.AWAITING_SIGNATURES and c.amount == Decimal("1200.00")


def test_special_task_pricing_by_the_superiors_decision() -> None:
    c = contract("special_task")
    with refused("not_escalated"):
        c.decide_price("HQ", Decimal("1"), ACTOR, T)
    c.escalate_pricing("COAL-01", "HQ", ACTOR, T)
    with refused("already_escalated"):
        c.escalate_pricing("PWR-01", "HQ", ACTOR, T)
    with refused("not_escalated"):
        c.decide_price("COAL", Decimal("1"), ACTOR, T)
    c.decide_price("HQ", Decimal("1150.00"), ACTOR, T)
    assert c.amount == Decimal("1150.00") and c.status is ContractStatus.AWAITING_SIGNATURES


def test_regular_contracts_are_not_negotiated() -> None:
    with refused("contract_status"):
        contract().propose_price("PWR-01", Decimal("1"), ACTOR, T)


def test_deliveries_never_exceed_the_contract_and_late_ones_are_flagged() -> None:
    c = active()
    assert c.deliver(Decimal("60"), Decimal("600"), T, ACTOR, T) is False
    with refused("over_delivery"):
        c.deliver(Decimal("41"), Decimal("410"), T, ACTOR, T)
    assert (
        c.deliver(Decimal("40"), Decimal("400"), datetime(2027, 4, 2, tzinfo=UTC), ACTOR, T) is True
    )
    c.complete("COAL-01", ACTOR, T)
    assert c.status is ContractStatus.COMPLETED
    with refused("contract_status"):
        c.deliver(Decimal("1"), Decimal("1"), T, ACTOR, T)


def test_completion_by_agreement_and_termination() -> None:
    c = active()
    c.deliver(Decimal("10"), Decimal("100"), T, ACTOR, T)
    c.complete("COAL-01", ACTOR, T)
    assert c.status is ContractStatus.ACTIVE
    c.complete("PWR-01", ACTOR, T)
    assert c.status is ContractStatus.COMPLETED
    other = active()
    other.terminate("PWR-01", "plant shut down", ACTOR, T)
    assert other.status is ContractStatus.TERMINATED
    with refused("contract_status"):
        other.terminate("COAL-01", "again", ACTOR, T)


def incident(status: str = "active") -> QualityIncident:
    return QualityIncident.record(
        "inc-1",
        "con-1",
        status,
        PARTIES,
        "product_quality",
        "major",
        "wet steam",
        T,
        False,
        ACTOR,
        T,
    )


def test_incidents_need_an_active_or_completed_contract_and_resolve_once() -> None:
    with refused("contract_status"):
        incident("awaiting_signatures")
    i = incident("completed")
    i.resolve("replaced batch", ACTOR, T)
    with refused("incident_not_open"):
        i.resolve("again", ACTOR, T)
    with refused("incident_not_open"):
        i.escalate("dsp-1", ACTOR, T)


def dispute() -> Dispute:
    return Dispute.raise_dispute(
        "dsp-1", "COAL-01", "PWR-01", "contract", "con-1", "quality", "wet steam", {}, ACTOR, T
    )


def test_a_dispute_is_mediated_resolved_settled_or_withdrawn() -> None:
    with refused("self_dispute"):
        Dispute.raise_dispute("d", "A", "A", "contract", "c", "other", "x", {}, ACTOR, T)
    d = dispute()
    with refused("not_the_mediator"):
        d.resolve("HQ", "x", ACTOR, T)
    d.request_mediation("PWR-01", "HQ", "different_sectors", ACTOR, T)
    assert (d.status, d.mediator_unit_id) == ("in_mediation", "HQ")
    with refused("dispute_status"):
        d.request_mediation("COAL-01", "HQ", "different_sectors", ACTOR, T)
    with refused("not_the_mediator"):
        d.resolve("COAL", "x", ACTOR, T)
    d.resolve("HQ", "PWR-01 refunds 10%", ACTOR, T)
    assert d.status == "resolved"
    s = dispute()
    s.settle("COAL-01", "refund 5%", ACTOR, T)
    s.settle("PWR-01", "refund 4%", ACTOR, T)
    assert s.status == "negotiating"
    s.settle("PWR-01", "refund 5%", ACTOR, T)
    assert s.status == "settled"
    w = dispute()
    with refused("not_the_raiser"):
        w.withdraw("PWR-01", ACTOR, T)
    w.withdraw("COAL-01", ACTOR, T)
    with refused("dispute_closed"):
        w.withdraw("COAL-01", ACTOR, T)


def group() -> Any:
    """Three sectors, nested enterprises, and an enterprise whose sector changed."""
    g, p, e = Level.GROUP, Level.PLATFORM, Level.ENTERPRISE
    org = chart(
        ("HQ", g, None),
        ("PWR", p, "HQ"),
        ("HEAT", p, "HQ"),
        ("COAL", p, "HQ"),
        ("PWR-01", e, "PWR"),
        ("PWR-02", e, "PWR"),
        ("PWR-01A", e, "PWR-01"),
        ("PWR-01B", e, "PWR-01"),
        ("HEAT-01", e, "HEAT"),
        ("COAL-01", e, "COAL"),
        ("PWR-09", e, "PWR"),
    )
    org.update_unit("PWR-09", ACTOR, T, sector="heat")  # restructured into another sector
    org.register_unit(
        "PWR2", "Second power platform", Level.PLATFORM, "HQ", "pwr", actor=ACTOR, timestamp=T
    )
    return org


@pytest.mark.parametrize(
    ("a", "b", "mediator", "rule"),
    [
        ("PWR-01", "PWR-02", "PWR", "lowest_common_superior"),
        ("PWR-01A", "PWR-01B", "PWR-01", "lowest_common_superior"),  # nested: their parent
        ("PWR-01A", "PWR-02", "PWR", "lowest_common_superior"),
        ("PWR-01", "HEAT-01", "HQ", "different_sectors"),
        ("PWR-01A", "COAL-01", "HQ", "different_sectors"),
        ("PWR-01", "PWR-09", "HQ", "different_sectors"),  # same platform, sectors differ
        ("PWR", "PWR-01", "HQ", "only_common_superior"),  # a platform and its own enterprise
        ("PWR", "PWR2", "HQ", "only_common_superior"),  # two platforms of one sector
        ("HEAT", "PWR-01", "HQ", "different_sectors"),
    ],
)
def test_mediator_routing(a: str, b: str, mediator: str, rule: str) -> None:
    assert group().mediator_for(a, b) == (mediator, rule)
    assert group().mediator_for(b, a) == (mediator, rule)


def test_the_group_itself_has_no_mediator() -> None:
    with refused("no_common_superior"):
        group().mediator_for("HQ", "PWR-01")


def contract_cycle() -> list[Any]:
    """Every public contract, incident and dispute event."""
    c = contract("special_task")
    c.propose_price("PWR-01", Decimal("1200.00"), ACTOR, T)
    c.escalate_pricing("COAL-01", "HQ", ACTOR, T)
    c.decide_price("HQ", Decimal("1100.00"), ACTOR, T)
    c.sign("COAL-01", ACTOR, T)
    c.sign("PWR-01", ACTOR, T)
    c.deliver(Decimal("50"), Decimal("550.00"), T + timedelta(days=40), ACTOR, T)
    c.complete("COAL-01", ACTOR, T)
    c.complete("PWR-01", ACTOR, T)
    t = active()
    t.terminate("PWR-01", "shut down", ACTOR, T)
    i = incident()
    i.resolve("fixed", ACTOR, T)
    j = incident()
    j.escalate("dsp-1", ACTOR, T)
    d = dispute()
    d.request_mediation("PWR-01", "HQ", "different_sectors", ACTOR, T)
    d.resolve("HQ", "refund", ACTOR, T)
    s = dispute()
    s.settle("COAL-01", "x", ACTOR, T)
    s.settle("PWR-01", "x", ACTOR, T)
    w = dispute()
    w.withdraw("COAL-01", ACTOR, T)
    events: list[Any] = []
    for aggregate in (c, t, i, j, d, s, w):
        events += aggregate.collect_events()
    return events


def test_an_arranged_contract_is_active_at_once_and_names_its_source() -> None:
    c = Contract.arrange(
        "con-2",
        "COAL-01",
        "PWR-01",
        "regular",
        "COAL-THERMAL",
        Decimal("300"),
        Decimal("612.50"),
        PARTIES,
        ACTOR,
        T,
        trade_form=TradeForm.FRAMEWORK,
        source_id="fwk-1/2027-01/1",
        category="product",
    )
    created, activated = c.collect_events()
    assert (created.status, created.trade_form, created.source_id) == (  # type: ignore[attr-defined]
        "active",
        "framework",
        "fwk-1/2027-01/1",
    )
    assert (created.need_id, created.offer_id) == ("", "")  # type: ignore[attr-defined]
    assert activated.amount == "183750.00"  # type: ignore[attr-defined]
    assert (c.status, c.trade_form) == (ContractStatus.ACTIVE, TradeForm.FRAMEWORK)
    c.deliver(Decimal("300"), Decimal("183750.00"), T, ACTOR, T)
    c.complete("COAL-01", ACTOR, T)
    assert c.status is ContractStatus.COMPLETED


def test_an_award_is_a_one_off_contract_from_its_need() -> None:
    c = contract()
    assert (c.trade_form, c.source_id) == (TradeForm.ONE_OFF, None)
