"""The page of one contract (`/contracts/{id}`), shared by the route that shows it and the forms
on it that answer with it again when refused: what each viewer may do in the contract's status,
its deliveries and incidents, and a timeline of its events with who and when."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.contract import Contract
from marketplace.aggregates.organisation import Organisation
from marketplace.api.routes.contracts import ContractOut
from marketplace.api.schemas import money, number
from marketplace.handlers import contracts, lists
from marketplace.handlers.auth import Principal, acts_for, speaks_for
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.web import Viewer
from marketplace.portal.wording import label
from marketplace.projections.pages import PageRequest

INCIDENTS_SHOWN = 100  # a contract's incidents on its page; more are a matter for a dispute

# Labels of the codes contract pages show (the shared ones are in wording.LABELS).
WORDS = {
    "awaiting_signatures": N_("awaiting signatures"),
    "pricing": N_("pricing"),
    "active": N_("active"),
    "completed": N_("completed"),
    "terminated": N_("terminated"),
    "resolved": N_("resolved"),
    "management": N_("management"),
    "product_quality": N_("product quality"),
    "delivery_delay": N_("delivery delay"),
    "damage": N_("damage to a shared resource"),  # resources.po
    "minor": N_("minor"),
    "major": N_("major"),
    "critical": N_("critical"),
}
KINDS = ("product_quality", "delivery_delay", "management")
SEVERITIES = ("minor", "major", "critical")

# A handler's own field check (the clock's), said beside the field as validation is.
FIELD_CHECKS = {"in_future": N_("This moment is in the future.")}

# One sentence per event of a contract; `{unit}` is the party it names, else who acted.
EVENTS = {
    "Created": N_("Awarded: {quantity} at {amount} CNY."),
    "Signed": N_("{unit} signed."),
    "Activated": N_("Both parties signed: the contract is active."),
    "PriceProposed": N_("{unit} proposed a price of {amount} CNY."),
    "PricingEscalated": N_("{unit} escalated the pricing to {mediator}."),
    "Priced.agreement": N_("{unit} accepted the price of {amount} CNY."),
    "Priced.decision": N_("{unit} decided the price: {amount} CNY."),
    "Delivered": N_("Delivered {quantity} worth {amount} CNY on {day}."),
    "Delivered.late": N_("Delivered {quantity} worth {amount} CNY on {day}, late."),
    "CompletionAgreed": N_("{unit} asked to complete the contract."),
    "Completed.delivered": N_("Completed: everything was delivered."),
    "Completed.agreement": N_("Completed by agreement of both parties."),
    "Terminated": N_("{unit} terminated the contract: {reason}"),
}


def word(code: str, _: Translator) -> str:
    """A contract page's code in the page's language; the shared labels, else as it is."""
    return _(WORDS[code]) if code in WORDS else label(code, _)


def field_check(refused: InvalidField, _: Translator) -> dict[str, str]:
    """A handler's field refusal as the page's field errors."""
    found: dict[str, str] = {}
    for problem in refused.details if isinstance(refused.details, list) else []:
        sentence = FIELD_CHECKS.get(str(problem.get("type")), N_("This value is not valid."))
        found.setdefault(str(problem.get("field", "")), _(sentence))
    return found


@dataclass(frozen=True)
class Moment:
    """One line of the timeline: when, who (the unit and the token it used), what."""

    at: datetime
    unit_id: str | None
    token_id: str
    text: str


@dataclass(frozen=True)
class Delivery:
    quantity: str
    amount: str
    delivered_at: datetime
    late: bool
    recorded_at: datetime


def _history(
    svc: Services, contract: Contract, _: Translator
) -> tuple[list[Moment], list[Delivery]]:
    """The contract's own events (one aggregate's stream, oldest first) as timeline sentences,
    and its deliveries. Only what the parties already see: no event holds anything sealed, and
    the parties' platforms and sectors the events carry for projections are left out."""
    timeline: list[Moment] = []
    deliveries: list[Delivery] = []
    store = svc.store
    if not isinstance(store, EventSourcingStore):  # as the API's audit reads (api/deps.py)
        raise TypeError(f"the portal runs on an EventSourcingStore, not {type(store).__name__}")
    for event in store.events_of(contract.id):
        data = vars(event)
        kind = type(event).__qualname__.rsplit(".", 1)[-1]
        actor = data["actor"]
        unit = data.get("party_unit_id") or data.get("by_unit_id") or actor.unit_id or ""
        facts: dict[str, str] = {"unit": str(unit)}
        key = kind
        if kind == "Created":
            facts |= {"quantity": number(Decimal(data["quantity"])),
                      "amount": money(Decimal(data["amount"]))}  # fmt: skip
        elif kind in ("PriceProposed", "Priced"):
            facts["amount"] = money(Decimal(data["amount"]))
            key = f"Priced.{data['how']}" if kind == "Priced" else kind
        elif kind == "PricingEscalated":
            facts["mediator"] = str(data["mediator_unit_id"])
        elif kind == "Delivered":
            delivered_at = data["delivered_at"]
            facts |= {
                "quantity": number(Decimal(data["quantity"])),
                "amount": money(Decimal(data["amount"])),
                "day": str(delivered_at.astimezone(svc.zone).date()),
            }
            key = "Delivered.late" if data["late"] else kind
            deliveries.append(
                Delivery(facts["quantity"], facts["amount"], delivered_at, bool(data["late"]),
                         event.timestamp)
            )  # fmt: skip
        elif kind == "Completed":
            key = f"Completed.{data['how']}"
        elif kind == "Terminated":
            facts["reason"] = str(data["reason"])
        text = _(EVENTS[key], **facts) if key in EVENTS else kind
        timeline.append(Moment(event.timestamp, actor.unit_id, actor.token_id, text))
    return timeline, deliveries


