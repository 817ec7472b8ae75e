"""Disputes: raised by a party about what it may read, routed to the right mediator, resolved
only by that mediator unit, settled by both parties alike, withdrawn by the raiser."""

from __future__ import annotations

from marketplace.aggregates.contract import Contract
from marketplace.aggregates.dispute import Dispute
from marketplace.handlers import contracts, disputes
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import Forbidden, NotFound
from tests.unit.handlers.steps import awarded, posted, signed, special_task
from tests.unit.handlers.world import (
    AUDITOR,
    HQ_ADMIN,
    Command,
    World,
    operator,
    platform_admin,
)


def raise_on(contract: Contract, by: Principal, raiser: str = "COAL-01") -> Command[Dispute]:
    against = "PWR-01" if raiser == "COAL-01" else "COAL-01"
    return lambda s: disputes.raise_dispute(
        s, by, raiser, "contract", contract.id, against, "price", "Overcharged"
    )


def raised(world: World) -> Dispute:
    """COAL-01 disputes its steam contract with PWR-01 (different sectors: HQ mediates)."""
    return world.given(raise_on(awarded(world), operator("COAL-01")))


def test_a_party_raises_a_dispute_about_its_contract(market: World) -> None:
    contract = awarded(market)
    outcome = market.when(raise_on(contract, operator("COAL-01")))
    outcome.appended("Dispute.Raised")
    raised_ = outcome.event(
        "Dispute.Raised", raiser_unit_id="COAL-01", against_unit_id="PWR-01", subject_id=contract.id
    )
    assert (raised_.context["raiser_platform_id"], raised_.context["against_platform_id"]) == (
        "COAL",
        "PWR",
    )


def test_a_dispute_names_two_parties_of_its_subject(market: World) -> None:
    contract = awarded(market)
    market.when(raise_on(contract, operator("PWR-01"))).refused("forbidden", Forbidden)
    outsider = lambda s: disputes.raise_dispute(  # noqa: E731
        s, HQ_ADMIN, "COAL-01", "contract", contract.id, "HEAT-02", "price", "x"
    )
    market.when(outsider).refused("forbidden")
    myself = lambda s: disputes.raise_dispute(  # noqa: E731
        s, HQ_ADMIN, "COAL-01", "contract", contract.id, "COAL-01", "price", "x"
    )
    market.when(myself).refused("self_dispute")


def test_a_subject_the_caller_may_not_read_is_answered_as_missing(market: World) -> None:
    contract = awarded(market)
    hidden = lambda s: disputes.raise_dispute(  # noqa: E731
        s, operator("HEAT-02"), "HEAT-02", "contract", contract.id, "PWR-01", "price", "x"
    )
    unreadable = market.when(hidden).refused("not_found", NotFound)
    missing = market.when(
        lambda s: disputes.raise_dispute(
            s, operator("HEAT-02"), "HEAT-02", "contract", "con_404", "PWR-01", "price", "x"
        )
    ).refused("not_found")
    assert unreadable.message.replace(contract.id, "?") == missing.message.replace("con_404", "?")


def test_a_need_dispute_may_name_a_matched_supplier(market: World) -> None:
    need = posted(market)
    outcome = market.when(
        lambda s: disputes.raise_dispute(
            s, operator("COAL-01"), "COAL-01", "need", need.id, "HEAT-02", "other", "late offer"
        )
    )
    outcome.event("Dispute.Raised", subject_type="need", against_unit_id="HEAT-02")


def test_mediation_goes_to_hq_across_sectors(market: World) -> None:
    dispute = raised(market)
    market.when(lambda s: disputes.request_mediation(s, operator("HEAT-02"), dispute.id)).refused(
        "forbidden"
    )
    outcome = market.when(lambda s: disputes.request_mediation(s, operator("PWR-01"), dispute.id))
    outcome.appended("Dispute.MediationRequested")
    outcome.event(
        "Dispute.MediationRequested",
        party_unit_id="PWR-01",
        mediator_unit_id="HQ",
        rule="different_sectors",
    )
    market.when(lambda s: disputes.request_mediation(s, operator("COAL-01"), dispute.id)).refused(
        "dispute_status"
    )


