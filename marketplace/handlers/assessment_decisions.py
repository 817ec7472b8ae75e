"""Use cases of HQ's rewards and penalties after the annual assessment (paper §3.4.3②): record
decisions for an ended year (a correction names the decision it replaces), withdraw one; who
reads them reads the units' assessments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.assessment_decision import AssessmentDecision
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.organisation import Level
from marketplace.handlers.auth import Principal, require_role
from marketplace.handlers.errors import NotFound
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import ReadModels, Services
from marketplace.projections import assessment_decision_list


@dataclass(frozen=True)
class Decide:
    unit_id: str
    kind: str
    reason: str
    amount: Decimal | None = None
    supersedes: str | None = None


def load_decision(svc: Services, decision_id: str) -> AssessmentDecision:
    return svc.load(AssessmentDecision, decision_id, "Decision")


def _superseded(svc: Services, decision_id: str, year: int, unit_id: str) -> AssessmentDecision:
    """The decision a correction names: an unknown one is a reference the rules cannot use."""
    found = svc.store.get(decision_id, AssessmentDecision)
    if found is None:
        raise DomainError(
            "unknown_decision",
            f"No decision {decision_id!r} was recorded.",
            {"decision_id": decision_id},
        )
    found.check_replaceable_by(year, unit_id)
    return found


def record_decisions(
    svc: Services, principal: Principal, year: int, decisions: Sequence[Decide]
) -> list[AssessmentDecision]:
    """HQ records rewards and penalties for an ended year, all or none; each unit a platform
    or an enterprise of the chart (404 for another id)."""
    require_role(principal, Role.HQ_ADMIN)
    org = chart(svc)
    for d in decisions:
        if org.get(d.unit_id).level is Level.GROUP:
            raise DomainError(
                "unit_not_assessed",
                "Only platforms and enterprises are assessed.",
                {"unit_id": d.unit_id},
            )
    named = [d.supersedes for d in decisions if d.supersedes is not None]
    if len(set(named)) != len(named):
        raise DomainError(
            "decision_not_in_effect", "One decision can be superseded once.", {"supersedes": named}
        )
    ids = [svc.new_id("dec") for _ in decisions]

    def attempt() -> list[AssessmentDecision]:
        today, now = svc.today(), svc.clock()
        made, replaced = [], []
        for decision_id, d in zip(ids, decisions, strict=True):
            made.append(
                AssessmentDecision.record(
                    decision_id, year, d.unit_id, d.kind, d.amount, d.reason, d.supersedes,
                    today, principal.actor, now,
                )
            )  # fmt: skip
            if d.supersedes is not None:
                old = _superseded(svc, d.supersedes, year, d.unit_id)
                old.withdraw(f"Superseded by {decision_id}.", decision_id, principal.actor, now)
                replaced.append(old)
        svc.store.save(*made, *replaced)
        return made

    return svc.retrying(attempt)


def withdraw_decision(
    svc: Services, principal: Principal, year: int, decision_id: str, reason: str
) -> AssessmentDecision:
    """HQ withdraws a decision made in error (it stays on record, withdrawn)."""
    require_role(principal, Role.HQ_ADMIN)

    def attempt() -> AssessmentDecision:
        decision = load_decision(svc, decision_id)
        if decision.year != year:  # the path names another year: no such decision there
            raise NotFound(
                f"Decision {decision_id!r} of {year} does not exist.",
                {"id": decision_id, "year": year},
            )
        decision.withdraw(reason, None, principal.actor, svc.clock())
        svc.store.save(decision)
        return decision

    return svc.retrying(attempt)


async def decisions_of(
    models: ReadModels, units: Sequence[str], *, year: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Each of `units`' decisions (already authorised), of `year` or every year, the latest
    recorded first (read model)."""
    reader = await models.reader(assessment_decision_list.PROJECTION.name)
    found: dict[str, list[dict[str, Any]]] = {u: [] for u in units}
    for row in await assessment_decision_list.decisions(reader, list(units), year=year):
        found[str(row["unit_id"])].append(row)
    return found
