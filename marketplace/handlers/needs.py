"""Use cases of needs and offers: post (with matching), offer, revise, withdraw, award."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.contract import Contract
from marketplace.aggregates.directive import Directive
from marketplace.aggregates.need import Match, Need, NeedSpec
from marketplace.aggregates.offer import Offer
from marketplace.aggregates.organisation import Organisation
from marketplace.aggregates.visit import ExchangeVisit, visit_of_lead
from marketplace.handlers.auth import Principal, acts_for, require_acts_for, require_role
from marketplace.handlers.catalog import find_version_in_force
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import active_unit, chart
from marketplace.handlers.pool_contracts import share_out, to_source
from marketplace.handlers.ports import Services
from marketplace.handlers.synergy import reference_of


@dataclass(frozen=True)
class OfferTerms:
    unit_price: Decimal
    quantity: Decimal
    delivery_date: date
    valid_until: datetime


def load_need(svc: Services, need_id: str, *, reading: bool = False) -> Need:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(Need, need_id, "Need", reading=reading)


def load_offer(svc: Services, offer_id: str) -> Offer:
    return svc.load(Offer, offer_id, "Offer")


def catalog_matches(
    svc: Services, item_code: str, demand_unit_id: str
) -> tuple[str | None, list[Match]]:
    """The catalog suppliers of the item in the version in force now (never the demand unit)."""
    version = find_version_in_force(svc, svc.clock())
    if version is None:
        return None, []
    return version.id, [
        Match(e.entry_id, e.supplier_unit_id, e.item_code, e.reference_price)
        for e in version.approved_for_item(item_code)
        if e.supplier_unit_id != demand_unit_id
    ]


def post_need(svc: Services, principal: Principal, spec: NeedSpec) -> Need:
    need = new_need(svc, principal, spec)
    svc.store.save(need)
    return need


def new_need(svc: Services, principal: Principal, spec: NeedSpec) -> Need:
    """A need posted by the rules (who may, directive, lead, catalog matching), not yet saved:
    a joint procurement's launch saves it with the pool."""
    org = chart(svc)
    require_acts_for(principal, spec.demand_unit_id, org)
    active_unit(org, spec.demand_unit_id)
    if spec.business_type == "special_task":
        _check_directive(svc, spec)
    if spec.lead_id is not None:
        _check_lead(svc, spec.lead_id, spec.demand_unit_id, org)
    version_id, matches = catalog_matches(svc, spec.item_code, spec.demand_unit_id)
    return Need.post(
        svc.new_id("need"),
        spec,
        org.context_of(spec.demand_unit_id, "demand"),
        version_id,
        matches,
        principal.actor,
        svc.clock(),
    )


def _check_lead(svc: Services, lead_id: str, demand_unit_id: str, org: Organisation) -> None:
    """The lead must be one a held exchange visit recorded (a visit has leads only once held),
    and the need must come from a unit that took part in it or from one under such a unit."""
    visit_id = visit_of_lead(lead_id)
    visit = svc.store.view(visit_id, ExchangeVisit) if visit_id else None
    if not isinstance(visit, ExchangeVisit) or visit.lead(lead_id) is None:
        raise DomainError(
            "unknown_lead",
            f"No held exchange visit recorded the lead {lead_id!r}.",
            {"lead_id": lead_id},
        )
    if not any(org.is_within(demand_unit_id, unit) for unit in visit.units):
        # The visit's units are left out: the demand unit may not read the visit.
        raise DomainError(
            "lead_not_of_unit",
            f"Unit {demand_unit_id!r} took no part in the exchange visit that found the lead "
            f"{lead_id!r}, nor is it under a unit that did.",
            {"lead_id": lead_id, "demand_unit_id": demand_unit_id},
        )


def _check_directive(svc: Services, spec: NeedSpec) -> None:
    directive = svc.store.get(spec.directive_id, Directive) if spec.directive_id else None
    if (
        directive is None
        or directive.demand_unit_id != spec.demand_unit_id
        or directive.item_code != spec.item_code
    ):
        raise DomainError(
            "directive_required",
            "A special task needs an approved directive for this demand unit and item.",
            {"directive_id": spec.directive_id},
        )


def submit_offer(
    svc: Services, principal: Principal, need_id: str, supplier_unit_id: str, terms: OfferTerms
) -> Offer:
    org = chart(svc)
    require_acts_for(principal, supplier_unit_id, org)
    active_unit(org, supplier_unit_id)
    offer_id = svc.new_id("off")

    def attempt() -> Offer:
        need = load_need(svc, need_id)
        now = svc.clock()
        offer = Offer.submit(
            offer_id,
            need_id,
            need.demand_unit_id,
            supplier_unit_id,
            terms.unit_price,
            terms.quantity,
            terms.delivery_date,
            terms.valid_until,
            principal.actor,
            now,
        )
        need.record_offer(offer_id, supplier_unit_id, principal.actor, now)
        svc.store.save(need, offer)
        return offer

    return svc.retrying(attempt)


def revise_offer(svc: Services, principal: Principal, offer_id: str, terms: OfferTerms) -> Offer:
    def attempt() -> Offer:
        offer = load_offer(svc, offer_id)
        require_acts_for(principal, offer.supplier_unit_id, chart(svc))
        load_need(svc, offer.need_id, reading=True).check_open()
        offer.revise(
            terms.unit_price,
            terms.quantity,
            terms.delivery_date,
            terms.valid_until,
            principal.actor,
            svc.clock(),
        )
        svc.store.save(offer)
        return offer

    return svc.retrying(attempt)


