"""Use cases of framework agreements (paper section 4): draw one up, sign it, call off under it
(each call-off an ordinary contract, saved with the agreement in one commit), close an ended
period (a shortfall past the tolerance records a delivery_delay incident), read and list them.
Amendments are in framework_amendments.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.contract import Contract, ContractStatus, TradeForm
from marketplace.aggregates.directive import Directive
from marketplace.aggregates.framework import Framework
from marketplace.aggregates.quality_incident import QualityIncident
from marketplace.handlers.auth import Principal, acts_for, party_acted_for, require_acts_for
from marketplace.handlers.contracts import incident_parties, load_contract
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import active_unit, chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.handlers.reach import reach_of
from marketplace.handlers.synergy import terms_at
from marketplace.projections import framework_list
from marketplace.projections.pages import Page, PageRequest


@dataclass(frozen=True)
class DrawUp:
    """A framework agreement as a party (or a superior over it) draws it up."""

    demand_unit_id: str
    supply_unit_id: str
    item_code: str
    uom: str
    valid_from: date
    valid_to: date
    schedule: list[tuple[str, Decimal, Decimal | None]]  # period, quantity, unit price or None
    category: str = "product"
    business_type: str = "regular"
    directive_id: str | None = None
    shortfall_tolerance_pct: Decimal = Decimal(5)


def load_framework(svc: Services, framework_id: str, *, reading: bool = False) -> Framework:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(Framework, framework_id, "Framework agreement", reading=reading)


def party(
    svc: Services, principal: Principal, framework: Framework, wanted: str | None = None
) -> str:
    """The party the caller acts for (an explicit `wanted` one, or the only one it can)."""
    return party_acted_for(
        principal, framework.party_ids, chart(svc), wanted, "the framework agreement"
    )


def draw_up(svc: Services, principal: Principal, terms: DrawUp) -> Framework:
    """Either party, or a platform admin or HQ for a party within reach, draws it up; both
    parties then sign it."""
    org = chart(svc)
    parties = (terms.demand_unit_id, terms.supply_unit_id)
    for unit_id in parties:
        org.get(unit_id)  # 404 for a unit that does not exist
    if not any(acts_for(principal, u, org) for u in parties):
        raise Forbidden(
            "This token acts for neither party of the framework agreement.",
            {"unit_ids": list(parties)},
        )
    for unit_id in parties:
        active_unit(org, unit_id)
    if terms.business_type == "special_task":
        _check_directive(svc, terms)
    framework = Framework.create(
        svc.new_id("fwk"), terms.demand_unit_id, terms.supply_unit_id, terms.item_code,
        terms.uom, terms.category, terms.business_type, terms.directive_id, terms.valid_from,
        terms.valid_to, terms.schedule, terms.shortfall_tolerance_pct, principal.actor,
        svc.clock(),
    )  # fmt: skip
    svc.store.save(framework)
    return framework


def _check_directive(svc: Services, terms: DrawUp) -> None:
    """A special task needs an approved directive for the same two units and item."""
    directive = svc.store.view(terms.directive_id, Directive) if terms.directive_id else None
    if directive is None or (
        directive.demand_unit_id,
        directive.supply_unit_id,
        directive.item_code,
    ) != (terms.demand_unit_id, terms.supply_unit_id, terms.item_code):
        raise DomainError(
            "directive_required",
            "A special task needs an approved directive for these two units and this item.",
            {"directive_id": terms.directive_id},
        )


def sign(svc: Services, principal: Principal, framework_id: str, wanted: str | None) -> Framework:
    def attempt() -> Framework:
        framework = load_framework(svc, framework_id)
        framework.sign(party(svc, principal, framework, wanted), principal.actor, svc.clock())
        svc.store.save(framework)
        return framework

    return svc.retrying(attempt)


def call_off(
    svc: Services, principal: Principal, framework_id: str, period: str, quantity: Decimal
) -> tuple[Framework, Contract]:
    """The demand unit calls off `quantity` of `period`: a contract, active at once, saved with
    the agreement in one commit, so racing call-offs never exceed the period's quantity."""
    org = chart(svc)
    contract_id = svc.new_id("con")

    def attempt() -> tuple[Framework, Contract]:
        framework = load_framework(svc, framework_id)
        require_acts_for(principal, framework.demand_unit_id, org)
        for unit_id in framework.party_ids:
            active_unit(org, unit_id)
        now = svc.clock()
        today = now.astimezone(svc.zone).date()
        made = framework.call_off(contract_id, period, quantity, today, principal.actor, now)
        contract = Contract.arrange(
            contract_id, framework.demand_unit_id, framework.supply_unit_id,
            framework.business_type, framework.item_code, quantity, made.unit_price,
            org.context_of(framework.demand_unit_id, "demand")
            | org.context_of(framework.supply_unit_id, "supply"),
            principal.actor, now, trade_form=TradeForm.FRAMEWORK, source_id=made.call_off_id,
            category=framework.category, delivery_date=made.delivery_date,
            terms=terms_at(svc, now),
        )  # fmt: skip
        svc.store.save(framework, contract)
        return framework, contract

    return svc.retrying(attempt)


