"""Every operation of the OpenAPI, by each of eleven callers, against what CONTRACT.md allows:
an allowed caller is never answered 401/403, a refused one always is, and changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from fastapi.testclient import TestClient

from tests.integration.api_world import World, bearer, created, demo_world, later

# The callers. The first four are not authenticated at all; the rest act relative to the row's
# subject unit: its platform's admin, its own operator, a sibling's operator (a foreign unit),
# the admin of a platform it is not in (ENG).
ANONYMOUS = ("no token", "malformed token", "revoked token", "deactivated unit's token")
HQ, PADMIN, OTHER_PADMIN = "hq_admin", "platform_admin", "other platform's admin"
OPERATOR, FOREIGN, AUDITOR, BI = "unit_operator", "foreign unit's operator", "auditor", "bi_reader"
CALLERS = (*ANONYMOUS, HQ, PADMIN, OTHER_PADMIN, OPERATOR, FOREIGN, AUDITOR, BI)
EVERY_TOKEN = frozenset({HQ, PADMIN, OTHER_PADMIN, OPERATOR, FOREIGN, AUDITOR, BI})
FOR_THE_UNIT = frozenset({HQ, PADMIN, OPERATOR})  # "acts for": HQ, its platform, itself
ANALYSTS = frozenset({HQ, AUDITOR, BI})
PLATFORM = {"COAL-02": "COAL", "HEAT-02": "HEAT"}
SIBLING = {"COAL-02": "COAL-03", "HEAT-02": "HEAT-01"}
OTHER_PLATFORM = "ENG"


@dataclass(frozen=True)
class Row:
    """Who may call an operation (CONTRACT.md, README), on behalf of which unit, and with what
    request. `ids` maps a path parameter to a key of the world's ids when not its own name."""

    allowed: frozenset[str]
    subject: str = "COAL-02"
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] | None = None  # a multipart body instead of JSON


def _quarter_ended_before(days: int) -> str:
    day = datetime.now(tz=UTC) - timedelta(days=days)
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


PARTY = {"party_unit_id": "COAL-02"}
WORKING_GROUP = {
    "name": "Urea coordination",
    "sectors": ["coal_chemical"],
    "members": ["COAL", "COAL-02"],
    "lead_unit_id": "COAL",
}
NEED = {
    "demand_unit_id": "COAL-02",
    "title": "Steam for the urea line",
    "category": "product",
    "subcategory": "heat",
    "item_code": "STEAM-LP",
    "quantity": "500",
    "uom": "t",
    "required_by": later(60)[:10],
    "budget_amount": "95000.00",
    "business_type": "regular",
    "sourcing": "direct",
}
VISIT = {
    "host_unit_id": "COAL-02",
    "visitor_unit_ids": ["HEAT-02"],
    "planned_for": later(20),
    "topic": "Waste-heat steam",
}
POOL = {"item_code": "STEAM-LP", "uom": "t", "title": "Pooled steam", "join_until": later(30)}
SHARE = {"unit_id": "COAL-02", "quantity": "100", "budget_amount": "18500.00"}
OFFER = {"unit_price": "185.00", "quantity": "500", "delivery_date": later(30)[:10]}
OFFER |= {"valid_until": later(14)}
ENTRY = {"category": "product", "subcategory": "heat", "item_code": "STEAM-X", "uom": "t"}
ENTRY |= {"supplier_unit_id": "COAL-02", "item_name": "Waste-heat steam"}
MINUTES = {
    "attendees": ["COAL", "HEAT"],
    "decisions": [
        {
            "text": "Share spare parts.",
            "action_items": [{"owner_unit_id": "COAL-02", "due": "2035-09-30", "text": "List."}],
        }
    ],
}


