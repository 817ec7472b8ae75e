"""`/rules`: the group's rules (paper §3.4.3①) — the version in force, every version, the
platforms' assessment schemes; HQ publishes a version, a platform's admin its platform's scheme
(the API's `POST /v1/rules` and `POST /v1/rules/platform/{unit_id}` bodies and handlers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.assessment import KPIS
from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.aggregates.organisation import Level
from marketplace.aggregates.rules import MAX_REMINDER_LEAD_HOURS, RulesVersion
from marketplace.api.routes.rules import RulesIn, SchemeIn, publish_command
from marketplace.handlers import rules
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import chart
from marketplace.portal.dashboard_page import KPI_NAMES
from marketplace.portal.i18n import N_, Translator
from marketplace.portal.need_page import typed
from marketplace.portal.web import CheckedForm, PageRoute, SignedIn, Viewer, text_fields
from marketplace.portal.wording import FIELD_ERRORS, INVALID, refusal

router = APIRouter(route_class=PageRoute, include_in_schema=False)
WEIGHT_FIELDS = tuple(f"w-{k}" for k in KPIS)
RULES_FIELDS = (
    "effective_from",
    *WEIGHT_FIELDS,
    "internal_preference_margin_pct",
    "arm_length_tolerance_pct",
    "split-demand",
    "split-supply",
    "reminder_lead_hours",
)
SCHEME_FIELDS = ("platform_unit_id", "effective_from", *WEIGHT_FIELDS)
# The body's fields (dotted, as the API's 422 names them) → the form's.
FORM_NAMES = {
    "assessment.weights": "weights",
    "benefit_split.demand": "split-demand",
    "benefit_split.supply": "split-supply",
    **{f"assessment.weights.{k}": f"w-{k}" for k in KPIS},
}
WHOLE_WEIGHT = N_("Enter a whole number from 0 to 100.")
PROBLEMS = {
    "kpi_weight_missing": N_("Give every indicator a weight (0 leaves it out)."),
    "weights_not_100": N_("The weights must sum to 100; they sum to {sum}."),
    "unknown_kpi": N_("That is not one of the indicators."),
    "benefit_split_not_100": N_("The two shares must sum to 100."),
}
LEAD = N_("Enter a whole number of hours from 1 to 720.")
REFUSALS = {
    "effective_from_in_past": N_("Rules take effect today or on a later day."),
    "not_a_platform": N_("Assessment schemes are the platforms' own: choose a platform."),
}
STATES = {"in_force": N_("in force"), "scheduled": N_("scheduled"), "replaced": N_("replaced")}


def _weights(values: dict[str, str]) -> dict[str, Any]:
    """The weights typed: whole numbers as numbers, other text as typed (the body says what
    is wrong with it), an empty field left out."""
    found: dict[str, Any] = {}
    for kpi in KPIS:
        text = values[f"w-{kpi}"].strip()
        if text:
            found[kpi] = int(text) if text.isdigit() and len(text) <= 4 else text
    return found


def _message(err: Any, name: str, weights: dict[str, Any], _: Translator) -> str:
    kind = str(err.get("type"))
    if kind == "weights_not_100":
        return _(PROBLEMS[kind], sum=sum(w for w in weights.values() if isinstance(w, int)))
    if kind in PROBLEMS:
        return _(PROBLEMS[kind])
    if name.startswith("w-"):
        return _(WHOLE_WEIGHT)
    if name == "reminder_lead_hours":
        return _(LEAD)
    return _(FIELD_ERRORS.get(kind, INVALID))


def _errors(invalid: ValidationError, weights: dict[str, Any], _: Translator) -> dict[str, str]:
    """Each problem beside its field of the form (the weights' sum beside the weights)."""
    found: dict[str, str] = {}
    for err in invalid.errors():
        dotted = ".".join(str(p) for p in err.get("loc", ()))
        name = FORM_NAMES.get(dotted, dotted)
        found.setdefault(name, _message(err, name, weights, _))
    return found


def _rules_body(values: dict[str, str]) -> dict[str, Any]:
    """The API's body from the form, which shows a whole version: an empty reminder lead is
    the deployment's setting (null); other empty fields are as before."""
    data: dict[str, Any] = typed(
        {k: values[k] for k in ("effective_from", "internal_preference_margin_pct",
                                "arm_length_tolerance_pct")}
    )  # fmt: skip
    data["assessment"] = {"weights": _weights(values)}
    if values["split-demand"].strip() or values["split-supply"].strip():
        data["benefit_split"] = {"demand": values["split-demand"], "supply": values["split-supply"]}
    lead = values["reminder_lead_hours"].strip()
    data["reminder_lead_hours"] = int(lead) if lead.isdigit() and len(lead) <= 6 else lead or None
    return data


def _version_values(v: RulesVersion) -> dict[str, str]:
    """A version as the publish form shows it (the version in force, to change from)."""
    return {
        "effective_from": "",
        **{f"w-{k}": str(w) for k, w in v.assessment_weights.items()},
        "internal_preference_margin_pct": str(v.internal_preference_margin_pct),
        "arm_length_tolerance_pct": str(v.arm_length_tolerance_pct),
        "split-demand": str(v.benefit_split_demand_pct),
        "split-supply": str(v.benefit_split_supply_pct),
        "reminder_lead_hours": "" if v.reminder_lead_hours is None else str(v.reminder_lead_hours),
    }


def _state(v: RulesVersion, in_force: RulesVersion, today: Any) -> str:
    if v.version == in_force.version:
        return "in_force"
    scheduled = v.effective_from is not None and v.effective_from > today
    return "scheduled" if scheduled else "replaced"


def _platforms(viewer: Viewer) -> list[str]:
    """The platforms whose schemes the token publishes: any for HQ, its own for its admin."""
    principal = viewer.signed_in
    org = chart(viewer.svc)
    platforms = sorted(u.id for u in org.units.values() if u.level is Level.PLATFORM)
    if principal.has(Role.HQ_ADMIN):
        return platforms
    if principal.has(Role.PLATFORM_ADMIN):
        return [p for p in platforms if p == principal.unit_id]
    return []


def _facts(viewer: Viewer) -> dict[str, Any]:
    svc, today = viewer.svc, viewer.svc.today()
    in_force = rules.in_force(svc, today)
    versions = rules.versions(svc)
    org = chart(svc)
    platforms = sorted(u.id for u in org.units.values() if u.level is Level.PLATFORM)
    schemes = {p: rules.platform_schemes(svc, p) for p in platforms}
    found = rules.group_rules(svc)
    return {
        "in_force": in_force,
        "versions": [(v, _state(v, in_force, today)) for v in reversed(versions)],
        "schemes": schemes,
        "schemes_now": {p: found.scheme_in_force(p, today) if found else None for p in platforms},
        "publishable": _platforms(viewer),
        "today": today,
    }


async def _page(
    viewer: Viewer,
    status: int = 200,
    rules_form: dict[str, Any] | None = None,
    scheme_form: dict[str, Any] | None = None,
) -> Response:
    facts = await run_in_threadpool(_facts, viewer)
    blank: dict[str, Any] = {"values": {}, "errors": {}, "refused": None}
    first = facts["publishable"][0] if facts["publishable"] else ""
    _ = viewer._
    return viewer.render(
        "rules/page.html",
        status,
        **facts,
        kpis=[(k, _(KPI_NAMES[k])) for k in KPIS],
        may_publish=viewer.signed_in.has(Role.HQ_ADMIN),
        rules_form=rules_form or blank | {"values": _version_values(facts["in_force"])},
        scheme_form=scheme_form or blank | {"values": {"platform_unit_id": first}},
        state_word=lambda code: _(STATES[code]),
        weights_text=lambda pairs: weights_text(pairs, _),
        max_lead=MAX_REMINDER_LEAD_HOURS,
    )


@router.get("/rules")
async def rules_page(viewer: SignedIn) -> Response:
    return await _page(viewer)


def _refused(refused: DomainError, _: Translator) -> tuple[dict[str, str], str | None]:
    """A refusal beside the field it concerns (a past day), else as a sentence."""
    if refused.code == "effective_from_in_past":
        return {"effective_from": _(REFUSALS[refused.code])}, None
    if refused.code in REFUSALS:
        return {}, _(REFUSALS[refused.code])
    return {}, refusal(refused, _)


async def _attempt(viewer: Viewer, call: Any, *args: Any) -> tuple[dict[str, str], str | None]:
    try:
        await run_in_threadpool(call, viewer.svc, viewer.signed_in, *args)
    except RecordNotFound:
        raise
    except DomainError as refused:
        return _refused(refused, viewer._)
    return {}, None


@router.post("/rules")
async def publish(viewer: SignedIn, form: CheckedForm) -> Response:
    """HQ publishes a version (anyone else: a 403 page, as the handler answers)."""
    if not viewer.signed_in.has(Role.HQ_ADMIN):
        raise Forbidden("Only HQ publishes the group's rules.")
    values = text_fields(form, *RULES_FIELDS)
    data = _rules_body(values)
    try:
        body = RulesIn.model_validate(data)
    except ValidationError as invalid:
        errors = _errors(invalid, data["assessment"]["weights"], viewer._)
        return await _page(viewer, 422, rules_form={"values": values, "errors": errors})
    errors, refused = await _attempt(viewer, rules.publish_rules, publish_command(body))
    if errors or refused:
        shown = {"values": values, "errors": errors, "refused": refused}
        return await _page(viewer, 409, rules_form=shown)
    return RedirectResponse("/rules", status_code=303)


@router.post("/rules/platform")
async def publish_scheme(viewer: SignedIn, form: CheckedForm) -> Response:
    """A platform's admin publishes its platform's scheme, HQ any platform's: the KPIs given
    a weight are the ones it chose."""
    values = text_fields(form, *SCHEME_FIELDS)
    platform = values["platform_unit_id"].strip()
    if platform not in await run_in_threadpool(_platforms, viewer):
        raise Forbidden("This token publishes no scheme for that unit.", {"unit_id": platform})
    weighed = _weights(values)
    data: dict[str, Any] = typed({"effective_from": values["effective_from"]})
    data["assessment"] = {"weights": weighed}
    try:
        body = SchemeIn.model_validate(data)
    except ValidationError as invalid:
        errors = _errors(invalid, weighed, viewer._)
        return await _page(viewer, 422, scheme_form={"values": values, "errors": errors})
    weights = dict(body.assessment.weights)
    errors, refused = await _attempt(
        viewer, rules.publish_platform_scheme, platform, body.effective_from, weights
    )
    if errors or refused:
        shown = {"values": values, "errors": errors, "refused": refused}
        return await _page(viewer, 409, scheme_form=shown)
    return RedirectResponse("/rules", status_code=303)


def weights_text(weights: Sequence[tuple[str, int]], _: Translator) -> str:
    return ", ".join(f"{_(KPI_NAMES.get(k, k))} {w}" for k, w in weights if w)