def close_period(
    svc: Services, principal: Principal, framework_id: str, period: str
) -> tuple[Framework, QualityIncident | None]:
    """The demand unit closes an ended period with what its call-off contracts delivered; a
    shortfall past the tolerance records a delivery_delay incident against the supplier on the
    period's last call-off contract that can take one (none when nothing was called off)."""
    incident_id = svc.new_id("inc")

    def attempt() -> tuple[Framework, QualityIncident | None]:
        framework = load_framework(svc, framework_id)
        require_acts_for(principal, framework.demand_unit_id, chart(svc))
        terms = framework.scheduled(period, in_path=True)
        contracts = [load_contract(svc, c, reading=True) for c in terms.call_offs]
        delivered = sum((c.delivered_quantity for c in contracts), Decimal(0))
        takers = [c for c in contracts if c.status in _INCIDENT_TAKERS]
        now = svc.clock()
        breached = framework.close_period(
            period, delivered, incident_id if takers else None,
            now.astimezone(svc.zone).date(), principal.actor, now,
        )  # fmt: skip
        incident = None
        if breached and takers:
            on = takers[-1]
            incident = _shortfall_incident(svc, framework, period, on, incident_id, principal, now)
        svc.store.save(framework, *([incident] if incident else []))
        return framework, incident

    return svc.retrying(attempt)


_INCIDENT_TAKERS = (ContractStatus.ACTIVE, ContractStatus.COMPLETED)


def _shortfall_incident(
    svc: Services,
    framework: Framework,
    period: str,
    contract: Contract,
    incident_id: str,
    principal: Principal,
    now: datetime,
) -> QualityIncident:
    terms = framework.periods[period]
    closure = terms.closure
    assert closure is not None
    ended = datetime.combine(terms.last_day + timedelta(days=1), time(), svc.zone)
    description = (
        f"Framework {framework.id}, period {period}: {closure.delivered} of the "
        f"{terms.quantity} {framework.uom} scheduled delivered ({terms.called_off} called off), "
        f"{closure.shortfall} short ({closure.shortfall_pct}%, over the tolerance of "
        f"{framework.shortfall_tolerance_pct}%)."
    )
    return QualityIncident.record(
        incident_id, contract.id, contract.status.value, incident_parties(contract),
        "delivery_delay", "major", description, ended, True, principal.actor, now,
    )  # fmt: skip


def may_read(svc: Services, principal: Principal, framework: Framework) -> None:
    """The parties (their operators, platform admins, HQ), auditors, and a mediator an
    amendment was escalated to."""
    org = chart(svc)
    if principal.has(Role.AUDITOR) or any(acts_for(principal, p, org) for p in framework.party_ids):
        return
    mediators = {a.mediator_unit_id for a in framework.amendments if a.mediator_unit_id}
    if any(acts_for(principal, m, org) for m in mediators):
        return
    raise Forbidden("Only the agreement's parties (and HQ, auditors) read it.")


@dataclass(frozen=True)
class CallOffFigures:
    """A call-off contract as the agreement's view shows it."""

    contract_id: str
    call_off_id: str
    quantity: Decimal
    delivered_quantity: Decimal
    status: ContractStatus


@dataclass(frozen=True)
class FrameworkView:
    """An agreement and, per period, its call-off contracts as they stand (from the store:
    what a period's closing counts)."""

    framework: Framework
    call_offs: dict[str, list[CallOffFigures]]


def view_of(svc: Services, framework: Framework) -> FrameworkView:
    call_offs: dict[str, list[CallOffFigures]] = {}
    for period, terms in framework.periods.items():
        contracts = [load_contract(svc, c, reading=True) for c in terms.call_offs]
        call_offs[period] = [
            CallOffFigures(c.id, c.source_id or "", c.quantity, c.delivered_quantity, c.status)
            for c in contracts
        ]
    return FrameworkView(framework, call_offs)


def read_framework(svc: Services, principal: Principal, framework_id: str) -> FrameworkView:
    framework = load_framework(svc, framework_id, reading=True)
    may_read(svc, principal, framework)
    return view_of(svc, framework)


async def frameworks(
    svc: Services,
    principal: Principal,
    models: ReadModels,
    unit_id: str | None,
    status: str | None,
    page: PageRequest,
) -> Page:
    """Agreements the unit (default: any within reach) is a party to, the newest first."""
    reach = reach_of(principal, chart(svc))
    reach.require(unit_id, "unit_id")
    reader = await models.reader(framework_list.PROJECTION.name)
    return await framework_list.frameworks_of(reader, reach.narrowed(unit_id), status, page)
