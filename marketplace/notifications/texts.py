"""Notification titles and bodies, in Chinese and English, for every routed event type.

The wording lives in texts.toml; here each type says which facts fill it. A text names the
subject and what its recipients need (item, quantity, deadline) and nothing they may not read
by the API: no need's budget for the suppliers, no bidder and no amount before the opening.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, tzinfo
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from marketplace.events.envelope import CloudEvent
from marketplace.events.wire import payload_of
from marketplace.notifications.coordination_texts import COORDINATION
from marketplace.notifications.reminders import KIND_OF, reminder_of
from marketplace.notifications.trade_form_texts import TRADE_FORMS

ZH = "zh-CN"
EN = "en"
LANGUAGES = (ZH, EN)
GROUP_ZONE = ZoneInfo("Asia/Shanghai")

_WORDING: dict[str, Any] = tomllib.loads(
    files("marketplace.notifications").joinpath("texts.toml").read_text("utf-8")
)
_TERMS: dict[str, dict[str, str]] = _WORDING.pop("terms")
# A successor type says what its predecessor said (the delivery location is on the need's page).
_WORDING["marketplace.need.posted.v2"] = _WORDING["marketplace.need.posted.v1"]


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@dataclass(frozen=True)
class _Facts:
    """What a text is made from: the payload, the language, the group's zone."""

    p: Any
    language: str
    zone: tzinfo

    def term(self, code: str, **values: str) -> str:
        """The word for a code (the code itself when there is none, so a new value stays
        legible), or an optional phrase filled with `values`."""
        return _TERMS[self.language].get(code, code).format(**values)

    def money(self, amount: str) -> str:
        return self.term("money", amount=amount)

    def moment(self, when: Any) -> str:
        """A time in the group's zone, with its offset so a reader elsewhere is not misled."""
        local = when.astimezone(self.zone)
        offset = local.strftime("%z")
        return self.term(
            "moment", time=f"{local:%Y-%m-%d %H:%M}", offset=f"UTC{offset[:3]}:{offset[3:]}"
        )

    def unless(self, flag: bool, code: str, **values: str) -> str:
        """An optional phrase: `code`'s words when `flag`, else nothing."""
        return self.term(code, **values) if flag else ""


def _day(when: date) -> str:
    return when.isoformat()


def _need_posted(f: _Facts) -> dict[str, str]:
    spec = f.p.spec
    return {
        "title": spec.title,
        "demand": spec.demand_unit_id,
        "item": spec.item_code,
        "quantity": f"{spec.quantity} {spec.uom}",
        "required_by": _day(spec.required_by),
        "next": f.term("sourcing_tender" if spec.sourcing == "tender" else "sourcing_direct"),
    }


def _offer_on_need(f: _Facts) -> dict[str, str]:
    return {
        "offer": f.p.offer_id,
        "supplier": f.p.supplier_unit_id,
        "matched": f.term("matched_yes" if f.p.matched else "matched_no"),
    }


def _external_requested(f: _Facts) -> dict[str, str]:
    quantity = f.p.quantity
    return {
        "request": f.p.request_id,
        "requester": f.p.actor.unit_id or "—",
        "ground": f.term(f.p.ground),
        "justification": f.p.justification,
        "quantity": f.unless(bool(quantity), "external_quantity", quantity=quantity or ""),
    }


def _external_decided(f: _Facts) -> dict[str, str]:
    return {
        "request": f.p.request_id,
        "approver": f.p.approver_unit_id,
        "reason": getattr(f.p, "reason", ""),
    }


def _tender_launched(f: _Facts) -> dict[str, str]:
    return {
        "demand": f.p.demand["demand_unit_id"],
        "need": f.p.need_id,
        "item": f.p.item_code,
        "evaluation": f.term(f.p.evaluation),
        "deadline": f.moment(f.p.bid_deadline),
    }


def _tender_awarded(f: _Facts) -> dict[str, str]:
    """Only after the opening, when every invitee reads the ranking with its amounts."""
    bidder: str = f.p.bidder
    name = bidder.removeprefix("external:")
    winner = bidder if name == bidder else f.term("external_bidder", name=name)
    return {"winner": winner, "amount": f.money(f.p.amount)}


def _contract_created(f: _Facts) -> dict[str, str]:
    p = f.p
    return {
        "demand": p.demand_unit_id,
        "supply": p.supply_unit_id,
        "origin": f.term(
            "from_need" if p.trade_form == "one_off" else f"from_{p.trade_form}",
            need=p.need_id,
            source=p.source_id or "",
        ),
        "item": p.item_code,
        "quantity": p.quantity,
        "unit_price": f.money(p.unit_price),
        "amount": f.money(p.amount),
        "delivery": f.unless(
            p.delivery_date is not None,
            "delivery_date",
            date=_day(p.delivery_date) if p.delivery_date else "",
        ),
        "next": f.term(
            {"pricing": "next_price", "active": "next_active"}.get(p.status, "next_sign")
        ),
    }


def _party(f: _Facts) -> dict[str, str]:
    return {"party": f.p.party_unit_id}


def _party_amount(f: _Facts) -> dict[str, str]:
    return _party(f) | {"amount": f.money(f.p.amount)}


def _delivered(f: _Facts) -> dict[str, str]:
    return {
        "quantity": f.p.quantity,
        "amount": f.money(f.p.amount),
        "at": f.moment(f.p.delivered_at),
        "late": f.unless(f.p.late, "late_delivery"),
    }


def _incident_recorded(f: _Facts) -> dict[str, str]:
    p = f.p
    return {
        "contract": p.contract_id,
        "kind": f.term(p.kind),
        "severity": f.term(p.severity),
        "at": f.moment(p.occurred_at),
        "automatic": f.unless(p.automatic, "automatic_incident"),
        "description": p.description,
    }