def _months() -> tuple[date, date, date]:
    """The first days of last month, this month and next month in the group's zone."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    last = (today - timedelta(days=1)).replace(day=1)
    return last, today, (today + timedelta(days=32)).replace(day=1)


LAST_MONTH, THIS_MONTH, NEXT_MONTH = (f"{m:%Y-%m}" for m in _months())
FRAMEWORK = {
    "demand_unit_id": "COAL-02",
    "supply_unit_id": "HEAT-02",
    "item_code": "STEAM-LP",
    "uom": "t",
    "from": f"{LAST_MONTH}-01",
    "to": f"{(_months()[2] + timedelta(days=32)).replace(day=1) - timedelta(days=1)}",
    "schedule": [
        {"period": p, "quantity": "500", "unit_price": "185.00"}
        for p in (LAST_MONTH, THIS_MONTH, NEXT_MONTH)
    ],
}
RESOURCE = {"owner_unit_id": "HEAT-02", "kind": "equipment", "name": "Steam-cleaning rig"}
RESOURCE |= {"uom": "day", "rate": "600.00", "available_quantity": "10"}
BOOKING = {"unit_id": "COAL-02", "from": "2035-01-10", "to": "2035-01-12"}
SUBSCRIPTION = {"unit_id": "COAL-02", "channel": "webhook", "event_types": ["*"]}
SUBSCRIPTION |= {"endpoint": "http://127.0.0.1:9/hooks"}

# One row per operation, "METHOD path" as in the OpenAPI. A new operation needs a row here.
MATRIX: dict[str, Row] = {
    "GET /health": Row(frozenset(CALLERS)),
    "POST /v1/units": Row(
        frozenset({HQ}),
        body={"id": "COAL-77", "name": "New Works", "level": "enterprise", "parent_id": "COAL"},
    ),
    "GET /v1/units": Row(EVERY_TOKEN),
    "PATCH /v1/units/{unit_id}": Row(frozenset({HQ}), body={"name": "Urea and Fertiliser Co."}),
    "GET /v1/units/{unit_id}": Row(EVERY_TOKEN),
    "POST /v1/tokens": Row(
        frozenset({HQ}), body={"unit_id": "COAL-02", "roles": ["unit_operator"], "label": "m"}
    ),
    "GET /v1/tokens": Row(frozenset({HQ, AUDITOR}), query={"unit_id": "COAL-02"}),
    "DELETE /v1/tokens/{token_id}": Row(frozenset({HQ})),  # or the holder itself
    "GET /v1/catalog/taxonomy": Row(EVERY_TOKEN),
    "POST /v1/catalog/versions": Row(
        frozenset({HQ}),
        body={
            "period": "2031H1",
            "effective_from": "2031-01-01",
            "effective_to": "2031-06-30",
            "submission_deadline": later(5),
        },
    ),
    "GET /v1/catalog/versions/{version_id}": Row(EVERY_TOKEN),
    "POST /v1/catalog/versions/{version_id}/submissions": Row(
        frozenset({PADMIN}), body={"entries": [ENTRY]}
    ),
    "POST /v1/catalog/versions/{version_id}/entries/{entry_id}/approve": Row(frozenset({HQ})),
    "POST /v1/catalog/versions/{version_id}/entries/{entry_id}/reject": Row(
        frozenset({HQ}), body={"reason": "Duplicate of another entry."}
    ),
    "POST /v1/catalog/versions/{version_id}/entries/approve": Row(
        frozenset({HQ}), body={"entry_ids": ["<entry_id>"]}
    ),
    "POST /v1/catalog/versions/{version_id}/entries/reject": Row(
        frozenset({HQ}), body={"entry_ids": ["<entry_id>"], "reason": "Duplicates."}
    ),
    "POST /v1/catalog/versions/{version_id}/publish": Row(frozenset({HQ})),
    "GET /v1/catalog/search": Row(EVERY_TOKEN),
    # Technical documents: the supplier or its platform's admin attaches (not HQ); all read.
    "POST /v1/catalog/entries/{entry_id}/documents": Row(
        frozenset({PADMIN, OPERATOR}),
        subject="HEAT-02",
        files={"file": ("notes.txt", b"Steam 0.8 MPa\n")},
        ids={"entry_id": "heat_entry_id"},
    ),
    "GET /v1/catalog/entries/{entry_id}/documents": Row(EVERY_TOKEN),
    "GET /v1/documents/{document_id}": Row(EVERY_TOKEN),
    "GET /v1/catalog/in-force": Row(EVERY_TOKEN),
    "POST /v1/needs": Row(FOR_THE_UNIT, body=NEED),
    "GET /v1/needs": Row(FOR_THE_UNIT | {AUDITOR}, query={"demand_unit_id": "COAL-02"}),
    # Suppliers read needs to offer on them; BI readers read projections and reports only.
    "GET /v1/needs/{need_id}": Row(EVERY_TOKEN - {BI}),
    "POST /v1/needs/{need_id}/offers": Row(
        FOR_THE_UNIT, subject="HEAT-02", body=OFFER | {"supplier_unit_id": "HEAT-02"}
    ),
    "POST /v1/offers/{offer_id}/revise": Row(FOR_THE_UNIT, subject="HEAT-02", body=OFFER),
    "POST /v1/offers/{offer_id}/withdraw": Row(FOR_THE_UNIT, subject="HEAT-02"),
    "POST /v1/needs/{need_id}/award": Row(FOR_THE_UNIT, body={"offer_id": "<offer_id>"}),
    "POST /v1/needs/{need_id}/cancel": Row(FOR_THE_UNIT, body={"reason": "Bought elsewhere."}),
    "POST /v1/needs/{need_id}/external-sourcing": Row(
        FOR_THE_UNIT,
        body={"ground": "not_available_internally", "justification": "None in the catalog."},
    ),
    "POST /v1/external-sourcing/{request_id}/approve": Row(frozenset({HQ, PADMIN})),
    "POST /v1/external-sourcing/{request_id}/reject": Row(
        frozenset({HQ, PADMIN}), body={"reason": "Internal suppliers can do it."}
    ),
    "POST /v1/needs/{need_id}/close-external": Row(FOR_THE_UNIT),
    "GET /v1/inbox": Row(FOR_THE_UNIT, query={"unit_id": "COAL-02"}),
    "POST /v1/directives": Row(
        frozenset({HQ, PADMIN}),  # a platform admin over both units
        body={
            "demand_unit_id": "COAL-02",
            "supply_unit_id": "COAL-01",
            "item_code": "METHANOL",
            "quantity": "10",
            "rationale": "Group task.",
        },
    ),
    "POST /v1/needs/{need_id}/tender": Row(
        FOR_THE_UNIT,
        body={"invitees": ["HEAT-02", "PWR-01"], "bid_deadline": later(7)},
        ids={"need_id": "tender_need_id"},
    ),
    "GET /v1/tenders/{tender_id}": Row(FOR_THE_UNIT | {AUDITOR}),  # and the invitees
    "POST /v1/tenders/{tender_id}/bids": Row(
        FOR_THE_UNIT,
        subject="HEAT-02",
        body={"supplier_unit_id": "HEAT-02", "amount": "91000.00", "delivery_date": later(30)[:10]},
    ),
    "POST /v1/tenders/{tender_id}/open": Row(FOR_THE_UNIT),
    "POST /v1/tenders/{tender_id}/award": Row(FOR_THE_UNIT, body={"bid_id": "<bid_id>"}),
    "GET /v1/projections/invitation-compliance": Row(ANALYSTS),
    "GET /v1/projections/invitation-compliance/exceptions": Row(ANALYSTS),
    "GET /v1/contracts/{contract_id}": Row(FOR_THE_UNIT | {AUDITOR}),
    "POST /v1/contracts/{contract_id}/sign": Row(FOR_THE_UNIT, body=PARTY),
    "POST /v1/contracts/{contract_id}/price-proposals": Row(
        FOR_THE_UNIT, body=PARTY | {"amount": "2400.00"}, ids={"contract_id": "pricing_id"}
    ),
    "POST /v1/contracts/{contract_id}/price-agreement": Row(
        FOR_THE_UNIT, body=PARTY | {"amount": "2400.00"}, ids={"contract_id": "pricing_id"}
    ),
    "POST /v1/contracts/{contract_id}/pricing-escalation": Row(
        FOR_THE_UNIT, body=PARTY, ids={"contract_id": "pricing_id"}
    ),
    # Only the mediator unit itself decides: HQ, the two parties being in different sectors.
    "POST /v1/contracts/{contract_id}/price-decision": Row(
        frozenset({HQ}), body={"amount": "2400.00"}, ids={"contract_id": "pricing_id"}
    ),
    "POST /v1/contracts/{contract_id}/deliveries": Row(
        FOR_THE_UNIT,
        subject="HEAT-02",
        body={"quantity": "1", "amount": "185.00", "delivered_at": later(0)},
    ),
    "POST /v1/contracts/{contract_id}/complete": Row(FOR_THE_UNIT, body=PARTY),
    "POST /v1/contracts/{contract_id}/terminate": Row(
        FOR_THE_UNIT, body=PARTY | {"reason": "The line was closed."}
    ),
    "POST /v1/contracts/{contract_id}/quality-incidents": Row(
        FOR_THE_UNIT,
        body={
            "kind": "product_quality",
            "severity": "minor",
            "description": "Wet steam.",
            "occurred_at": later(0),
        },
    ),
    "POST /v1/quality-incidents/{incident_id}/resolve": Row(
        FOR_THE_UNIT, body={"resolution": "Replaced the trap."}
    ),
    "POST /v1/quality-incidents/{incident_id}/dispute": Row(
        FOR_THE_UNIT, body={"claim": "Compensate the lost output."}
    ),
    "POST /v1/disputes": Row(
        FOR_THE_UNIT,
        body={
            "subject_type": "contract",
            "subject_id": "<contract_id>",
            "against_unit_id": "HEAT-02",
            "kind": "quality",
            "claim": "Wet steam for a week.",
            "raiser_unit_id": "COAL-02",
        },
    ),
    "GET /v1/disputes/{dispute_id}": Row(FOR_THE_UNIT | {AUDITOR}),  # and the mediator chain
    # HQ acts for either party, naming it as on contracts (issue 10, item 7).
    "POST /v1/disputes/{dispute_id}/mediation": Row(FOR_THE_UNIT, body=PARTY),
    "POST /v1/disputes/{dispute_id}/resolve": Row(
        frozenset({HQ}),
        body={"decision": "The supplier pays 5%."},  # the mediator: HQ
    ),
    "POST /v1/disputes/{dispute_id}/withdraw": Row(FOR_THE_UNIT, body=PARTY),  # the raiser's
    # Work meetings (issue 18): HQ schedules and records minutes; a platform's admin asks for an
    # ad-hoc meeting, for its own platform; an action item's owner unit or a superior marks it done.
    "POST /v1/meetings": Row(
        frozenset({HQ}),
        body={
            "kind": "regular",
            "half_year": "2034H1",
            "scheduled_for": later(20),
            "agenda": ["Trade by platform"],
            "invitees": ["COAL", "HEAT"],
        },
    ),
    "GET /v1/meetings": Row(EVERY_TOKEN - {BI}, query={"half_year": "2035H2"}),
    "GET /v1/meetings/{meeting_id}": Row(EVERY_TOKEN - {BI}),
    "POST /v1/meetings/{meeting_id}/minutes": Row(frozenset({HQ}), body=MINUTES),
    "POST /v1/meeting-requests": Row(
        frozenset({PADMIN, OTHER_PADMIN}), body={"matter": "Spare capacity", "report": "R."}
    ),
    "GET /v1/meeting-requests": Row(EVERY_TOKEN - {BI}, query={"status": "pending"}),
    "GET /v1/meeting-requests/{request_id}": Row(
        frozenset({HQ, PADMIN, AUDITOR}), ids={"request_id": "meeting_request_id"}
    ),
    "POST /v1/meeting-requests/{request_id}/accept": Row(
        frozenset({HQ}), body={"scheduled_for": later(9)}, ids={"request_id": "meeting_request_id"}
    ),
    "POST /v1/meeting-requests/{request_id}/decline": Row(
        frozenset({HQ}),
        body={"reason": "At the regular one."},
        ids={"request_id": "meeting_request_id"},
    ),
    "POST /v1/action-items/{action_item_id}/done": Row(FOR_THE_UNIT, body={"evidence": "Sent."}),
    "GET /v1/action-items": Row(FOR_THE_UNIT | {AUDITOR}, query={"owner_unit_id": "COAL-02"}),
    "POST /v1/inspections/findings": Row(
        frozenset({HQ}),
        body={
            "unit_id": "COAL-02",
            "issue": "incomplete_rules",
            "description": "No procedure.",
            "rectify_by": later(30)[:10],
        },
    ),
    "GET /v1/inspections/findings": Row(FOR_THE_UNIT | {AUDITOR}, query={"unit_id": "COAL-02"}),
    "POST /v1/inspections/findings/{finding_id}/rectified": Row(
        FOR_THE_UNIT, body={"evidence": "Procedure adopted."}
    ),
    "GET /v1/inspections/findings/{finding_id}": Row(FOR_THE_UNIT | {AUDITOR}),
    "POST /v1/working-groups": Row(frozenset({HQ}), body=WORKING_GROUP),
    "GET /v1/working-groups": Row(EVERY_TOKEN, query={"unit_id": "COAL-02"}),
    "GET /v1/working-groups/{working_group_id}": Row(EVERY_TOKEN),
    "PATCH /v1/working-groups/{working_group_id}": Row(
        frozenset({HQ}), body={"name": "Urea and power coordination"}
    ),
    "POST /v1/working-groups/{working_group_id}/dissolve": Row(
        frozenset({HQ}), body={"reason": "Settled."}
    ),
    "PUT /v1/leadership-group": Row(
        frozenset({HQ}), body={"members": ["HQ", "COAL", "PWR"], "office_unit_id": "HQ"}
    ),
    "GET /v1/leadership-group": Row(EVERY_TOKEN),
    # Exchange visits: HQ, or the platform admin of the host's or a visitor's subtree plans and
    # records them; the units' operators, their platforms, HQ and auditors read them.
    "POST /v1/exchange-visits": Row(frozenset({HQ, PADMIN}), body=VISIT),
    "POST /v1/exchange-visits/{visit_id}/held": Row(
        frozenset({HQ, PADMIN}),
        body={
            "outcome": "Agreed a steam trial.",
            "leads": [{"text": "Steam", "item_code": "STEAM-LP"}],
        },
    ),
    "POST /v1/exchange-visits/{visit_id}/cancel": Row(
        frozenset({HQ, PADMIN}), body={"reason": "Overhaul."}
    ),
    "GET /v1/exchange-visits": Row(FOR_THE_UNIT | {AUDITOR}, query={"unit_id": "COAL-02"}),
    "GET /v1/exchange-visits/{visit_id}": Row(FOR_THE_UNIT | {AUDITOR}),
    "GET /v1/exchange-visits/sector-pairs": Row(ANALYSTS, query={"year": "2035"}),
    # Framework agreements (issue 19): either party draws one up (its operators, platform admins,
    # HQ); each party signs, amends and answers for itself; the demand unit calls off and closes
    # a period; only the mediator unit itself decides an escalated price.
    "POST /v1/frameworks": Row(FOR_THE_UNIT, body=FRAMEWORK),
    "GET /v1/frameworks": Row(FOR_THE_UNIT | {AUDITOR}, query={"unit_id": "COAL-02"}),
    "GET /v1/frameworks/{framework_id}": Row(FOR_THE_UNIT | {AUDITOR}),
    "POST /v1/frameworks/{framework_id}/sign": Row(FOR_THE_UNIT, body=PARTY),
    "POST /v1/frameworks/{framework_id}/call-offs": Row(
        FOR_THE_UNIT, body={"period": THIS_MONTH, "quantity": "1"}
    ),
    "POST /v1/frameworks/{framework_id}/amendments": Row(
        FOR_THE_UNIT, body=PARTY | {"period": NEXT_MONTH, "quantity": "450", "reason": "Less."}
    ),
    "POST /v1/frameworks/{framework_id}/amendments/{number}/accept": Row(
        FOR_THE_UNIT, body=PARTY, ids={"framework_id": "accept_framework_id"}
    ),
    "POST /v1/frameworks/{framework_id}/amendments/{number}/reject": Row(
        FOR_THE_UNIT,
        body=PARTY | {"reason": "Too dear."},
        ids={"framework_id": "reject_framework_id"},
    ),
    "POST /v1/frameworks/{framework_id}/amendments/{number}/escalate": Row(
        FOR_THE_UNIT, body=PARTY, ids={"framework_id": "escalate_framework_id"}
    ),
    "POST /v1/frameworks/{framework_id}/amendments/{number}/decision": Row(
        frozenset({HQ}),  # the mediator: COAL-02 and HEAT-02 are in different sectors
        body={"unit_price": "180.00"},
        ids={"framework_id": "decide_framework_id"},
    ),
    "POST /v1/frameworks/{framework_id}/periods/{period}/close": Row(FOR_THE_UNIT),
    # Joint procurement: a platform admin (for its platform) or HQ opens a pool; a unit, or one
    # acting for it, joins and withdraws; the lead's side launches; those within the lead's
    # reach (COAL's pool: COAL-03 too), HQ and auditors read it.
    "POST /v1/joint-procurements": Row(frozenset({HQ, PADMIN, OTHER_PADMIN}), body=POOL),
    "GET /v1/joint-procurements": Row(FOR_THE_UNIT | {AUDITOR}, query={"unit_id": "COAL-02"}),
    "GET /v1/joint-procurements/{pool_id}": Row(FOR_THE_UNIT | {FOREIGN, AUDITOR}),
    "POST /v1/joint-procurements/{pool_id}/shares": Row(FOR_THE_UNIT, body=SHARE),
    "DELETE /v1/joint-procurements/{pool_id}/shares/{unit_id}": Row(
        FOR_THE_UNIT, ids={"pool_id": "withdraw_pool_id"}
    ),
    "POST /v1/joint-procurements/{pool_id}/launch": Row(
        frozenset({HQ, PADMIN}),
        body={"sourcing": "direct", "required_by": later(60)[:10]},
        ids={"pool_id": "launch_pool_id"},
    ),
    "POST /v1/joint-procurements/{pool_id}/cancel": Row(
        frozenset({HQ, PADMIN}),
        body={"reason": "Each plant buys alone."},
        ids={"pool_id": "cancel_pool_id"},
    ),
    # Shared resources: the owner (or whoever acts for it) lists, hands over and withdraws; a
    # unit books for itself; either side cancels or records the return; every token reads.
    "POST /v1/resources": Row(FOR_THE_UNIT, body=RESOURCE | {"owner_unit_id": "COAL-02"}),
    "GET /v1/resources": Row(EVERY_TOKEN, query={"owner_unit_id": "HEAT-02"}),
    "GET /v1/resources/{resource_id}": Row(EVERY_TOKEN),
    "GET /v1/resources/{resource_id}/calendar": Row(EVERY_TOKEN),
    "POST /v1/resources/{resource_id}/bookings": Row(FOR_THE_UNIT, body=BOOKING),
    "POST /v1/resources/{resource_id}/bookings/{booking_id}/cancel": Row(
        FOR_THE_UNIT, body={"reason": "Plans changed."}, ids={"booking_id": "cancel_booking_id"}
    ),
    "POST /v1/resources/{resource_id}/bookings/{booking_id}/handover": Row(
        FOR_THE_UNIT, subject="HEAT-02", body={"condition": "Checked."}
    ),
    "POST /v1/resources/{resource_id}/bookings/{booking_id}/return": Row(
        FOR_THE_UNIT,
        subject="HEAT-02",
        body={"condition": "Clean."},
        ids={"booking_id": "handed_booking_id"},
    ),
    "POST /v1/resources/{resource_id}/withdraw": Row(
        FOR_THE_UNIT,
        subject="HEAT-02",
        body={"reason": "Sold."},
        ids={"resource_id": "spare_resource_id"},
    ),
    "GET /v1/projections/status": Row(EVERY_TOKEN),
    "GET /v1/projections/trade-volume": Row(ANALYSTS),
    # The synergy benefit and the arm's-length check (issue 20): the group's figures.
    "GET /v1/projections/synergy-benefit": Row(ANALYSTS),
    "GET /v1/projections/arm-length-exceptions": Row(ANALYSTS),
    # A supplier's own figures: its operators and platform admins too (issue 11).
    "GET /v1/projections/supplier-quality": Row(
        ANALYSTS | {PADMIN, OPERATOR}, subject="HEAT-02", query={"supplier_unit_id": "HEAT-02"}
    ),
    # Lists of what concerns a unit: its operators, its platform admins, HQ and auditors.
    "GET /v1/tenders": Row(
        FOR_THE_UNIT | {AUDITOR}, subject="HEAT-02", query={"invited_unit_id": "HEAT-02"}
    ),
    "GET /v1/contracts": Row(FOR_THE_UNIT | {AUDITOR}, query={"unit_id": "COAL-02"}),
    "GET /v1/quality-incidents": Row(
        FOR_THE_UNIT | {AUDITOR}, subject="HEAT-02", query={"supplier_unit_id": "HEAT-02"}
    ),
    "GET /v1/quality-incidents/{incident_id}": Row(FOR_THE_UNIT | {AUDITOR}),
    "GET /v1/disputes": Row(FOR_THE_UNIT | {AUDITOR}, query={"unit_id": "COAL-02"}),
    "GET /v1/external-sourcing": Row(FOR_THE_UNIT | {AUDITOR}, query={"unit_id": "COAL-02"}),
    "GET /v1/reports/quarterly": Row(
        FOR_THE_UNIT | {AUDITOR, BI},
        query={"unit_id": "COAL-02", "quarter": _quarter_ended_before(100)},
    ),
    "POST /v1/reports/quarterly/submit": Row(
        frozenset({HQ, PADMIN}), body={"unit_id": "COAL-02", "quarter": _quarter_ended_before(100)}
    ),
    "GET /v1/assessments/annual": Row(
        FOR_THE_UNIT | {AUDITOR, BI},
        query={"year": str(datetime.now(tz=UTC).year), "unit_id": "COAL-02"},
    ),
    # Group rules: HQ publishes, a platform's admin (or HQ) its platform's scheme; every token
    # reads them. Rewards and penalties: HQ records and withdraws them for an ended year.
    "POST /v1/rules": Row(frozenset({HQ}), body={"effective_from": "2041-01-01"}),
    "GET /v1/rules": Row(EVERY_TOKEN, query={"at": "2041-01-01"}),
    "GET /v1/rules/versions": Row(EVERY_TOKEN),
    "POST /v1/rules/platform/{unit_id}": Row(
        frozenset({HQ, PADMIN}),
        body={"effective_from": "2041-01-01", "assessment": {"weights": {"supplier_quality": 100}}},
        ids={"unit_id": "platform_id"},
    ),
    "GET /v1/rules/platform/{unit_id}": Row(
        EVERY_TOKEN, query={"at": "2041-01-01"}, ids={"unit_id": "platform_id"}
    ),
    "GET /v1/rules/platform/{unit_id}/versions": Row(EVERY_TOKEN, ids={"unit_id": "platform_id"}),
    "POST /v1/assessments/annual/{year}/decisions": Row(
        frozenset({HQ}), body=[{"unit_id": "COAL-02", "kind": "reward", "reason": "Compliance."}]
    ),
    "POST /v1/assessments/annual/{year}/decisions/{decision_id}/withdraw": Row(
        frozenset({HQ}), body={"reason": "Recorded in error."}
    ),
    # Notifications: a unit subscribes for itself, its platform admin and HQ for it.
    "POST /v1/subscriptions": Row(FOR_THE_UNIT, body=SUBSCRIPTION),
    "GET /v1/subscriptions": Row(FOR_THE_UNIT | {AUDITOR}, query={"unit_id": "COAL-02"}),
    "GET /v1/subscriptions/{subscription_id}": Row(FOR_THE_UNIT | {AUDITOR}),
    "DELETE /v1/subscriptions/{subscription_id}": Row(FOR_THE_UNIT),
    "GET /v1/subscriptions/{subscription_id}/deliveries": Row(FOR_THE_UNIT | {AUDITOR}),
    # Another unit's delivery or notification is not there for the caller: 404, never 403.
    "POST /v1/deliveries/{delivery_id}/redeliver": Row(
        EVERY_TOKEN, ids={"delivery_id": "subscription_id"}
    ),
    # In-app notifications are the caller's own unit's, whoever the token is.
    "GET /v1/notifications": Row(EVERY_TOKEN),
    "GET /v1/notifications/unread-count": Row(EVERY_TOKEN),
    "POST /v1/notifications/read-all": Row(EVERY_TOKEN),
    "POST /v1/notifications/{notification_id}/read": Row(
        EVERY_TOKEN, ids={"notification_id": "need_id"}
    ),
    "GET /v1/audit/verify": Row(frozenset({HQ, AUDITOR})),
    "POST /v1/audit/replays": Row(frozenset({HQ, AUDITOR}), body={"as_of": later(0)}),
    "GET /v1/audit/replays": Row(frozenset({HQ, AUDITOR})),
    "GET /v1/audit/replays/{replay_id}": Row(frozenset({HQ, AUDITOR})),
    "DELETE /v1/audit/replays/{replay_id}": Row(frozenset({HQ, AUDITOR})),
    "GET /v1/audit/replays/{replay_id}/projections/trade-volume": Row(frozenset({HQ, AUDITOR})),
    "GET /v1/audit/replays/{replay_id}/projections/supplier-quality": Row(frozenset({HQ, AUDITOR})),
    "GET /v1/audit/replays/{replay_id}/projections/invitation-compliance": Row(
        frozenset({HQ, AUDITOR})
    ),
    "GET /v1/audit/replays/{replay_id}/projections/invitation-compliance/exceptions": Row(
        frozenset({HQ, AUDITOR})
    ),
    "GET /v1/audit/replays/{replay_id}/projections/synergy-benefit": Row(frozenset({HQ, AUDITOR})),
    "GET /v1/audit/replays/{replay_id}/projections/arm-length-exceptions": Row(
        frozenset({HQ, AUDITOR})
    ),
    "GET /v1/audit/{aggregate_id}/events": Row(frozenset({HQ, AUDITOR})),
    "GET /v1/audit/{aggregate_id}/state": Row(frozenset({HQ, AUDITOR})),
}


def build_world(world: World, client: TestClient) -> None:
    """Beside the demo: a contract, a special-task contract escalated to HQ, an incident, a
    dispute in mediation, a finding, a need with an open offer and an external-sourcing request,
    a tender with a sealed bid, a revoked token and a deactivated unit's token; ids in `world.ids`.
    """
    ids, hq = world.ids, world.token("HQ", "hq_admin")
    coal, heat = world.token("COAL-02", "unit_operator"), world.token("HEAT-02", "unit_operator")

    def contract(need: dict[str, Any], price: str) -> str:
        need_id = created(client, coal, "/v1/needs", need, "id")
        offer = OFFER | {"supplier_unit_id": "HEAT-02", "unit_price": price}
        offer_id = created(client, heat, f"/v1/needs/{need_id}/offers", offer, "offer_id")
        body = {"offer_id": offer_id}
        return created(client, coal, f"/v1/needs/{need_id}/award", body, "contract_id")

    ids["contract_id"] = contract(NEED, "185.00")
    for token in (coal, heat):
        assert client.post(f"/v1/contracts/{ids['contract_id']}/sign", headers=bearer(token))
    directive = {"demand_unit_id": "COAL-02", "supply_unit_id": "HEAT-02", "item_code": "STEAM-LP"}
    directive |= {"quantity": "500", "rationale": "Winter reserve."}
    directive_id = created(client, hq, "/v1/directives", directive, "id")
    special = NEED | {"business_type": "special_task", "directive_id": directive_id}
    ids["pricing_id"] = contract(special, "180.00")
    escalation = client.post(
        f"/v1/contracts/{ids['pricing_id']}/pricing-escalation", headers=bearer(coal)
    )
    assert escalation.is_success, escalation.text
    incident = {"kind": "management", "severity": "minor", "description": "Late papers."}
    incident |= {"occurred_at": later(0)}
    ids["incident_id"] = created(
        client,
        coal,
        f"/v1/contracts/{ids['contract_id']}/quality-incidents",
        incident,
        "incident_id",
    )
    dispute = {**MATRIX["POST /v1/disputes"].body, "subject_id": ids["contract_id"]}
    ids["dispute_id"] = created(client, coal, "/v1/disputes", dispute, "dispute_id")
    mediation = client.post(f"/v1/disputes/{ids['dispute_id']}/mediation", headers=bearer(coal))
    assert mediation.is_success, mediation.text
    finding = MATRIX["POST /v1/inspections/findings"].body
    meeting = {**MATRIX["POST /v1/meetings"].body, "half_year": "2035H1"}
    held = created(client, hq, "/v1/meetings", meeting, "meeting_id")
    minutes = client.post(f"/v1/meetings/{held}/minutes", json=MINUTES, headers=bearer(hq))
    assert minutes.is_success, minutes.text
    item = minutes.json()["minutes"]["decisions"][0]["action_items"][0]
    ids["action_item_id"] = item["action_item_id"]
    meeting["half_year"] = "2035H2"
    ids["meeting_id"] = created(client, hq, "/v1/meetings", meeting, "meeting_id")
    ids["meeting_request_id"] = created(
        client, world.token("COAL", "platform_admin"), "/v1/meeting-requests",
        MATRIX["POST /v1/meeting-requests"].body, "request_id",
    )  # fmt: skip
    ids["finding_id"] = created(client, hq, "/v1/inspections/findings", finding, "id")
    ids["working_group_id"] = created(client, hq, "/v1/working-groups", WORKING_GROUP, "id")
    ids["visit_id"] = created(client, hq, "/v1/exchange-visits", VISIT, "visit_id")
    build_frameworks(world, client, directive_id)
    coal_admin = world.token("COAL", "platform_admin")
    for pool in ("pool_id", "withdraw_pool_id", "launch_pool_id", "cancel_pool_id"):
        ids[pool] = created(client, coal_admin, "/v1/joint-procurements", POOL, "id")
    for pool in ("withdraw_pool_id", "launch_pool_id"):
        joined = client.post(f"/v1/joint-procurements/{ids[pool]}/shares", json=SHARE,
                             headers=bearer(coal))  # fmt: skip
        assert joined.is_success, joined.text
    ids["resource_id"] = created(client, heat, "/v1/resources", RESOURCE, "resource_id")
    ids["spare_resource_id"] = created(client, heat, "/v1/resources", RESOURCE, "resource_id")
    bookings = f"/v1/resources/{ids['resource_id']}/bookings"
    for key in ("booking_id", "handed_booking_id", "cancel_booking_id"):
        ids[key] = created(client, coal, bookings, BOOKING, "booking_id")
    handed = client.post(
        f"{bookings}/{ids['handed_booking_id']}/handover", json={"condition": "Checked."},
        headers=bearer(heat),
    )  # fmt: skip
    assert handed.is_success, handed.text
    ids["platform_id"], ids["year"] = PLATFORM["COAL-02"], str(datetime.now(tz=UTC).year - 1)
    decided = client.post(
        f"/v1/assessments/annual/{ids['year']}/decisions",
        json=MATRIX["POST /v1/assessments/annual/{year}/decisions"].body,
        headers=bearer(hq),
    )
    assert decided.status_code == 201, decided.text
    ids["decision_id"] = decided.json()["decisions"][0]["decision_id"]

    ids["need_id"] = created(client, coal, "/v1/needs", NEED, "id")
    ids["offer_id"] = created(
        client, heat, f"/v1/needs/{ids['need_id']}/offers", OFFER | {"supplier_unit_id": "HEAT-02"},
        "offer_id",
    )  # fmt: skip
    ids["request_id"] = created(
        client,
        coal,
        f"/v1/needs/{ids['need_id']}/external-sourcing",
        MATRIX["POST /v1/needs/{need_id}/external-sourcing"].body,
        "request_id",
    )
    ids["tender_need_id"] = created(client, coal, "/v1/needs", NEED | {"sourcing": "tender"}, "id")
    tender = MATRIX["POST /v1/needs/{need_id}/tender"].body
    ids["tender_id"] = created(
        client, coal, f"/v1/needs/{ids['tender_need_id']}/tender", tender, "tender_id"
    )
    bid = MATRIX["POST /v1/tenders/{tender_id}/bids"].body
    ids["bid_id"] = created(client, heat, f"/v1/tenders/{ids['tender_id']}/bids", bid, "bid_id")

    version = client.get("/v1/catalog/in-force", headers=bearer(hq)).json()
    ids["version_id"], ids["entry_id"] = version["id"], version["entries"][0]["entry_id"]
    ids["heat_entry_id"] = next(
        e["entry_id"] for e in version["entries"] if e["supplier_unit_id"] == "HEAT-02"
    )
    attached = client.post(
        f"/v1/catalog/entries/{ids['heat_entry_id']}/documents",
        files={"file": ("a.txt", b"Datasheet")},
        headers=bearer(heat),
    )
    assert attached.status_code == 201, attached.text
    ids["document_id"] = attached.json()["document_id"]
    ids["aggregate_id"] = ids["need_id"]
    token = {"unit_id": "COAL-02", "roles": ["unit_operator"], "label": "to be revoked"}
    ids["token_id"] = created(client, hq, "/v1/tokens", token, "token_id")
    revoked = client.post("/v1/tokens", json=token, headers=bearer(hq)).json()
    assert client.delete(f"/v1/tokens/{revoked['token_id']}", headers=bearer(hq)).is_success
    world.tokens[("COAL-02", "revoked")] = revoked["token"]
    closed = {"id": "COAL-09", "name": "Closed Coke Works", "level": "enterprise"}
    assert client.post("/v1/units", json=closed | {"parent_id": "COAL"}, headers=bearer(hq))
    orphan = {"unit_id": "COAL-09", "roles": ["unit_operator"], "label": "deactivated unit"}
    world.tokens[("COAL-09", "unit_operator")] = created(client, hq, "/v1/tokens", orphan, "token")
    patch = client.patch("/v1/units/COAL-09", json={"active": False}, headers=bearer(hq))
    assert patch.is_success, patch.text
    ids["subscription_id"] = created(client, coal, "/v1/subscriptions", SUBSCRIPTION, "id")
    ids["replay_id"] = created(client, hq, "/v1/audit/replays", {"as_of": later(0)}, "id")
    for _ in range(300):  # done, so its read models answer (a pending one is a 409)
        if client.get(f"/v1/audit/replays/{ids['replay_id']}", headers=bearer(hq)).json()[
            "status"
        ] in ("done", "failed"):
            break
        time.sleep(0.1)


def build_frameworks(world: World, client: TestClient, directive_id: str) -> None:
    """A signed framework agreement (COAL-02 buys steam from HEAT-02 last, this and next
    month), and one each with an amendment HEAT-02 proposed for COAL-02 to accept, reject or
    escalate, and one whose escalated price awaits HQ's decision."""
    ids = world.ids
    coal, heat = world.token("COAL-02", "unit_operator"), world.token("HEAT-02", "unit_operator")
    ids["number"], ids["period"] = "1", LAST_MONTH
    special = FRAMEWORK | {"business_type": "special_task", "directive_id": directive_id}
    price = {"period": NEXT_MONTH, "unit_price": "190.00", "reason": "Coal costs more."}
    made = {}
    for key, body in (("framework_id", FRAMEWORK), ("accept_framework_id", FRAMEWORK),
                      ("reject_framework_id", FRAMEWORK), ("escalate_framework_id", special),
                      ("decide_framework_id", special)):  # fmt: skip
        made[key] = ids[key] = created(client, coal, "/v1/frameworks", body, "id")
        for token in (heat, coal):
            signed = client.post(f"/v1/frameworks/{ids[key]}/sign", headers=bearer(token))
            assert signed.is_success, signed.text
        if key != "framework_id":
            url = f"/v1/frameworks/{ids[key]}/amendments"
            proposed = client.post(url, json=price, headers=bearer(heat))
            assert proposed.status_code == 201, proposed.text
    escalated = client.post(
        f"/v1/frameworks/{made['decide_framework_id']}/amendments/1/escalate", headers=bearer(coal)
    )
    assert escalated.is_success, escalated.text


