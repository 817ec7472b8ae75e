"""Contracts: signatures, special-task pricing, deliveries (a late one is an incident),
completion, termination; quality incidents recorded and resolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from marketplace.aggregates.contract import Contract
from marketplace.aggregates.quality_incident import QualityIncident
from marketplace.handlers import contracts
from marketplace.handlers.errors import Forbidden, InvalidField
from tests.unit.handlers.steps import awarded, signed, special_task
from tests.unit.handlers.world import (
    AUDITOR,
    HQ_ADMIN,
    Command,
    World,
    operator,
    platform_admin,
)

DUE = datetime(2027, 3, 20, tzinfo=UTC)  # the offer's delivery date


def deliver(contract: Contract, quantity: str, at: datetime, by: str = "PWR-01") -> Command[object]:
    amount = Decimal(quantity) * Decimal("180.00")
    return lambda s: contracts.deliver(s, operator(by), contract.id, Decimal(quantity), amount, at)


def test_the_second_signature_activates_the_contract(market: World) -> None:
    contract = awarded(market)
    first = market.when(lambda s: contracts.sign(s, operator("COAL-01"), contract.id, None))
    first.appended("Contract.Signed")
    first.event("Contract.Signed", party_unit_id="COAL-01")
    market.when(lambda s: contracts.sign(s, operator("COAL-01"), contract.id, None)).refused(
        "already_signed"
    )
    second = market.when(lambda s: contracts.sign(s, operator("PWR-01"), contract.id, None))
    second.appended("Contract.Signed", "Contract.Activated")
    second.event("Contract.Activated", amount="216000.00")


def test_only_a_party_signs_and_a_superior_of_both_names_which(market: World) -> None:
    contract = awarded(market)
    sign = lambda p, party=None: lambda s: contracts.sign(s, p, contract.id, party)  # noqa: E731
    market.when(sign(operator("HEAT-02"))).refused("forbidden", Forbidden)
    market.when(sign(platform_admin("HEAT"))).refused("forbidden")
    market.when(sign(HQ_ADMIN)).refused("forbidden")  # acts for both: which one?
    market.when(sign(HQ_ADMIN, "HEAT-02")).refused("forbidden")
    market.when(sign(HQ_ADMIN, "PWR-01")).event("Contract.Signed", party_unit_id="PWR-01")
    market.when(sign(platform_admin("COAL"))).event("Contract.Signed", party_unit_id="COAL-01")


def test_a_delivery_needs_an_active_contract_and_the_supplier(market: World) -> None:
    contract = awarded(market)
    on_time = DUE - timedelta(days=1)
    market.at(DUE - timedelta(hours=12))
    market.when(deliver(contract, "100", on_time)).refused("contract_status")
    for unit in contract.party_ids:
        market.given(lambda s, u=unit: contracts.sign(s, operator(u), contract.id, None))
    market.when(deliver(contract, "100", on_time, by="COAL-01")).refused("forbidden")
    outcome = market.when(deliver(contract, "100", on_time))
    outcome.appended("Contract.Delivered")
    outcome.event("Contract.Delivered", quantity="100", amount="18000.00", late=False)
    market.when(deliver(contract, "1101", on_time)).refused("over_delivery")


def test_a_late_delivery_records_a_delivery_delay_incident_itself(market: World) -> None:
    contract = signed(market)
    late = DUE + timedelta(days=2)
    market.at(late)
    outcome = market.when(deliver(contract, "100", late))
    outcome.appended("Contract.Delivered", "QualityIncident.Recorded")
    outcome.event("Contract.Delivered", late=True)
    outcome.event(
        "QualityIncident.Recorded",
        contract_id=contract.id,
        kind="delivery_delay",
        severity="minor",
        automatic=True,
    )


def test_facts_cannot_be_dated_in_the_future(market: World) -> None:
    contract = signed(market)
    ahead = market.svc.clock() + timedelta(minutes=10)
    market.when(deliver(contract, "100", ahead)).refused("invalid_request", InvalidField)
    record = lambda s: contracts.record_incident(  # noqa: E731
        s, operator("COAL-01"), contract.id, "management", "minor", "x", ahead
    )
    market.when(record).refused("invalid_request")


def test_completion_when_all_is_delivered_or_both_agree(market: World) -> None:
    contract = signed(market)
    complete = lambda unit: lambda s: contracts.complete(s, operator(unit), contract.id, None)  # noqa: E731
    market.when(complete("COAL-01")).appended("Contract.CompletionAgreed")
    both = market.when(complete("PWR-01"))
    both.appended("Contract.CompletionAgreed", "Contract.Completed")
    both.event("Contract.Completed", how="agreement")
    delivered = signed(market)
    market.at(DUE).given(deliver(delivered, "1200", DUE))
    outcome = market.when(lambda s: contracts.complete(s, operator("PWR-01"), delivered.id, None))
    outcome.appended("Contract.Completed")
    outcome.event("Contract.Completed", how="delivered")


def test_either_party_terminates_and_a_closed_contract_stays_closed(market: World) -> None:
    contract = signed(market)
    market.when(
        lambda s: contracts.terminate(s, operator("HEAT-02"), contract.id, "x", None)
    ).refused("forbidden")
    outcome = market.when(
        lambda s: contracts.terminate(s, operator("PWR-01"), contract.id, "plant fire", None)
    )
    outcome.event("Contract.Terminated", reason="plant fire", delivered_amount="0")
    market.when(
        lambda s: contracts.terminate(s, operator("COAL-01"), contract.id, "x", None)
    ).refused("contract_status")


def test_a_special_task_is_priced_by_agreement(market: World) -> None:
    contract = special_task(market)
    assert contract.status.value == "pricing"
    propose = lambda s: contracts.propose_price(  # noqa: E731
        s, operator("COAL-02"), contract.id, Decimal("70000.00"), None
    )
    market.when(propose).event("Contract.PriceProposed", party_unit_id="COAL-02")
    market.when(
        lambda s: contracts.agree_price(s, operator("COAL-01"), contract.id, Decimal("1"), None)
    ).refused("no_such_proposal")
    outcome = market.when(
        lambda s: contracts.agree_price(
            s, operator("COAL-01"), contract.id, Decimal("70000.00"), None
        )
    )
    outcome.appended("Contract.Priced")
    outcome.event("Contract.Priced", amount="70000.00")
    market.when(lambda s: contracts.sign(s, operator("COAL-01"), contract.id, None)).appended(
        "Contract.Signed"
    )


def test_an_escalated_price_is_decided_by_the_mediator_unit_only(market: World) -> None:
    contract = special_task(market)
    decide = lambda p: lambda s: contracts.decide_price(s, p, contract.id, Decimal("72000"))  # noqa: E731
    market.when(decide(platform_admin("COAL"))).refused("forbidden")  # no mediator yet
    outcome = market.when(
        lambda s: contracts.escalate_pricing(s, operator("COAL-02"), contract.id, None)
    )
    outcome.event("Contract.PricingEscalated", mediator_unit_id="COAL")
    market.when(
        lambda s: contracts.escalate_pricing(s, operator("COAL-01"), contract.id, None)
    ).refused("already_escalated")
    market.when(decide(HQ_ADMIN)).refused("forbidden")  # above the mediator, not it
    market.when(decide(operator("COAL-01"))).refused("forbidden")
    market.when(decide(platform_admin("COAL"))).event("Contract.Priced", amount="72000")


def test_superiors_never_price_regular_business(market: World) -> None:
    contract = awarded(market)
    market.when(lambda s: contracts.decide_price(s, HQ_ADMIN, contract.id, Decimal("1"))).refused(
        "forbidden"
    )
    market.when(
        lambda s: contracts.propose_price(s, operator("PWR-01"), contract.id, Decimal("1"), None)
    ).refused("contract_status")


def test_the_demand_unit_records_an_incident_on_an_active_contract(market: World) -> None:
    pending = awarded(market)
    now = market.svc.clock()

    def record(c: Contract, unit: str = "COAL-01") -> Command[QualityIncident]:
        return lambda s: contracts.record_incident(
            s, operator(unit), c.id, "product_quality", "major", "Wet steam", now
        )

    market.when(record(pending)).refused("contract_status")
    contract = signed(market)
    market.when(record(contract, "PWR-01")).refused("forbidden")
    outcome = market.when(record(contract))
    incident = outcome.appended("QualityIncident.Recorded")
    outcome.event("QualityIncident.Recorded", kind="product_quality", automatic=False)
    assert (incident.demand_unit_id, incident.supply_unit_id) == ("COAL-01", "PWR-01")


def test_either_party_resolves_an_open_incident_once(market: World) -> None:
    contract = signed(market)
    now = market.svc.clock()
    incident = market.given(
        lambda s: contracts.record_incident(
            s, operator("COAL-01"), contract.id, "management", "minor", "Late papers", now
        )
    )

    def resolve(unit: str) -> Command[QualityIncident]:
        return lambda s: contracts.resolve_incident(s, operator(unit), incident.id, "Papers sent")

    market.when(resolve("HEAT-02")).refused("forbidden")
    market.when(resolve("PWR-01")).event("QualityIncident.Resolved", resolution="Papers sent")
    market.when(resolve("COAL-01")).refused("incident_not_open")


def test_parties_hq_and_auditors_read_a_contract(market: World) -> None:
    contract = awarded(market)
    for reader in (operator("COAL-01"), operator("PWR-01"), HQ_ADMIN, AUDITOR):
        contracts.may_read(market.svc, reader, contract)
    outcome = market.when(lambda s: contracts.may_read(s, operator("HEAT-02"), contract))
    outcome.refused("forbidden")