def _dispute_raised(f: _Facts) -> dict[str, str]:
    p = f.p
    return {
        "raiser": p.raiser_unit_id,
        "against": p.against_unit_id,
        "on": f"{f.term(p.subject_type)} {p.subject_id}",
        "kind": f.term(p.kind),
        "claim": p.claim,
    }


def _renamed(**fields: str) -> Callable[[_Facts], dict[str, str]]:
    """Payload fields as they are, under the names the wording uses."""
    return lambda f: {name: str(getattr(f.p, field)) for name, field in fields.items()}


FACTS: dict[str, Callable[[_Facts], dict[str, str]]] = {
    "marketplace.need.posted.v1": _need_posted,
    "marketplace.need.posted.v2": _need_posted,
    "marketplace.need.offer_received.v1": _offer_on_need,
    "marketplace.need.offer_withdrawn.v1": _offer_on_need,
    "marketplace.need.external_sourcing_requested.v1": _external_requested,
    "marketplace.need.external_sourcing_approved.v1": _external_decided,
    "marketplace.need.external_sourcing_rejected.v1": _external_decided,
    "marketplace.offer.awarded.v1": _renamed(contract="contract_id"),
    "marketplace.offer.not_awarded.v1": _renamed(),
    "marketplace.tender.launched.v1": _tender_launched,
    "marketplace.tender.bid_received.v1": _renamed(),
    "marketplace.tender.awarded.v1": _tender_awarded,
    "marketplace.contract.created.v1": _contract_created,
    "marketplace.contract.signed.v1": _party,
    "marketplace.contract.activated.v1": lambda f: {"amount": f.money(f.p.amount)},
    "marketplace.contract.price_proposed.v1": _party_amount,
    "marketplace.contract.pricing_escalated.v1": _renamed(
        party="party_unit_id", mediator="mediator_unit_id"
    ),
    "marketplace.contract.priced.v1": lambda f: {
        "amount": f.money(f.p.amount),
        "how": f.term(f"priced_{f.p.how}", by=f.p.by_unit_id),
    },
    "marketplace.contract.delivered.v1": _delivered,
    "marketplace.contract.completion_agreed.v1": _party,
    "marketplace.contract.completed.v1": lambda f: {"how": f.term(f.p.how)},
    "marketplace.contract.terminated.v1": lambda f: {
        "reason": f.p.reason,
        "delivered": f.money(f.p.delivered_amount),
    },
    "marketplace.quality_incident.recorded.v1": _incident_recorded,
    "marketplace.quality_incident.resolved.v1": lambda f: {
        "kind": f.term(f.p.kind),
        "severity": f.term(f.p.severity),
        "resolution": f.p.resolution,
    },
    "marketplace.quality_incident.escalated.v1": _renamed(dispute="dispute_id"),
    "marketplace.dispute.raised.v1": _dispute_raised,
    "marketplace.dispute.mediation_requested.v1": lambda f: {
        "party": f.p.party_unit_id,
        "mediator": f.p.mediator_unit_id,
        "rule": f.term(f.p.rule),
    },
    "marketplace.dispute.resolved.v1": _renamed(mediator="mediator_unit_id", decision="decision"),
    "marketplace.dispute.settlement_stated.v1": _renamed(
        party="party_unit_id", settlement="settlement"
    ),
    "marketplace.dispute.settled.v1": _renamed(settlement="settlement"),
    "marketplace.dispute.withdrawn.v1": _renamed(),
    "marketplace.inspection.finding_recorded.v1": lambda f: {
        "unit": f.p.unit_id,
        "issue": f.term(f.p.issue),
        "description": f.p.description,
        "rectify_by": _day(f.p.rectify_by),
    },
    "marketplace.inspection.finding_rectified.v1": lambda f: {
        "unit": f.p.unit_id,
        "late": f.unless(f.p.late, "late_rectification"),
    },
}


FACTS.update(COORDINATION)
FACTS.update(TRADE_FORMS)


def _remaining(f: _Facts) -> str:
    """How long is left when the reminder is made, in whole hours (at least one)."""
    hours = max(1, round((f.p.due - f.p.made_at).total_seconds() / 3600))
    return f.term("hours_left", hours=str(hours))


# Reminders (reminders.py): their data read back, with the time they were made as `made_at`.
FACTS.update(
    {
        "marketplace.reminder.bid_deadline.v1": lambda f: {
            "need": f.p.need_id,
            "item": f.p.item_code,
            "deadline": f.moment(f.p.due),
            "left": _remaining(f),
        },
        "marketplace.reminder.catalog_submission_deadline.v1": lambda f: {
            "period": f.p.period,
            "deadline": f.moment(f.p.due),
            "left": _remaining(f),
        },
        "marketplace.reminder.rectification_deadline.v1": lambda f: {
            "unit": f.p.unit_id,
            "issue": f.term(f.p.issue),
            "rectify_by": f.p.rectify_by,
            "left": _remaining(f),
        },
    }
)


def render(event: CloudEvent, language: str, zone: tzinfo = GROUP_ZONE) -> Text:
    """The event's title and body in `language` ("en"; anything else reads zh-CN, the
    default), times in the group's `zone`. KeyError for a type nobody is notified of."""
    lang = EN if language == EN else ZH
    facts = FACTS[event.type]
    payload: Any = reminder_of(event) if event.type in KIND_OF else payload_of(event)
    values = facts(_Facts(payload, lang, zone))
    wording = _WORDING[event.type][lang]
    values["subject"] = event.subject
    return Text(wording["title"].format(**values), wording["body"].format(**values))
