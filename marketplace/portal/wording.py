"""What the portal says about a refused form: each field error and each 409 rule code as a
sentence of the message catalogs, in the page's language."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from marketplace.aggregates.base import DomainError
from marketplace.portal.i18n import N_, Translator

# Pydantic's and marketplace/inputs.py's error types; any other says "This value is not valid."
FIELD_ERRORS = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("This text is too long."),
    "string_pattern_mismatch": N_("This value does not have the expected form."),
    "literal_error": N_("Choose one of the offered values."),
    "enum": N_("Choose one of the offered values."),
    "decimal_string": N_("Enter a positive number, such as 1200.5."),
    "decimal_parsing": N_("Enter a positive number, such as 1200.5."),
    "greater_than": N_("The number must be greater than zero."),
    "less_than_equal": N_("The number is too large."),
    "decimal_places": N_("The number has too many decimal places."),
    "decimal_whole_digits": N_("The number is too large."),
    "iso_day": N_("Enter a day as YYYY-MM-DD."),
    "rfc3339_time": N_("Enter a date and a time."),
    "year_out_of_range": N_("The year must fall between 1900 and 2200."),
    "control_character": N_("The text holds a control character."),
    "value_error": N_("This value is not valid."),
    "amendment_empty": N_("Give the new quantity, the new unit price or both."),
}
INVALID = N_("This value is not valid.")

# The rule codes of the forms the portal has (see marketplace/api/rule_codes.py).
RULES = {
    # The synergy bodies (bodies.po)
    "lead_not_a_member": N_("The lead unit must be one of the member units."),
    "working_group_dissolved": N_("The working group is dissolved and can no longer be changed."),
    "unknown_sector": N_("No active unit of the group is in that sector."),
    "members_required": N_("Name at least one member unit."),
    "remit_required": N_("The remit needs at least one sector or catalog category."),
    "unknown_category": N_("That is not a catalog category."),
    "directive_required": N_("A special task needs an approved directive for this unit and item."),
    "unit_inactive": N_("The unit is deactivated."),
    "invalid_quantity": N_("The quantity is not valid."),
    "need_not_open": N_("The need is no longer open."),
    "offer_exists": N_("Your unit already has an open offer on this need."),
    "self_supply": N_("A unit cannot supply itself."),
    "invalid_terms": N_("The offer's terms are not valid (quantity or dates)."),
    "offer_already_expired": N_("The offer would already have expired: choose a later time."),
    "offer_not_available": N_("That offer is no longer open."),
    "already_awarded": N_("The need has already been awarded."),
    "need_not_for_tender": N_("This need is sourced directly, not by tender."),
    "catalog_suppliers_not_invited": N_(
        "Every catalog supplier must be invited, or the omission filed: {missing}."
    ),
    "bid_deadline_in_past": N_("The bid deadline must be in the future."),
    "tender_not_open": N_("The tender no longer takes bids: its bids have been opened."),
    "bid_deadline_passed": N_("The bid deadline has passed: no more bids."),
    "bid_deadline_not_reached": N_("The bids can be opened only after the bid deadline."),
    "seal_broken": N_("A bid does not match its sealed commitment: the bids were not opened."),
    "bids_not_opened": N_("Open the bids before awarding."),
    "bid_not_found": N_("That bid is not in this tender's ranking."),
    "internal_bid_preferred": N_(
        "An internal bid ranks first: awarding an external bid needs a justification."
    ),
    "need_not_tendering": N_("The need is no longer waiting for this tender."),
    "external_quantity_required": N_("On this ground, say the quantity to buy outside."),
    "concurrent_modification": N_(
        "Someone else changed this at the same moment; please try again."
    ),
    # contracts
    "contract_status": N_("The contract's status does not allow this now."),
    "not_a_party": N_("That unit is not a party to the contract."),
    "already_signed": N_("This party has signed already."),
    "no_such_proposal": N_(
        "The other party has not proposed this amount: accept its latest, or propose your own."
    ),
    "already_escalated": N_("The pricing is already with the superiors."),
    "not_escalated": N_("The superiors decide the price only after a party escalated it."),
    "invalid_delivery": N_("A delivery has a positive quantity and a positive amount."),
    "over_delivery": N_("This delivery would exceed the contract's quantity."),
    "incident_not_open": N_("The incident is no longer open."),
    # disputes
    "self_dispute": N_("A dispute needs two different units: choose the other party."),
    "dispute_closed": N_("The dispute is closed already."),
    "dispute_status": N_("Mediation can be asked for only while the parties negotiate."),
    "not_the_mediator": N_("Only the mediator unit decides, and only while in mediation."),
    "not_the_raiser": N_("Only the unit that raised the dispute may withdraw it."),
    "finding_rectified": N_("The finding is rectified already."),
    "rectify_by_in_past": N_("The rectification deadline cannot be before today."),
    "unknown_issue": N_("Choose one of the offered issues."),
    # work meetings
    "regular_meeting_exists": N_("This half year has its regular meeting already."),
    "minutes_recorded": N_("The minutes of this meeting are recorded already."),
    "one_matter": N_("One matter per request: one line, not a list (file one request per matter)."),
    "request_answered": N_("HQ has answered this request already."),
    "action_item_done": N_("This action item is done already."),
    # exchange visits
    "host_among_visitors": N_("The host unit cannot also be one of the visitors."),
    "no_visitors": N_("Name at least one visitor unit."),
    "visit_already_held": N_("The visit has been recorded as held already."),
    "visit_cancelled": N_("The visit was cancelled."),
    "unknown_lead": N_("No held exchange visit recorded this lead."),
    "lead_not_of_unit": N_(
        "Only the visit's host, a visitor or a unit under one posts a need from its lead."
    ),
    # framework agreements (frameworks.po)
    "framework_not_active": N_("Both parties sign the agreement first; a completed one is over."),
    "invalid_framework_dates": N_("The agreement cannot end before it starts."),
    "invalid_schedule": N_(
        "Periods are months or quarters within the dates, each once, each above zero."
    ),
    "period_not_scheduled": N_("The schedule has no such period."),
    "period_closed": N_("This period is closed."),
    "outside_framework": N_("A period is called off on a day within it (and the agreement)."),
    "period_not_priced": N_("This period's unit price is not agreed yet: amend it first."),
    "over_schedule": N_("That is more than what is left of the period's quantity."),
    "period_not_ended": N_("The period has not ended yet: close it after its last day."),
    "period_not_amendable": N_(
        "Only a future period changes; a started one only gets a price not yet agreed."
    ),
    "amendment_pending": N_("An amendment of this period awaits its answer: answer it first."),
    "invalid_amendment": N_("Give the new quantity, the new unit price or both."),
    "amendment_not_pending": N_("This amendment has been answered already."),
    "own_amendment": N_("The other party answers an amendment, not the one that proposed it."),
    "not_special_task": N_("Only a special task's price goes to the superiors."),
    "not_escalable": N_("Only a pending proposal of a price alone goes to the superiors."),
    # joint procurement
    "join_until_in_past": N_("The joining deadline must be in the future."),
    "joining_closed": N_("Joining this joint procurement has closed."),
    "pool_launched": N_("The joint procurement was launched: its shares are fixed."),
    "pool_cancelled": N_("The joint procurement was cancelled by its lead."),
    "pool_empty": N_("No unit has joined yet: there is nothing to buy."),
    "pool_not_launched": N_("The joint procurement has not been launched."),
    "offer_short_of_pool": N_(
        "The offer covers less than the members' shares: award an offer of the whole quantity."
    ),
    "supplier_in_pool": N_("The supplier has a share in this joint procurement itself."),
    # shared resources (resources.po)
    "resource_unavailable": N_(
        "At some time of this window too little is free: see the calendar's free quantity."
    ),
    "resource_withdrawn": N_("The resource was withdrawn: it takes no bookings."),
    "booking_status": N_("The booking is not at that step any more."),
    "booking_started": N_("The booking's window has started: it can no longer be cancelled."),
    # approvals
    "request_already_decided": N_("This request has already been decided."),
    # catalog and reports
    "duplicate_entry": N_("This supplier already has this item in the catalog version."),
    "unknown_subcategory": N_("The subcategory is not one of this category's."),
    "supplier_inactive": N_("The supplier unit is deactivated."),
    "version_not_collecting": N_("The version takes no more entries: corrections go in the next."),
    "submission_deadline_passed": N_("The submission deadline of this catalog version has passed."),
    "quarter_not_ended": N_("The quarter is not over yet: its report can be submitted after it."),
    "report_already_submitted": N_(
        "This report was submitted already; a submitted report never changes."
    ),
    # catalog review
    "entries_pending_review": N_(
        "Not published, entries still awaiting review: {count}. Approve or reject each first."
    ),
    "entry_already_reviewed": N_("This entry has been reviewed already."),
    "effective_period_overlap": N_(
        "Its days overlap a version already published: choose days no other version covers."
    ),
    "invalid_effective_period": N_("The last day in force cannot be before the first."),
    # units
    "unit_exists": N_("A unit with this id exists already (ids are unique regardless of case)."),
    "group_already_exists": N_("The group unit exists already; there is exactly one."),
    "group_cannot_have_parent": N_("The group unit has no superior unit."),
    "parent_required": N_("A platform or an enterprise needs a superior unit."),
    "parent_not_found": N_("The chosen superior unit does not exist."),
    "parent_inactive": N_("The chosen superior unit is deactivated."),
    "parent_level_not_allowed": N_(
        "A platform hangs under the group; an enterprise under a platform or another enterprise."
    ),
    "group_cannot_move": N_("The group unit has no superior unit to change."),
    "cycle_not_allowed": N_(
        "A unit cannot move under itself or under one of its own subordinate units."
    ),
    "group_cannot_be_deactivated": N_("The group unit stays active."),
    "active_children_exist": N_(
        "The unit still has active subordinate units: move or deactivate them first."
    ),
    "role_not_allowed_for_unit": N_("A chosen role cannot be given to a unit of this level."),
    "expiry_not_in_future": N_("A token must expire after it is issued."),
}


def field_errors(
    error: ValidationError, _: Translator, fields: Sequence[str] = ()
) -> dict[str, str]:
    """Field name → the first error's sentence; a model-wide error goes under its first field
    named in `fields` that the message mentions, else under `""` (shown above the form)."""
    found: dict[str, str] = {}
    for err in error.errors():
        loc = [str(p) for p in err.get("loc", ())]
        name = loc[0] if loc else ""
        if not name:
            message = str(err.get("msg", ""))
            name = next((f for f in fields if f in message), "")
        found.setdefault(name, _(FIELD_ERRORS.get(str(err.get("type")), INVALID)))
    return found


M = TypeVar("M", bound=BaseModel)


def validated(
    model: type[M], body: Mapping[str, Any], _: Translator, fields: Sequence[str]
) -> M | dict[str, str]:
    """A form's fields as the API's body `model`, or their errors (`field_errors`)."""
    try:
        return model.model_validate(body)
    except ValidationError as invalid:
        return field_errors(invalid, _, fields)


def refusal(error: DomainError, _: Translator) -> str:
    """A rule code as a sentence; an unlisted one says what the API says (in English)."""
    if error.code not in RULES:
        return error.message
    # The facts a sentence names (`{missing}`), from the refusal's details.
    facts = error.details if isinstance(error.details, dict) else {}
    missing = ", ".join(map(str, facts.get("missing_catalog_suppliers", ())))
    return (
        _(RULES[error.code], missing=missing)
        if "{missing}" in RULES[error.code]
        else _(RULES[error.code])
    )


# Labels of the values pages show (codes as the API writes them).
LABELS = {
    "hq_admin": N_("HQ administrator"),
    "platform_admin": N_("platform administrator"),
    "unit_operator": N_("unit operator"),
    "auditor": N_("auditor"),
    "bi_reader": N_("BI reader"),
    "open": N_("open"),
    "tendering": N_("tendering"),
    "awarded": N_("awarded"),
    "closed_external": N_("bought outside"),
    "cancelled": N_("cancelled"),
    "withdrawn": N_("withdrawn"),
    "not_awarded": N_("not awarded"),
    "expired": N_("expired"),
    "offer": N_("make an offer"),
    "bid": N_("bid in the tender"),
    "regular": N_("regular business"),
    "special_task": N_("special task"),
    "direct": N_("direct award"),
    "tender": N_("tender"),
    "not_available_internally": N_("1 · the internal market cannot provide it"),
    "insufficient_for_urgent_need": N_(
        "2 · not in the quantity or quality urgently needed (only that part)"
    ),
    "beyond_internal_capability": N_(
        "3 · technical difficulty, quality standard or equipment beyond internal capability"
    ),
    "high_risk_or_special_equipment": N_(
        "4 · a high-risk project or key equipment with special requirements"
    ),
    "requested": N_("awaiting decision"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "opened": N_("bids opened"),
    "compliant": N_("every catalog supplier invited"),
    "exception_filed": N_("omission filed"),
}


# The ranking's reasons as the domain words them (marketplace/aggregates/ranking.py).
_PREFERRED = re.compile(
    r"internal bid within (?P<margin>[\d.]+)% of the best external bid \((?P<best>[\d.]+)\): "
    r"preferred on equal terms"
)
_AFTER = re.compile(r"amount (?P<amount>[\d.]+), ranked after (?P<after>\S+)")
REASONS = {
    "preferred": N_(
        "internal bid within {margin}% of the best external bid ({best}): preferred on equal terms"
    ),
    "tie with the best external bid: the internal bidder is preferred": N_(
        "tie with the best external bid: the internal bidder is preferred"
    ),
    "lowest amount": N_("lowest amount"),
    "after": N_("amount {amount}, ranked after {after}"),
}


def reason(text: str, _: Translator, names: Mapping[str, str]) -> str:
    """A ranking's reason in the page's language; `names`: bid id → its bidder, so that
    "ranked after" names a bidder rather than a bid id. An unknown wording shows as it is."""
    if found := _PREFERRED.fullmatch(text):
        return _(REASONS["preferred"], margin=found["margin"], best=found["best"])
    if found := _AFTER.fullmatch(text):
        after = names.get(found["after"], found["after"])
        return _(REASONS["after"], amount=found["amount"], after=after)
    return _(REASONS[text]) if text in REASONS else text


def label(code: str, _: Translator) -> str:
    """A code's label in the page's language; an unknown code as it is."""
    return _(LABELS[code]) if code in LABELS else code