def test_mediation_within_a_sector_goes_to_the_platform_not_hq(market: World) -> None:
    contract = special_task(market)  # COAL-01 buys from COAL-02
    dispute = market.given(
        lambda s: disputes.raise_dispute(
            s, operator("COAL-02"), "COAL-02", "contract", contract.id, "COAL-01", "price", "x"
        )
    )
    outcome = market.when(lambda s: disputes.request_mediation(s, operator("COAL-02"), dispute.id))
    outcome.event(
        "Dispute.MediationRequested", mediator_unit_id="COAL", rule="lowest_common_superior"
    )
    resolve = lambda p: lambda s: disputes.resolve(s, p, dispute.id, "Split")  # noqa: E731
    market.when(resolve(HQ_ADMIN)).refused("forbidden")  # above the mediator, not it
    market.when(resolve(platform_admin("COAL"))).appended("Dispute.Resolved")


def test_only_the_mediator_unit_resolves(market: World) -> None:
    dispute = raised(market)
    resolve = lambda p: lambda s: disputes.resolve(s, p, dispute.id, "Refund 5%")  # noqa: E731
    market.when(resolve(HQ_ADMIN)).refused("not_the_mediator")  # not in mediation yet
    market.given(lambda s: disputes.request_mediation(s, operator("COAL-01"), dispute.id))
    market.when(resolve(operator("COAL-01"))).refused("forbidden")
    market.when(resolve(platform_admin("COAL"))).refused("forbidden")
    outcome = market.when(resolve(HQ_ADMIN))
    outcome.event("Dispute.Resolved", decision="Refund 5%", mediator_unit_id="HQ")
    market.when(resolve(HQ_ADMIN)).refused("not_the_mediator")


def test_both_parties_stating_one_settlement_settle_it(market: World) -> None:
    dispute = raised(market)
    settle = lambda unit, text: lambda s: disputes.settle(s, operator(unit), dispute.id, text)  # noqa: E731
    market.when(settle("HEAT-02", "x")).refused("forbidden")
    market.when(settle("COAL-01", "Refund 3%")).appended("Dispute.SettlementStated")
    market.when(settle("PWR-01", "Refund 2%")).appended("Dispute.SettlementStated")
    outcome = market.when(settle("PWR-01", "Refund 3%"))
    outcome.appended("Dispute.SettlementStated", "Dispute.Settled")
    outcome.event("Dispute.Settled", settlement="Refund 3%")
    market.when(settle("COAL-01", "more")).refused("dispute_closed")


def test_only_the_raiser_withdraws_and_hq_names_the_party(market: World) -> None:
    dispute = raised(market)
    withdraw = lambda p, party=None: lambda s: disputes.withdraw(s, p, dispute.id, party)  # noqa: E731
    market.when(withdraw(operator("PWR-01"))).refused("not_the_raiser")
    market.when(withdraw(HQ_ADMIN)).refused("forbidden")  # acts for both parties
    market.when(withdraw(HQ_ADMIN, "COAL-01")).appended("Dispute.Withdrawn")
    market.when(withdraw(operator("COAL-01"))).refused("dispute_closed")


def test_hq_requests_mediation_for_a_named_party(market: World) -> None:
    dispute = raised(market)
    outcome = market.when(lambda s: disputes.request_mediation(s, HQ_ADMIN, dispute.id, "PWR-01"))
    outcome.event("Dispute.MediationRequested", party_unit_id="PWR-01")


def test_an_unresolved_incident_escalates_into_a_dispute_in_one_step(market: World) -> None:
    contract = signed(market)
    now = market.svc.clock()
    incident = market.given(
        lambda s: contracts.record_incident(
            s, operator("COAL-01"), contract.id, "product_quality", "major", "Wet steam", now
        )
    )

    def escalate(unit: str) -> Command[Dispute]:
        return lambda s: disputes.escalate_incident(s, operator(unit), incident.id, "Still wet")

    market.when(escalate("PWR-01")).refused("forbidden")
    outcome = market.when(escalate("COAL-01"))
    dispute = outcome.appended("QualityIncident.Escalated", "Dispute.Raised")
    outcome.event("QualityIncident.Escalated", dispute_id=dispute.id)
    outcome.event(
        "Dispute.Raised",
        subject_type="quality_incident",
        subject_id=incident.id,
        kind="quality",
        raiser_unit_id="COAL-01",
    )
    market.when(escalate("COAL-01")).refused("already_disputed")


def test_the_parties_and_the_mediator_chain_read_a_dispute(market: World) -> None:
    dispute = raised(market)
    market.given(lambda s: disputes.request_mediation(s, operator("COAL-01"), dispute.id))
    stored = disputes.load_dispute(market.svc, dispute.id)
    for reader in (operator("COAL-01"), operator("PWR-01"), HQ_ADMIN, AUDITOR):
        disputes.may_read(market.svc, reader, stored)
    outcome = market.when(lambda s: disputes.may_read(s, platform_admin("HEAT"), stored))
    outcome.refused("forbidden")
