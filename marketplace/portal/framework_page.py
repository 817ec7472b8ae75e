"""The page of one framework agreement (`/frameworks/{id}`), shared by the route that shows it
and the forms on it that answer with it again when refused: the schedule with what was called
off, delivered and short per period, and what the viewer may do — sign, call off, close an
ended period, propose an amendment, answer one (accept, reject, escalate a special task's
price), decide an escalated price."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.framework import Framework, FrameworkStatus
from marketplace.aggregates.framework_amendments import AmendmentStatus
from marketplace.api.framework_bodies import FrameworkOut
from marketplace.handlers import frameworks
from marketplace.handlers.auth import Principal, acts_for, speaks_for
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.web import Viewer
from marketplace.portal.wording import label

# Labels of the codes framework pages show (the shared ones are in wording.LABELS).
WORDS = {
    "awaiting_signatures": N_("awaiting signatures"),
    "active": N_("active"),
    "completed": N_("completed"),
    "pending": N_("awaiting the other party"),
    "accepted": N_("accepted"),
    "rejected": N_("rejected"),
    "escalated": N_("with the superiors"),
    "decided": N_("decided by the superiors"),
}


def word(code: str, _: Translator) -> str:
    """A framework page's code in the page's language; the shared labels, else as it is."""
    return _(WORDS[code]) if code in WORDS else label(code, _)


@dataclass(frozen=True)
class Acts:
    """What the viewer may do on the agreement now (each form's party, when it names one)."""

    parties: list[str]  # the parties the viewer acts for
    signing: list[str]
    calling_off: list[str]  # periods open for a call-off today
    closing: list[str]  # ended periods still open
    answering: dict[int, list[str]]  # pending amendment → the parties that may answer it
    escalating: dict[int, list[str]]
    deciding: list[int]  # escalated amendments the viewer's unit decides


def acts_of(svc: Services, principal: Principal, f: Framework) -> Acts:
    org = chart(svc)
    parties = [p for p in f.party_ids if acts_for(principal, p, org)]
    active = f.status is FrameworkStatus.ACTIVE
    today = svc.today()
    demand = f.demand_unit_id in parties and active
    open_periods = [p for p in f.periods.values() if p.closure is None]
    pending = [a for a in f.amendments if a.status is AmendmentStatus.PENDING]
    return Acts(
        parties=parties,
        signing=[p for p in parties if p not in f.signatures],
        calling_off=[
            p.period
            for p in open_periods
            if demand and p.first_day <= today <= p.last_day and p.unit_price is not None
        ],
        closing=[p.period for p in open_periods if demand and p.last_day < today],
        answering={a.number: [p for p in parties if p != a.proposed_by] for a in pending},
        escalating={
            a.number: parties
            for a in pending
            if f.business_type == "special_task" and a.quantity is None
        },
        deciding=[
            a.number
            for a in f.amendments
            if a.status is AmendmentStatus.ESCALATED and speaks_for(principal, a.mediator_unit_id)
        ],
    )


async def render(
    viewer: Viewer,
    framework_id: str,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    principal = viewer.signed_in
    view = await run_in_threadpool(frameworks.read_framework, viewer.svc, principal, framework_id)
    acts = await run_in_threadpool(acts_of, viewer.svc, principal, view.framework)
    return viewer.render(
        "frameworks/detail.html",
        status,
        framework=FrameworkOut.of(view),
        acts=acts,
        amendable=[p for p in view.framework.periods if view.framework.periods[p].closure is None],
        values=values or {},
        errors=errors or {},
        refused=refused,
        form=form,
        word=lambda code: word(code, viewer._),
    )
