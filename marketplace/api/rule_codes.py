"""The domain rules each operation can refuse with (409 codes), as its OpenAPI document says.

Every `DomainError` code of the aggregates and handlers is in at least one row
(tests/unit/test_rule_codes.py), and every 409 the e2e tests see must be in its operation's row.
`concurrent_modification` can come from any command and is added to every one, like
`idempotency_key_in_progress` (a retry sent with the key of a request still running) and
`idempotency_answer_lost` (a retry of a request that took effect but whose answer was lost).
"""

from __future__ import annotations

_UNIT_PARENT = (
    "parent_not_found",
    "parent_inactive",
    "parent_level_not_allowed",
    "parent_required",
)
_CONTRACT = ("contract_status", "not_a_party")
_AMENDMENT = ("period_not_amendable", "period_closed")  # the period's terms can change now
_ANSWER = ("not_a_party", "amendment_not_pending", "own_amendment")
# The award of a joint procurement's need (handlers/pool_contracts.py); the pool's own rule
# `pool_not_launched` backs what the need's status already decides.
_POOL_AWARD = ("offer_short_of_pool", "supplier_in_pool", "pool_not_launched")

RULE_CODES: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/v1/units"): (
        "unit_exists",
        "group_already_exists",
        "group_cannot_have_parent",
        *_UNIT_PARENT,
    ),
    ("patch", "/v1/units/{unit_id}"): (
        *_UNIT_PARENT,
        "cycle_not_allowed",
        "group_cannot_move",
        "active_children_exist",
        "group_cannot_be_deactivated",
    ),
    # The handler answers a past `expires_at` with a 422 first; the token's own rule backs it.
    ("post", "/v1/tokens"): ("role_not_allowed_for_unit", "unit_inactive", "expiry_not_in_future"),
    ("post", "/v1/catalog/versions"): ("invalid_effective_period",),
    # The route's `kind` is one of the kinds before the aggregate sees it; the rule backs it.
    ("post", "/v1/catalog/entries/{entry_id}/documents"): ("unknown_document_kind",),
    ("post", "/v1/catalog/versions/{version_id}/submissions"): (
        "version_not_collecting",
        "submission_deadline_passed",
        "duplicate_entry",
        "unknown_subcategory",
        "supplier_inactive",
    ),
    ("post", "/v1/catalog/versions/{version_id}/entries/{entry_id}/approve"): (
        "version_not_collecting",
        "entry_already_reviewed",
    ),
    ("post", "/v1/catalog/versions/{version_id}/entries/{entry_id}/reject"): (
        "version_not_collecting",
        "entry_already_reviewed",
    ),
    ("post", "/v1/catalog/versions/{version_id}/entries/approve"): (
        "version_not_collecting",
        "entry_already_reviewed",
    ),
    ("post", "/v1/catalog/versions/{version_id}/entries/reject"): (
        "version_not_collecting",
        "entry_already_reviewed",
    ),
    ("post", "/v1/catalog/versions/{version_id}/publish"): (
        "version_not_collecting",
        "entries_pending_review",
        "effective_period_overlap",
        "version_not_published",
    ),
    ("post", "/v1/needs"): (
        "directive_required",
        "unit_inactive",
        "invalid_quantity",
        "unknown_lead",
        "lead_not_of_unit",
    ),
    ("post", "/v1/needs/{need_id}/offers"): (
        "need_not_open",
        "offer_exists",
        "self_supply",
        "unit_inactive",
        "invalid_terms",
        "offer_already_expired",
    ),
    ("post", "/v1/offers/{offer_id}/revise"): (
        "offer_not_available",
        "need_not_open",
        "invalid_terms",
        "offer_already_expired",
    ),
    ("post", "/v1/offers/{offer_id}/withdraw"): ("offer_not_available", "need_not_open"),
    ("post", "/v1/needs/{need_id}/award"): (
        "need_not_open",
        "offer_not_available",
        "already_awarded",
        "unit_inactive",
        *_POOL_AWARD,
    ),
    ("post", "/v1/needs/{need_id}/cancel"): ("need_not_open",),
    ("post", "/v1/needs/{need_id}/external-sourcing"): (
        "need_not_open",
        "external_quantity_required",
    ),
    ("post", "/v1/external-sourcing/{request_id}/approve"): ("request_already_decided",),
    ("post", "/v1/external-sourcing/{request_id}/reject"): ("request_already_decided",),
    ("post", "/v1/needs/{need_id}/close-external"): (
        "need_not_open",
        "external_sourcing_not_approved",
    ),
    ("post", "/v1/directives"): ("self_supply", "unit_inactive"),
    ("post", "/v1/needs/{need_id}/tender"): (
        "need_not_open",
        "need_not_for_tender",
        "catalog_suppliers_not_invited",
        "bid_deadline_in_past",
        "self_supply",
    ),
    ("post", "/v1/tenders/{tender_id}/bids"): ("tender_not_open", "bid_deadline_passed"),
    ("post", "/v1/tenders/{tender_id}/open"): (
        "tender_not_open",
        "bid_deadline_not_reached",
        "seal_broken",
    ),
    ("post", "/v1/tenders/{tender_id}/award"): (
        "bids_not_opened",
        "bid_not_found",
        "internal_bid_preferred",
        "already_awarded",
        "need_not_tendering",
        *_POOL_AWARD,
    ),
    ("post", "/v1/contracts/{contract_id}/sign"): (*_CONTRACT, "already_signed"),
    ("post", "/v1/contracts/{contract_id}/price-proposals"): (*_CONTRACT, "already_escalated"),
    ("post", "/v1/contracts/{contract_id}/price-agreement"): (*_CONTRACT, "no_such_proposal"),
    ("post", "/v1/contracts/{contract_id}/pricing-escalation"): (
        *_CONTRACT,
        "already_escalated",
        "no_common_superior",
    ),
    ("post", "/v1/contracts/{contract_id}/price-decision"): (*_CONTRACT, "not_escalated"),
    ("post", "/v1/deliveries/{delivery_id}/redeliver"): ("subscription_inactive",),
    ("post", "/v1/contracts/{contract_id}/deliveries"): (
        *_CONTRACT,
        "over_delivery",
        "invalid_delivery",
    ),
    ("post", "/v1/contracts/{contract_id}/complete"): _CONTRACT,
    ("post", "/v1/contracts/{contract_id}/terminate"): _CONTRACT,
    ("post", "/v1/contracts/{contract_id}/quality-incidents"): _CONTRACT,
    ("post", "/v1/quality-incidents/{incident_id}/resolve"): ("incident_not_open",),
    ("post", "/v1/quality-incidents/{incident_id}/dispute"): (
        "incident_not_open",
        "already_disputed",
        "self_dispute",
    ),
    ("post", "/v1/disputes"): ("self_dispute",),
    ("post", "/v1/exchange-visits"): ("unit_inactive", "host_among_visitors", "no_visitors"),
    ("post", "/v1/exchange-visits/{visit_id}/held"): ("visit_already_held", "visit_cancelled"),
    ("post", "/v1/exchange-visits/{visit_id}/cancel"): ("visit_already_held", "visit_cancelled"),
    ("post", "/v1/joint-procurements"): ("unit_inactive", "join_until_in_past"),
    ("post", "/v1/joint-procurements/{pool_id}/shares"): (
        "pool_launched",
        "pool_cancelled",
        "joining_closed",
        "unit_inactive",
    ),
    ("delete", "/v1/joint-procurements/{pool_id}/shares/{unit_id}"): (
        "pool_launched",
        "pool_cancelled",
    ),
    ("post", "/v1/joint-procurements/{pool_id}/cancel"): ("pool_launched", "pool_cancelled"),
    # Launching posts the pool's need by the rules of `POST /v1/needs`.
    ("post", "/v1/joint-procurements/{pool_id}/launch"): (
        "pool_launched",
        "pool_cancelled",
        "pool_empty",
        "unit_inactive",
        "invalid_quantity",
    ),
    ("post", "/v1/resources"): ("unit_inactive",),
    ("post", "/v1/resources/{resource_id}/bookings"): (
        "resource_unavailable",
        "resource_withdrawn",
        "self_supply",
        "unit_inactive",
    ),
    ("post", "/v1/resources/{resource_id}/bookings/{booking_id}/cancel"): (
        "booking_status",
        "booking_started",
    ),
    ("post", "/v1/resources/{resource_id}/bookings/{booking_id}/handover"): ("booking_status",),
    ("post", "/v1/resources/{resource_id}/bookings/{booking_id}/return"): ("booking_status",),
    ("post", "/v1/resources/{resource_id}/withdraw"): ("resource_withdrawn",),
    ("post", "/v1/disputes/{dispute_id}/mediation"): (
        "dispute_closed",
        "dispute_status",
        "not_a_party",
        "no_common_superior",
    ),
    ("post", "/v1/disputes/{dispute_id}/resolve"): (
        "dispute_closed",
        "not_the_mediator",
        "not_a_party",
    ),
    ("post", "/v1/disputes/{dispute_id}/withdraw"): ("dispute_closed", "not_the_raiser"),
    # Framework agreements (issue 19): the body's checks answer a bad period, quantity or an
    # empty amendment with a 422 first; the aggregate's rules back them.
    ("post", "/v1/frameworks"): (
        "self_supply",
        "unit_inactive",
        "directive_required",
        "invalid_framework_dates",
        "invalid_schedule",
    ),
    ("post", "/v1/frameworks/{framework_id}/sign"): ("not_a_party", "already_signed"),
    ("post", "/v1/frameworks/{framework_id}/call-offs"): (
        "framework_not_active",
        "period_not_scheduled",
        "period_closed",
        "outside_framework",
        "period_not_priced",
        "over_schedule",
        "unit_inactive",
    ),
    ("post", "/v1/frameworks/{framework_id}/amendments"): (
        *_AMENDMENT,
        "framework_not_active",
        "period_not_scheduled",
        "amendment_pending",
        "invalid_amendment",
    ),
    ("post", "/v1/frameworks/{framework_id}/amendments/{number}/accept"): (
        *_AMENDMENT,
        *_ANSWER,
    ),
    ("post", "/v1/frameworks/{framework_id}/amendments/{number}/reject"): _ANSWER,
    ("post", "/v1/frameworks/{framework_id}/amendments/{number}/escalate"): (
        "not_a_party",
        "not_special_task",
        "not_escalable",
        "no_common_superior",
    ),
    ("post", "/v1/frameworks/{framework_id}/amendments/{number}/decision"): (
        "not_escalated",
        *_AMENDMENT,
    ),
    ("post", "/v1/frameworks/{framework_id}/periods/{period}/close"): (
        "period_closed",
        "period_not_ended",
        "framework_not_active",
    ),
    ("post", "/v1/meetings"): ("regular_meeting_exists",),
    ("post", "/v1/meetings/{meeting_id}/minutes"): ("minutes_recorded",),
    # The body's check answers a second matter with a 422 first; the request's own rule backs it.
    ("post", "/v1/meeting-requests"): ("one_matter",),
    ("post", "/v1/meeting-requests/{request_id}/accept"): ("request_answered",),
    ("post", "/v1/meeting-requests/{request_id}/decline"): ("request_answered",),
    ("post", "/v1/action-items/{action_item_id}/done"): ("action_item_done",),
    ("post", "/v1/inspections/findings"): ("rectify_by_in_past", "unknown_issue"),
    ("post", "/v1/inspections/findings/{finding_id}/rectified"): ("finding_rectified",),
    ("post", "/v1/reports/quarterly/submit"): ("quarter_not_ended", "report_already_submitted"),
    ("post", "/v1/working-groups"): (
        "lead_not_a_member",
        "unit_inactive",
        "unknown_sector",
        "members_required",
        "remit_required",
        "unknown_category",
    ),
    ("patch", "/v1/working-groups/{working_group_id}"): (
        "working_group_dissolved",
        "lead_not_a_member",
        "unit_inactive",
        "unknown_sector",
        "members_required",
        "remit_required",
        "unknown_category",
    ),
    ("post", "/v1/working-groups/{working_group_id}/dissolve"): ("working_group_dissolved",),
    ("put", "/v1/leadership-group"): ("unit_inactive", "members_required"),
    ("post", "/v1/subscriptions"): ("unit_inactive",),
    # Group rules: the body's checks answer bad weights, shares and leads with 422s first; the
    # rules' own checks back them.
    ("post", "/v1/rules"): (
        "effective_from_in_past",
        "unknown_kpi",
        "kpi_weight_missing",
        "weight_out_of_range",
        "weights_not_100",
        "percent_out_of_range",
        "benefit_split_not_100",
        "reminder_lead_out_of_range",
    ),
    ("post", "/v1/rules/platform/{unit_id}"): (
        "effective_from_in_past",
        "not_a_platform",
        "unit_inactive",
        "unknown_kpi",
        "weight_out_of_range",
        "weights_not_100",
    ),
    ("post", "/v1/assessments/annual/{year}/decisions"): (
        "year_not_ended",
        "unit_not_assessed",
        "unknown_decision",
        "decision_not_in_effect",
        "decision_of_another_unit",
        "unknown_decision_kind",
    ),
    ("post", "/v1/assessments/annual/{year}/decisions/{decision_id}/withdraw"): (
        "decision_not_in_effect",
    ),
}

EVERY_COMMAND = (
    "concurrent_modification",
    "idempotency_key_in_progress",
    "idempotency_answer_lost",
)


def rule_codes(method: str, path: str) -> tuple[str, ...]:
    """What a 409 of this operation can name: its rules, then the ones any command can."""
    return (*RULE_CODES.get((method, path), ()), *EVERY_COMMAND)