def withdraw_offer(svc: Services, principal: Principal, offer_id: str) -> Offer:
    def attempt() -> Offer:
        offer = load_offer(svc, offer_id)
        require_acts_for(principal, offer.supplier_unit_id, chart(svc))
        need = load_need(svc, offer.need_id)
        now = svc.clock()
        offer.withdraw(principal.actor, now)
        need.record_withdrawal(offer_id, principal.actor, now)
        svc.store.save(need, offer)
        return offer

    return svc.retrying(attempt)


def award(svc: Services, principal: Principal, need_id: str, offer_id: str) -> Contract:
    """The demand unit picks an offer: a contract is created, the other offers lose."""
    org = chart(svc)
    contract_id = svc.new_id("con")

    def attempt() -> Contract:
        need = load_need(svc, need_id)
        require_acts_for(principal, need.demand_unit_id, org)
        offer = load_offer(svc, offer_id)
        now = svc.clock()
        to_cover = to_source(need)
        # The need refuses an offer that is not on it (`offer_not_available`).
        need.award(
            offer_id, offer.supplier_unit_id, contract_id, offer.amount, principal.actor, now
        )
        offer.award(contract_id, principal.actor, now)
        contract = Contract.award(
            contract_id,
            need_id,
            offer_id,
            need.demand_unit_id,
            offer.supplier_unit_id,
            need.spec.business_type,
            need.spec.item_code,
            offer.quantity,
            offer.unit_price,
            org.context_of(need.demand_unit_id, "demand")
            | org.context_of(offer.supplier_unit_id, "supply"),
            principal.actor,
            now,
            category=need.spec.category,
            delivery_date=offer.delivery_date,
            reference=reference_of(svc, need, offer.supplier_unit_id),
        )
        # A joint procurement's need: a contract per member instead (contract's id first).
        made = share_out(svc, org, need, contract, to_cover, principal.actor, now)
        losers = [load_offer(svc, other) for other in need.losing_offers(offer_id)]
        for loser in losers:
            loser.decline(offer_id, principal.actor, now)
        svc.store.save(need, offer, *made, *[o for o in losers if o.pending_events])
        return next(c for c in made if isinstance(c, Contract))

    return svc.retrying(attempt)


def cancel_need(svc: Services, principal: Principal, need_id: str, reason: str) -> Need:
    def attempt() -> Need:
        need = load_need(svc, need_id)
        require_acts_for(principal, need.demand_unit_id, chart(svc))
        need.cancel(reason, principal.actor, svc.clock())
        svc.store.save(need)
        return need

    return svc.retrying(attempt)


@dataclass(frozen=True)
class NeedRead:
    """A need as one token may see it: every offer for the demand side, else only its own."""

    need: Need
    offers: list[Offer]
    demand_side: bool


def is_demand_side(principal: Principal, need: Need, org: Organisation) -> bool:
    """The demand unit's side (its operators and superiors) and auditors."""
    return principal.has(Role.AUDITOR) or acts_for(principal, need.demand_unit_id, org)


def visible_offers(svc: Services, principal: Principal, need: Need) -> list[Offer]:
    """The demand side (and HQ, auditors) see every offer; a supplier only its own."""
    org = chart(svc)
    offers = [load_offer(svc, offer_id) for offer_id in need.offers]
    if is_demand_side(principal, need, org):
        return offers
    return [o for o in offers if acts_for(principal, o.supplier_unit_id, org)]


def read_need(svc: Services, principal: Principal, need_id: str) -> NeedRead:
    if principal.has(Role.BI_READER) and not principal.has(
        Role.AUDITOR, Role.HQ_ADMIN, Role.PLATFORM_ADMIN, Role.UNIT_OPERATOR
    ):
        raise Forbidden("BI readers read projections and reports only.")
    need = load_need(svc, need_id, reading=True)
    demand_side = is_demand_side(principal, need, chart(svc))
    return NeedRead(need, visible_offers(svc, principal, need), demand_side)


def needs_list_unit(svc: Services, principal: Principal, demand_unit_id: str | None) -> str:
    """Whose needs the token lists (default: its own unit): the unit's operators, its
    platform admins, HQ and auditors; 403 for anyone else."""
    unit = demand_unit_id or principal.unit_id
    if unit is None or not (principal.has(Role.AUDITOR) or acts_for(principal, unit, chart(svc))):
        raise Forbidden("This token cannot list that unit's needs.", {"demand_unit_id": unit})
    return unit


def inbox_unit(svc: Services, principal: Principal, unit_id: str | None) -> str:
    """Whose inbox the token reads (default: its own unit): only those who act for the unit."""
    unit = unit_id or principal.unit_id
    if unit is None or not acts_for(principal, unit, chart(svc)):
        raise Forbidden("This token cannot read that unit's inbox.", {"unit_id": unit})
    return unit


def issue_directive(
    svc: Services,
    principal: Principal,
    demand_unit_id: str,
    supply_unit_id: str,
    item_code: str,
    quantity: Decimal,
    rationale: str,
) -> Directive:
    """HQ, or a platform admin whose subtree holds both units, approves a special task."""
    require_role(principal, Role.HQ_ADMIN, Role.PLATFORM_ADMIN)
    org = chart(svc)
    for unit_id in (demand_unit_id, supply_unit_id):
        org.get(unit_id)
        require_acts_for(principal, unit_id, org)
    directive = Directive.approve(
        svc.new_id("dir"),
        demand_unit_id,
        supply_unit_id,
        item_code,
        quantity,
        rationale,
        principal.unit_id or "",
        principal.actor,
        svc.clock(),
    )
    svc.store.save(directive)
    return directive
