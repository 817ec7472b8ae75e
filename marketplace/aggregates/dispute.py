"""Disputes (paper §3.4.1②): negotiated by the parties, then mediated by their lowest common
superior — HQ only between different sectors — resolved, settled or withdrawn."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate


class Dispute(MarketAggregate):
    @classmethod
    def raise_dispute(
        cls,
        dispute_id: str,
        raiser_unit_id: str,
        against_unit_id: str,
        subject_type: str,
        subject_id: str,
        kind: str,
        claim: str,
        context: dict[str, str],
        actor: Actor,
        timestamp: datetime,
    ) -> Dispute:
        if raiser_unit_id == against_unit_id:
            raise DomainError("self_dispute", "A dispute has two different parties.")
        return cls(
            id=dispute_id,
            raiser_unit_id=raiser_unit_id,
            against_unit_id=against_unit_id,
            subject_type=subject_type,
            subject_id=subject_id,
            kind=kind,
            claim=claim,
            context=context,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Raised")
    def __init__(
        self,
        id: str,
        raiser_unit_id: str,
        against_unit_id: str,
        subject_type: str,
        subject_id: str,
        kind: str,
        claim: str,
        context: dict[str, str],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.raiser_unit_id = raiser_unit_id
        self.against_unit_id = against_unit_id
        self.subject_type = subject_type
        self.subject_id = subject_id
        self.kind = kind
        self.claim = claim
        self.context = context
        self.status = "negotiating"
        self.mediator_unit_id: str | None = None
        self.mediator_rule: str | None = None
        self.outcome: str | None = None
        self.settlement_by: dict[str, str] = {}

    @property
    def parties(self) -> tuple[str, str]:
        return self.raiser_unit_id, self.against_unit_id

    def _open(self) -> None:
        if self.status not in ("negotiating", "in_mediation"):
            raise DomainError("dispute_closed", f"Dispute {self.id!r} is {self.status}.")

    def request_mediation(
        self, party: str, mediator_unit_id: str, rule: str, actor: Actor, timestamp: datetime
    ) -> None:
        if party not in self.parties:
            raise DomainError("not_a_party", f"{party!r} is not a party.")
        if self.status != "negotiating":
            raise DomainError("dispute_status", f"Dispute {self.id!r} is {self.status}.")
        self._mediation_requested(party, mediator_unit_id, rule, actor, timestamp)

    def resolve(
        self, mediator_unit_id: str, decision: str, actor: Actor, timestamp: datetime
    ) -> None:
        if self.status != "in_mediation" or mediator_unit_id != self.mediator_unit_id:
            raise DomainError("not_the_mediator", "Only the mediator decides, once in mediation.")
        self._resolved(decision, mediator_unit_id, actor, timestamp)

    def settle(self, party: str, settlement: str, actor: Actor, timestamp: datetime) -> None:
        """Both parties state the same settlement: the dispute is settled."""
        self._open()
        if party not in self.parties:
            raise DomainError("not_a_party", f"{party!r} is not a party.")
        self._settlement_stated(party, settlement, actor, timestamp)
        values = set(self.settlement_by.values())
        if set(self.settlement_by) == set(self.parties) and len(values) == 1:
            self._settled(settlement, actor, timestamp)

    def withdraw(self, party: str, actor: Actor, timestamp: datetime) -> None:
        self._open()
        if party != self.raiser_unit_id:
            raise DomainError("not_the_raiser", "Only the raiser withdraws a dispute.")
        self._withdrawn(actor, timestamp)

    @event("MediationRequested")
    def _mediation_requested(
        self,
        party_unit_id: str,
        mediator_unit_id: str,
        rule: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = "in_mediation"
        self.mediator_unit_id = mediator_unit_id
        self.mediator_rule = rule

    @event("Resolved")
    def _resolved(
        self, decision: str, mediator_unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.status = "resolved"
        self.outcome = decision

    @event("SettlementStated")
    def _settlement_stated(
        self, party_unit_id: str, settlement: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.settlement_by[party_unit_id] = settlement

    @event("Settled")
    def _settled(self, settlement: str, actor: Actor, timestamp: datetime) -> None:
        self.status = "settled"
        self.outcome = settlement

    @event("Withdrawn")
    def _withdrawn(self, actor: Actor, timestamp: datetime) -> None:
        self.status = "withdrawn"
