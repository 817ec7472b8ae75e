"""Use cases of a framework agreement's amendments: a party proposes a period's new quantity or
price, the other accepts or rejects; a special task's price goes to the superiors (the parties'
mediator, as for a contract's price), whose admin decides it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from marketplace.aggregates.framework import Framework
from marketplace.aggregates.framework_amendments import Amendment, find_amendment
from marketplace.handlers.auth import Principal, speaks_for
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.frameworks import load_framework, party
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services


def _change(
    svc: Services, framework_id: str, act: Callable[[Framework], Amendment]
) -> tuple[Framework, Amendment]:
    """Load, act, save; again on a lost race."""

    def attempt() -> tuple[Framework, Amendment]:
        framework = load_framework(svc, framework_id)
        amendment = act(framework)
        svc.store.save(framework)
        return framework, amendment

    return svc.retrying(attempt)


def propose(
    svc: Services,
    principal: Principal,
    framework_id: str,
    period: str,
    quantity: Decimal | None,
    unit_price: Decimal | None,
    reason: str,
    wanted: str | None,
) -> tuple[Framework, Amendment]:
    def act(f: Framework) -> Amendment:
        return f.propose_amendment(
            party(svc, principal, f, wanted), period, quantity, unit_price, reason,
            svc.today(), principal.actor, svc.clock(),
        )  # fmt: skip

    return _change(svc, framework_id, act)


def accept(
    svc: Services, principal: Principal, framework_id: str, number: int, wanted: str | None
) -> tuple[Framework, Amendment]:
    def act(f: Framework) -> Amendment:
        who = party(svc, principal, f, wanted)
        return f.accept_amendment(number, who, svc.today(), principal.actor, svc.clock())

    return _change(svc, framework_id, act)


def reject(
    svc: Services,
    principal: Principal,
    framework_id: str,
    number: int,
    reason: str,
    wanted: str | None,
) -> tuple[Framework, Amendment]:
    def act(f: Framework) -> Amendment:
        who = party(svc, principal, f, wanted)
        return f.reject_amendment(number, who, reason, principal.actor, svc.clock())

    return _change(svc, framework_id, act)


def escalate(
    svc: Services, principal: Principal, framework_id: str, number: int, wanted: str | None
) -> tuple[Framework, Amendment]:
    """The superior units decide: the parties' mediator (see Organisation.mediator_for)."""

    def act(f: Framework) -> Amendment:
        who = party(svc, principal, f, wanted)
        mediator, _ = chart(svc).mediator_for(f.demand_unit_id, f.supply_unit_id)
        return f.escalate_amendment(number, who, mediator, principal.actor, svc.clock())

    return _change(svc, framework_id, act)


def decide(
    svc: Services, principal: Principal, framework_id: str, number: int, unit_price: Decimal
) -> tuple[Framework, Amendment]:
    """The mediator unit itself sets an escalated price (not any superior of it)."""

    def act(f: Framework) -> Amendment:
        mediator = find_amendment(f.amendments, number).mediator_unit_id  # 404 first
        if not speaks_for(principal, mediator):
            raise Forbidden(
                "Only the mediator unit decides an escalated price.",
                {"mediator_unit_id": mediator},
            )
        return f.decide_amendment(
            number, mediator or "", unit_price, svc.today(), principal.actor, svc.clock()
        )

    return _change(svc, framework_id, act)
