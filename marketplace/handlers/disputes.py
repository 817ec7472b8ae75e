"""Use cases of disputes: raise, request mediation (routed to the right superior), resolve,
settle, withdraw; escalate a quality incident in one call."""

from __future__ import annotations

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.dispute import Dispute
from marketplace.handlers import contracts, needs, tenders
from marketplace.handlers.auth import (
    Principal,
    acts_for,
    party_acted_for,
    require_acts_for,
    speaks_for,
)
from marketplace.handlers.errors import Forbidden, NotFound
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services


def load_dispute(svc: Services, dispute_id: str, *, reading: bool = False) -> Dispute:
    """A private copy to change and save; `reading`: the shared instance, never to change."""
    return svc.load(Dispute, dispute_id, "Dispute", reading=reading)


_SUBJECT_NAMES = {
    "contract": "Contract",
    "need": "Need",
    "tender": "Tender",
    "quality_incident": "Quality incident",
}


def _subject_parties(
    svc: Services, principal: Principal, subject_type: str, subject_id: str
) -> set[str]:
    """The subject's parties, for a caller who may read the subject.

    One the caller may not read is answered as if it did not exist (404, the same words), so a
    refusal tells no more than a read would.
    """
    try:
        if subject_type == "contract":
            c = contracts.load_contract(svc, subject_id)
            contracts.may_read(svc, principal, c)
            return set(c.party_ids)
        if subject_type == "quality_incident":
            i = contracts.load_incident(svc, subject_id)
            contracts.may_read_incident(svc, principal, i)
            return {i.demand_unit_id, i.supply_unit_id}
        if subject_type == "need":
            n = needs.read_need(svc, principal, subject_id).need
            return {n.demand_unit_id, *n.offers.values(), *n.matched_supplier_ids}
        t = tenders.load_tender(svc, subject_id)
        tenders.may_read(svc, principal, t)
        return {t.demand_unit_id, *t.invitees}
    except (Forbidden, NotFound) as hidden:
        name = _SUBJECT_NAMES[subject_type]
        raise NotFound(f"{name} {subject_id!r} does not exist.", {"id": subject_id}) from hidden


def raise_dispute(
    svc: Services,
    principal: Principal,
    raiser_unit_id: str | None,
    subject_type: str,
    subject_id: str,
    against: str,
    kind: str,
    claim: str,
) -> Dispute:
    """A party (`raiser_unit_id`, default the token's unit) raises a dispute about its
    contract, need, tender or quality incident."""
    raiser = raiser_unit_id or principal.unit_id or ""
    org = chart(svc)
    require_acts_for(principal, raiser, org)
    involved = _subject_parties(svc, principal, subject_type, subject_id)
    if raiser not in involved or against not in involved:
        raise Forbidden("Both units must be parties to the dispute's subject.")
    context = org.context_of(raiser, "raiser") | org.context_of(against, "against")
    dispute = Dispute.raise_dispute(
        svc.new_id("dsp"),
        raiser,
        against,
        subject_type,
        subject_id,
        kind,
        claim,
        context,
        principal.actor,
        svc.clock(),
    )
    svc.store.save(dispute)
    return dispute


def escalate_incident(svc: Services, principal: Principal, incident_id: str, claim: str) -> Dispute:
    """The incident's raiser (the demand unit; the owner for a shared resource's damage) turns
    it, unresolved, into a dispute in one step."""
    org = chart(svc)
    dispute_id = svc.new_id("dsp")

    def attempt() -> Dispute:
        incident = contracts.load_incident(svc, incident_id)
        raiser, against = incident.raiser_unit_id, incident.against_unit_id
        require_acts_for(principal, raiser, org)
        now = svc.clock()
        incident.escalate(dispute_id, principal.actor, now)
        context = org.context_of(raiser, "raiser") | org.context_of(against, "against")
        dispute = Dispute.raise_dispute(
            dispute_id,
            raiser,
            against,
            "quality_incident",
            incident_id,
            "quality",
            claim,
            context,
            principal.actor,
            now,
        )
        svc.store.save(incident, dispute)
        return dispute

    return svc.retrying(attempt)


def _party(svc: Services, principal: Principal, dispute: Dispute, wanted: str | None = None) -> str:
    """The party the caller acts for, as on contracts."""
    return party_acted_for(principal, dispute.parties, chart(svc), wanted, "the dispute")


def request_mediation(
    svc: Services, principal: Principal, dispute_id: str, party_unit_id: str | None = None
) -> Dispute:
    def attempt() -> Dispute:
        dispute = load_dispute(svc, dispute_id)
        party = _party(svc, principal, dispute, party_unit_id)
        mediator, rule = chart(svc).mediator_for(*dispute.parties)
        dispute.request_mediation(party, mediator, rule, principal.actor, svc.clock())
        svc.store.save(dispute)
        return dispute

    return svc.retrying(attempt)


def resolve(svc: Services, principal: Principal, dispute_id: str, decision: str) -> Dispute:
    def attempt() -> Dispute:
        dispute = load_dispute(svc, dispute_id)
        may_read(svc, principal, dispute)
        if dispute.status == "in_mediation" and not speaks_for(principal, dispute.mediator_unit_id):
            raise Forbidden(
                "Only the mediator unit decides.",
                {"rule": "not_the_mediator", "mediator_unit_id": dispute.mediator_unit_id},
            )
        # Not in mediation (yet, or any more): the dispute's rule answers 409 not_the_mediator.
        mediator = dispute.mediator_unit_id or ""
        dispute.resolve(mediator, decision, principal.actor, svc.clock())
        svc.store.save(dispute)
        return dispute

    return svc.retrying(attempt)


def settle(
    svc: Services,
    principal: Principal,
    dispute_id: str,
    settlement: str,
    party_unit_id: str | None = None,
) -> Dispute:
    def attempt() -> Dispute:
        dispute = load_dispute(svc, dispute_id)
        party = _party(svc, principal, dispute, party_unit_id)
        dispute.settle(party, settlement, principal.actor, svc.clock())
        svc.store.save(dispute)
        return dispute

    return svc.retrying(attempt)


def withdraw(
    svc: Services, principal: Principal, dispute_id: str, party_unit_id: str | None = None
) -> Dispute:
    def attempt() -> Dispute:
        dispute = load_dispute(svc, dispute_id)
        party = _party(svc, principal, dispute, party_unit_id)
        dispute.withdraw(party, principal.actor, svc.clock())
        svc.store.save(dispute)
        return dispute

    return svc.retrying(attempt)


def may_read(svc: Services, principal: Principal, dispute: Dispute) -> None:
    """The parties and the mediator chain (the mediator and the units above it) see it."""
    org = chart(svc)
    if principal.has(Role.AUDITOR) or any(acts_for(principal, p, org) for p in dispute.parties):
        return
    mediator = dispute.mediator_unit_id
    if (
        mediator
        and principal.unit_id is not None
        and (principal.unit_id == mediator or principal.unit_id in org.ancestors(mediator))
        and principal.has(Role.HQ_ADMIN, Role.PLATFORM_ADMIN, Role.UNIT_OPERATOR)
    ):
        return
    raise Forbidden("Only the parties and the mediator chain see a dispute.")