def caller_headers(world: World, caller: str, subject: str) -> dict[str, str]:
    tokens = {
        "no token": None,
        "malformed token": "not-a-token",
        "revoked token": world.tokens[("COAL-02", "revoked")],
        "deactivated unit's token": world.tokens[("COAL-09", "unit_operator")],
        HQ: world.token("HQ", "hq_admin"),
        PADMIN: world.token(PLATFORM[subject], "platform_admin"),
        OTHER_PADMIN: world.token(OTHER_PLATFORM, "platform_admin"),
        OPERATOR: world.token(subject, "unit_operator"),
        FOREIGN: world.token(SIBLING[subject], "unit_operator"),
        AUDITOR: world.token("HQ", "auditor"),
        BI: world.token("HQ", "bi_reader"),
    }
    token = tokens[caller]
    return bearer(token) if token else {}


def resolve(value: Any, ids: dict[str, str]) -> Any:
    """Fill `<key>` placeholders in a body with the world's ids."""
    if isinstance(value, dict):
        return {k: resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return ids[value[1:-1]]
    return value


def request_of(spec: dict[str, Any], path: str, row: Row, ids: dict[str, str]) -> str:
    url = path
    for name in (p["name"] for p in spec if p["in"] == "path"):
        named = name in row.ids
        value = row.subject if name == "unit_id" and not named else ids[row.ids.get(name, name)]
        url = url.replace(f"{{{name}}}", value)
    return url


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, TestClient]]:
    built = demo_world(tmp_path_factory.mktemp("matrix"))
    with TestClient(built.app) as client:
        build_world(built, client)
        yield built, client
    built.svc.store.close()


