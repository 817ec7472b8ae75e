"""The commands over Kafka: one per write of the HTTP API, derived from the app's own routes.

Each `POST`/`PATCH`/`DELETE` under `/v1/` is a command `marketplace.command.<name>.v1` whose
`data` is the route's body plus its path ids. Nothing here repeats a route: the method, the
path, the path ids and the body model are read from the app, so a command cannot drift from
its route; only the names are chosen here (a route's function name is often terse or shared,
e.g. `award` for a need and for a tender). A route missing from `NAMES` gets its function's
name when no other command has it, else it has no command and `missing_commands` says so.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field, TypeAdapter, create_model

from marketplace.log import get_logger

log = get_logger(__name__)

WRITES = frozenset({"POST", "PATCH", "DELETE", "PUT"})
TYPE_PREFIX, TYPE_SUFFIX = "marketplace.command.", ".v1"

# (method, path) → command name: imperative, in the contract's words (CONTRACT.md "Commands
# over Kafka" names post_need, submit_offer, award_need, sign_contract, record_delivery, …).
NAMES: dict[tuple[str, str], str] = {
    ("POST", "/v1/units"): "register_unit",
    ("PATCH", "/v1/units/{unit_id}"): "update_unit",
    ("POST", "/v1/tokens"): "issue_token",
    ("DELETE", "/v1/tokens/{token_id}"): "revoke_token",
    ("POST", "/v1/catalog/versions"): "open_catalog_version",
    ("POST", "/v1/catalog/versions/{version_id}/submissions"): "submit_catalog_entries",
    (
        "POST",
        "/v1/catalog/versions/{version_id}/entries/{entry_id}/approve",
    ): "approve_catalog_entry",
    ("POST", "/v1/catalog/versions/{version_id}/entries/{entry_id}/reject"): "reject_catalog_entry",
    ("POST", "/v1/catalog/versions/{version_id}/entries/approve"): "approve_catalog_entries",
    ("POST", "/v1/catalog/versions/{version_id}/entries/reject"): "reject_catalog_entries",
    ("POST", "/v1/catalog/versions/{version_id}/publish"): "publish_catalog_version",
    ("POST", "/v1/needs"): "post_need",
    ("POST", "/v1/needs/{need_id}/offers"): "submit_offer",
    ("POST", "/v1/needs/{need_id}/award"): "award_need",
    ("POST", "/v1/needs/{need_id}/cancel"): "cancel_need",
    ("POST", "/v1/needs/{need_id}/external-sourcing"): "request_external_sourcing",
    ("POST", "/v1/needs/{need_id}/close-external"): "close_need_externally",
    ("POST", "/v1/needs/{need_id}/tender"): "launch_tender",
    ("POST", "/v1/offers/{offer_id}/revise"): "revise_offer",
    ("POST", "/v1/offers/{offer_id}/withdraw"): "withdraw_offer",
    ("POST", "/v1/external-sourcing/{request_id}/approve"): "approve_external_sourcing",
    ("POST", "/v1/external-sourcing/{request_id}/reject"): "reject_external_sourcing",
    ("POST", "/v1/notifications/read-all"): "mark_all_notifications_read",
    ("POST", "/v1/notifications/{notification_id}/read"): "mark_notification_read",
    ("POST", "/v1/deliveries/{delivery_id}/redeliver"): "redeliver_webhook",
    ("POST", "/v1/directives"): "issue_directive",
    ("POST", "/v1/tenders/{tender_id}/bids"): "submit_bid",
    ("POST", "/v1/tenders/{tender_id}/open"): "open_bids",
    ("POST", "/v1/tenders/{tender_id}/award"): "award_tender",
    ("POST", "/v1/contracts/{contract_id}/sign"): "sign_contract",
    ("POST", "/v1/contracts/{contract_id}/price-proposals"): "propose_price",
    ("POST", "/v1/contracts/{contract_id}/price-agreement"): "agree_price",
    ("POST", "/v1/contracts/{contract_id}/pricing-escalation"): "escalate_pricing",
    ("POST", "/v1/contracts/{contract_id}/price-decision"): "decide_price",
    ("POST", "/v1/contracts/{contract_id}/deliveries"): "record_delivery",
    ("POST", "/v1/contracts/{contract_id}/complete"): "complete_contract",
    ("POST", "/v1/contracts/{contract_id}/terminate"): "terminate_contract",
    ("POST", "/v1/contracts/{contract_id}/quality-incidents"): "raise_quality_incident",
    ("POST", "/v1/disputes"): "open_dispute",
    ("POST", "/v1/disputes/{dispute_id}/mediation"): "request_mediation",
    ("POST", "/v1/disputes/{dispute_id}/resolve"): "resolve_dispute",
    ("POST", "/v1/disputes/{dispute_id}/withdraw"): "withdraw_dispute",
    ("POST", "/v1/meetings"): "schedule_meeting",
    ("POST", "/v1/meetings/{meeting_id}/minutes"): "record_minutes",
    ("POST", "/v1/meeting-requests"): "request_meeting",
    ("POST", "/v1/meeting-requests/{request_id}/accept"): "accept_meeting_request",
    ("POST", "/v1/meeting-requests/{request_id}/decline"): "decline_meeting_request",
    ("POST", "/v1/action-items/{action_item_id}/done"): "mark_action_item_done",
    ("POST", "/v1/quality-incidents/{incident_id}/resolve"): "resolve_quality_incident",
    ("POST", "/v1/quality-incidents/{incident_id}/dispute"): "dispute_quality_incident",
    ("POST", "/v1/exchange-visits"): "plan_exchange_visit",
    ("POST", "/v1/exchange-visits/{visit_id}/held"): "record_exchange_visit_held",
    ("POST", "/v1/exchange-visits/{visit_id}/cancel"): "cancel_exchange_visit",
    ("POST", "/v1/frameworks"): "draw_up_framework",
    ("POST", "/v1/frameworks/{framework_id}/sign"): "sign_framework",
    ("POST", "/v1/frameworks/{framework_id}/call-offs"): "call_off_framework",
    ("POST", "/v1/frameworks/{framework_id}/amendments"): "propose_framework_amendment",
    (
        "POST",
        "/v1/frameworks/{framework_id}/amendments/{number}/accept",
    ): "accept_framework_amendment",
    (
        "POST",
        "/v1/frameworks/{framework_id}/amendments/{number}/reject",
    ): "reject_framework_amendment",
    (
        "POST",
        "/v1/frameworks/{framework_id}/amendments/{number}/escalate",
    ): "escalate_framework_amendment",
    (
        "POST",
        "/v1/frameworks/{framework_id}/amendments/{number}/decision",
    ): "decide_framework_amendment",
    ("POST", "/v1/frameworks/{framework_id}/periods/{period}/close"): "close_framework_period",
    ("POST", "/v1/joint-procurements"): "open_joint_procurement",
    ("POST", "/v1/joint-procurements/{pool_id}/shares"): "join_joint_procurement",
    (
        "DELETE",
        "/v1/joint-procurements/{pool_id}/shares/{unit_id}",
    ): "withdraw_from_joint_procurement",
    ("POST", "/v1/joint-procurements/{pool_id}/launch"): "launch_joint_procurement",
    ("POST", "/v1/joint-procurements/{pool_id}/cancel"): "cancel_joint_procurement",
    ("POST", "/v1/resources"): "list_resource",
    ("POST", "/v1/resources/{resource_id}/bookings"): "book_resource",
    ("POST", "/v1/resources/{resource_id}/bookings/{booking_id}/cancel"): "cancel_booking",
    ("POST", "/v1/resources/{resource_id}/bookings/{booking_id}/handover"): "hand_over_resource",
    ("POST", "/v1/resources/{resource_id}/bookings/{booking_id}/return"): "return_resource",
    ("POST", "/v1/resources/{resource_id}/withdraw"): "withdraw_resource",
    ("POST", "/v1/inspections/findings"): "record_finding",
    ("POST", "/v1/inspections/findings/{finding_id}/rectified"): "report_rectification",
    ("POST", "/v1/reports/quarterly/submit"): "submit_quarterly_report",
    ("POST", "/v1/working-groups"): "form_working_group",
    ("PATCH", "/v1/working-groups/{working_group_id}"): "revise_working_group",
    ("POST", "/v1/working-groups/{working_group_id}/dissolve"): "dissolve_working_group",
    ("PUT", "/v1/leadership-group"): "set_leadership_group",
    ("POST", "/v1/rules"): "publish_rules",
    ("POST", "/v1/rules/platform/{unit_id}"): "publish_platform_scheme",
    ("POST", "/v1/assessments/annual/{year}/decisions"): "record_assessment_decisions",
    ("POST", "/v1/assessments/annual/{year}/decisions/{decision_id}/withdraw"): (
        "withdraw_assessment_decision"
    ),
    ("POST", "/v1/subscriptions"): "subscribe",
    ("DELETE", "/v1/subscriptions/{subscription_id}"): "remove_subscription",
    ("POST", "/v1/audit/replays"): "request_replay",
    ("DELETE", "/v1/audit/replays/{replay_id}"): "remove_replay",
}

# Writes that have no command, and why: each one's body cannot travel as a Kafka message.
HTTP_ONLY: dict[tuple[str, str], str] = {
    ("POST", "/v1/catalog/entries/{entry_id}/documents"): (
        "a technical document of up to 20 MB does not fit a Kafka message (1 MB by default); "
        "documents go over HTTP, and their `marketplace.document.attached.v1` event over Kafka"
    ),
}


@dataclass(frozen=True)
class Command:
    """One command: the route it runs, and its message model (the body plus the path ids)."""

    name: str
    method: str
    path: str  # the route's template, e.g. "/v1/needs/{need_id}/offers"
    path_ids: tuple[str, ...]
    body: Any  # the route's body annotation (a model, a union of models, optional), or None
    model: Any  # the command's `data`: a model, or a union of models
    path_model: type[BaseModel]  # the path ids alone

    @property
    def type(self) -> str:
        return f"{TYPE_PREFIX}{self.name}{TYPE_SUFFIX}"

    def json_schema(self) -> dict[str, Any]:
        return TypeAdapter(self.model).json_schema()

    def checked_path_ids(self, data: dict[str, Any]) -> dict[str, str]:
        """The path ids in `data`; `ValidationError` when one is missing, empty or not a string."""
        given = {name: data[name] for name in self.path_ids if name in data}
        checked = self.path_model.model_validate(given, strict=True)
        return {name: getattr(checked, name) for name in self.path_ids}


def command_name_of(message_type: str) -> str | None:
    """`post_need` of `marketplace.command.post_need.v1`; None for any other type."""
    if not (message_type.startswith(TYPE_PREFIX) and message_type.endswith(TYPE_SUFFIX)):
        return None
    return message_type[len(TYPE_PREFIX) : -len(TYPE_SUFFIX)] or None


def write_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, path, route) of every write under `/v1/` of the app (but `HTTP_ONLY`'s)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, APIRoute) and path.startswith("/v1/"):
            for method in sorted((route.methods or set()) & WRITES):
                if (method, path) not in HTTP_ONLY:
                    yield method, path, route


def command_table(app: FastAPI) -> dict[str, Command]:
    """Every write of `app` as a command, by name."""
    table: dict[str, Command] = {}
    unnamed: list[tuple[str, str, APIRoute]] = []
    for method, path, route in write_routes(app):
        name = NAMES.get((method, path))
        if name is None:
            unnamed.append((method, path, route))
        else:
            table[name] = _command(name, method, path, route)
    for method, path, route in unnamed:
        if route.name in table:
            log.warning("write_without_command", method=method, path=path, name=route.name)
            continue
        table[route.name] = _command(route.name, method, path, route)
    return table


def missing_commands(app: FastAPI, table: dict[str, Command]) -> list[tuple[str, str]]:
    """(method, path) of each write of `app` that no command of `table` runs."""
    covered = {(c.method, c.path) for c in table.values()}
    return [(m, p) for m, p, _ in write_routes(app) if (m, p) not in covered]


def _command(name: str, method: str, path: str, route: APIRoute) -> Command:
    path_ids = tuple(p.name for p in route.dependant.path_params)
    body = route.body_field.field_info.annotation if route.body_field is not None else None
    model = _data_model(name, path_ids, body)
    path_model = create_model(f"{_camel(name)}PathIds", **_id_fields(path_ids))
    return Command(name, method, path, path_ids, body, model, path_model)


def _id_fields(path_ids: tuple[str, ...]) -> dict[str, Any]:
    return {
        p: (str, Field(min_length=1, description=f"The `{{{p}}}` of the route's path."))
        for p in path_ids
    }


def _data_model(name: str, path_ids: tuple[str, ...], body: Any) -> Any:
    """The body model(s) with the path ids added as required strings (pydantic.create_model)."""
    ids = _id_fields(path_ids)
    members = [m for m in typing.get_args(body) or (body,) if m is not None and m is not type(None)]
    optional = body is None or len(members) < len(typing.get_args(body) or (body,))
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    variants: list[type[BaseModel]] = [
        create_model(f"{_camel(name)}{'' if len(models) == 1 else m.__name__}", __base__=m, **ids)
        for m in models
    ]
    if optional or not variants:  # a route whose body may be left out: the ids alone
        variants.append(create_model(_camel(name) + ("Ids" if variants else ""), **ids))
    if len(variants) == 1:
        return variants[0]
    return typing.Union[tuple(variants)]  # noqa: UP007  (built at run time)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Command"


__all__ = [
    "HTTP_ONLY",
    "NAMES",
    "Command",
    "command_name_of",
    "command_table",
    "missing_commands",
    "write_routes",
]