def _actions(principal: Principal, contract: Contract, org: Organisation) -> dict[str, Any]:
    """What the viewer may offer to do now: per party it acts for, as the rules would allow."""
    status = contract.status.value
    mine = [p for p in contract.party_ids if acts_for(principal, p, org)]
    pricing = status == "pricing"
    agreeable = {
        p: money(contract.proposals[o])
        for p in mine
        for o in contract.party_ids
        if o != p and o in contract.proposals
    }
    return {
        "mine": mine,
        "signing": [p for p in mine if p not in contract.signed_by]
        if status == "awaiting_signatures"
        else [],
        "proposing": mine if pricing else [],
        "agreeable": agreeable if pricing else {},
        "escalating": mine if pricing and not contract.pricing_mediator else [],
        "deciding": pricing and speaks_for(principal, contract.pricing_mediator),
        "delivering": status == "active" and contract.supply_unit_id in mine,
        "completing": [p for p in mine if p not in contract.completion_agreed_by]
        if status == "active"
        else [],
        "terminating": mine if status in ("awaiting_signatures", "pricing", "active") else [],
        "reporting": status in ("active", "completed") and contract.demand_unit_id in mine,
    }


def shown(viewer: Viewer, contract_id: str) -> dict[str, Any]:
    """The contract as `GET /v1/contracts/{id}` shows it to this token (403 where the API
    refuses), its history, and what the page may offer to do."""
    svc, principal = viewer.svc, viewer.signed_in
    contract = contracts.load_contract(svc, contract_id, reading=True)
    contracts.may_read(svc, principal, contract)
    org = chart(svc)
    timeline, deliveries = _history(svc, contract, viewer._)
    view = ContractOut.of(contract)
    return {
        "contract": view,
        "proposals": {p: money(a) for p, a in contract.proposals.items()},
        "mediator": contract.pricing_mediator,
        "timeline": timeline,
        "deliveries": deliveries,
        "resolvers": [p for p in contract.party_ids if acts_for(principal, p, org)],
        **_actions(principal, contract, org),
    }


async def _incidents(viewer: Viewer, view: ContractOut) -> list[dict[str, Any]]:
    """The contract's incidents from the incident list, newest first; none for a reader the
    list does not reach (a pricing mediator reads the contract, not its incidents)."""
    try:
        found = await lists.incidents(
            viewer.svc, viewer.signed_in, viewer.runtime, view.supply_unit_id,
            view.demand_unit_id, None, PageRequest(limit=INCIDENTS_SHOWN),
            contract_id=view.id,
        )  # fmt: skip
    except Forbidden:
        return []
    return list(found.items)


async def render(
    viewer: Viewer,
    contract_id: str,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    """The contract's page; after a refusal, with the `form` as typed and what was wrong with
    it (`form`: "delivery", "incident", "decide", or an action and its party or incident, such
    as "propose-COAL-02" or "resolve-inc-1")."""
    facts = await run_in_threadpool(shown, viewer, contract_id)
    incidents = await _incidents(viewer, facts["contract"])
    return viewer.render(
        "contracts/detail.html",
        status,
        **facts,
        incidents=incidents,
        kinds=[(k, word(k, viewer._)) for k in KINDS],
        severities=[(s, word(s, viewer._)) for s in SEVERITIES],
        word=lambda code: word(code, viewer._),
        values=values or {},
        errors=errors or {},
        refused=refused,
        form=form,
    )