def operations(client: TestClient) -> dict[str, tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    return {
        f"{method.upper()} {path}": (method, path, operation | {"components": spec["components"]})
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }


def undeclared(operation: dict[str, Any], status: int, body: Any) -> str | None:
    """Why a successful answer does not match the OpenAPI's schema for it, if it does not (the
    matrix reaches success paths that fuzzing seldom does)."""
    declared = operation["responses"].get(str(status))
    if declared is None:
        return f"status {status} is not declared"
    schema = declared.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    errors = jsonschema.Draft202012Validator(schema | {"components": operation["components"]})
    error = jsonschema.exceptions.best_match(errors.iter_errors(body))
    return None if error is None else f"{error.json_path}: {error.message[:200]}"


def _json(answer: Any) -> bool:
    """An answer with a JSON body (a document's bytes are checked in test_documents_api)."""
    kind = answer.headers.get("content-type", "")
    return bool(answer.content) and kind.startswith("application/json")


def test_every_operation_has_a_row_in_the_matrix(world: tuple[World, TestClient]) -> None:
    found = operations(world[1])
    missing = sorted(set(found) - set(MATRIX))
    assert not missing, (
        "Operations without a row in MATRIX (tests/integration/test_authorisation_matrix.py): "
        f"{missing}. Add one saying which callers CONTRACT.md allows."
    )
    assert not sorted(set(MATRIX) - set(found)), "rows of operations that no longer exist"


def test_each_caller_is_allowed_or_refused_as_the_contract_says(
    world: tuple[World, TestClient],
) -> None:
    built, client = world
    wrong = []
    for label, (method, path, operation) in operations(client).items():
        row = MATRIX.get(label)
        if row is None:
            continue  # reported by the test above
        url = request_of(operation.get("parameters", []), path, row, built.ids)
        refused_first = sorted(CALLERS, key=lambda c: c in row.allowed)
        for caller in refused_first:
            head = built.head()
            body = {"files": row.files} if row.files else {"json": resolve(row.body, built.ids)}
            answer = client.request(
                method,
                url,
                params=row.query,
                headers=caller_headers(built, caller, row.subject),
                **body,
            )
            status = answer.status_code
            if caller in row.allowed:
                if status in (401, 403, 422) or status >= 500:
                    wrong.append(f"{label}: {caller} allowed, got {status} {answer.text[:200]}")
                elif _json(answer) and (problem := undeclared(operation, status, answer.json())):
                    wrong.append(f"{label}: {caller}'s {status} answer: {problem}")
            elif status != (401 if caller in ANONYMOUS else 403):
                wrong.append(f"{label}: {caller} refused, got {status} {answer.text[:200]}")
            elif built.head() != head:
                wrong.append(f"{label}: {caller} was refused, but the event store changed")
    assert not wrong, "\n".join(wrong)
