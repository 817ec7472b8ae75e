"""`/audit`: the auditor's desk (auditor, hq_admin) — a search of aggregates in the read models and
the hash chain's verification; an aggregate's timeline, its state as of a version or a moment and
two versions' differences, each what the audit API's own handlers answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.api.routes.audit import (
    AggregateStateOut,
    VerificationOut,
    aggregate_events,
    aggregate_state,
    verify,
)
from marketplace.audit.chain import Ledger
from marketplace.handlers.auth import require_auditor
from marketplace.handlers.errors import NotFound
from marketplace.inputs import Moment
from marketplace.portal import audit_page, contract_page
from marketplace.portal.i18n import N_
from marketplace.portal.need_page import moment
from marketplace.portal.web import PageRoute, SignedIn, Viewer, query
from marketplace.portal.wording import field_errors
from marketplace.projections import contract_list, needs_board, tender_list
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 50  # timeline rows a page shows
MAX_VERSION = 2**31 - 1  # as the API's `version` query

PROBLEMS = {
    "event_modified": N_("the stored event no longer matches its hash"),
    "event_missing": N_("the event the chain links is missing from the store"),
    "event_not_chained": N_("the stored event has no link in the chain"),
    "link_broken": N_("the link does not follow the hash before it"),
}
NOT_A_VERSION = N_("This aggregate has versions 1 to {latest}.")
NOT_YET = N_("The aggregate did not exist yet at that moment.")


class StateAsked(BaseModel):
    """The state form's query, bounded as the API's `version` and `as_of` are."""

    version: Annotated[int | None, Field(ge=1, le=MAX_VERSION)] = None
    as_of: Moment | None = None


class DiffAsked(BaseModel):
    """The diff form's two versions (`from`, `to`)."""

    from_: Annotated[int, Field(ge=1, le=MAX_VERSION, alias="from")]
    to: Annotated[int, Field(ge=1, le=MAX_VERSION)]


def _parts(viewer: Viewer) -> tuple[EventSourcingStore, Ledger]:
    store = viewer.svc.store
    if not isinstance(store, EventSourcingStore):
        raise TypeError(f"the portal runs on an EventSourcingStore, not {type(store).__name__}")
    return store, viewer.ledger


async def _verification(viewer: Viewer, request: Request) -> VerificationOut | None:
    """The whole chain's check when the page asks for it (`?verify=1`), else None: it reads
    and hashes every stored event (seconds on a store of a million), too much for every view."""
    if not query(request, "verify"):
        return None
    store, ledger = _parts(viewer)
    return await run_in_threadpool(verify, store, ledger, viewer.signed_in)


@router.get("/audit")
async def desk(viewer: SignedIn, request: Request) -> Response:
    require_auditor(viewer.signed_in)
    q = (query(request, "q") or "").strip()
    found: audit_page.Found | None = None
    recorded: int | None = None  # the latest version of an aggregate named `q`
    if q:
        runtime = viewer.runtime
        found = await audit_page.search(
            await runtime.reader(needs_board.PROJECTION.name),
            await runtime.reader(tender_list.PROJECTION.name),
            await runtime.reader(contract_list.PROJECTION.name),
            q,
        )
        recorded = await run_in_threadpool(_recorded, viewer, q)
    return viewer.render(
        "audit/desk.html",
        q=q,
        found=found,
        recorded=recorded,
        verification=await _verification(viewer, request),
        chain_action=request.url.path,
        chain_keep=[(k, v) for k, v in request.query_params.multi_items() if k != "verify"],
        problems=PROBLEMS,
        contract_word=lambda code: contract_page.word(code, viewer._),
    )


def _recorded(viewer: Viewer, aggregate_id: str) -> int | None:
    """The version of the aggregate's last event when one is recorded under the id, else None
    (its last event, read alone: no replay)."""
    store, _ = _parts(viewer)
    last = store.events_of(aggregate_id, desc=True, limit=1)
    return int(last[0].originator_version) if last else None


@router.get("/audit/{aggregate_id}")
async def aggregate(viewer: SignedIn, request: Request, aggregate_id: str) -> Response:
    require_auditor(viewer.signed_in)
    store, ledger = _parts(viewer)
    principal = viewer.signed_in
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    events = await run_in_threadpool(aggregate_events, aggregate_id, store, ledger, principal, page)
    now = await run_in_threadpool(aggregate_state, aggregate_id, store, principal, None, None)
    errors: dict[str, str] = {}
    values = {n: query(request, n) or "" for n in ("version", "as_of", "from", "to")}
    asked_state = await _asked_state(viewer, aggregate_id, values, now.version, errors)
    compared = await _compared(viewer, aggregate_id, values, now.version, errors)
    diff = None
    if compared is not None:
        old, new = (c.model_dump()["state"] for c in compared)
        diff = audit_page.differences(old, new)
    return viewer.render(
        "audit/aggregate.html",
        422 if errors else 200,
        aggregate_id=aggregate_id,
        events=events,
        now=now,
        asked_state=asked_state,
        shown_state=asked_state or now,
        values=values,
        errors=errors,
        diff=diff,
        compared=compared,
        verification=await _verification(viewer, request),
        chain_action=request.url.path,
        chain_keep=[(k, v) for k, v in request.query_params.multi_items() if k != "verify"],
        problems=PROBLEMS,
        changes=audit_page.CHANGES,
        flatten=audit_page.flatten,
        shown=audit_page.shown,
        at=lambda moment: _local(viewer, moment),
    )


async def _asked_state(
    viewer: Viewer, aggregate_id: str, values: dict[str, str], latest: int, errors: dict[str, str]
) -> AggregateStateOut | None:
    """The state the state form asks for (`version` or `as_of`), None when it asks for none;
    what is wrong with the form goes into `errors`."""
    form = {k: v for k, v in values.items() if k in ("version", "as_of") and v}
    if not form:
        return None
    if "as_of" in form:
        form["as_of"] = moment(form["as_of"], viewer)
    try:
        asked = StateAsked.model_validate(form)
    except ValidationError as invalid:
        errors |= field_errors(invalid, viewer._, ("version", "as_of"))
        return None
    if asked.version is not None and asked.as_of is not None:
        errors[""] = viewer._("Give a version or a moment, not both.")
        return None
    return await _state_or_error(viewer, aggregate_id, asked, latest, errors)


async def _compared(
    viewer: Viewer, aggregate_id: str, values: dict[str, str], latest: int, errors: dict[str, str]
) -> tuple[AggregateStateOut, AggregateStateOut] | None:
    """The states of the diff form's two versions (`from`, `to`), None when it asks for none;
    what is wrong with the form goes into `errors`."""
    if not (values["from"] or values["to"]):
        return None
    try:
        versions = DiffAsked.model_validate({"from": values["from"], "to": values["to"]})
    except ValidationError as invalid:
        errors |= field_errors(invalid, viewer._, ("from", "to"))
        return None
    wrong = {n: v for n, v in (("from", versions.from_), ("to", versions.to)) if v > latest}
    errors |= {name: viewer._(NOT_A_VERSION, latest=latest) for name in wrong}
    if wrong:
        return None
    return (
        await _state(viewer, aggregate_id, versions.from_, None),
        await _state(viewer, aggregate_id, versions.to, None),
    )


async def _state(
    viewer: Viewer, aggregate_id: str, version: int | None, as_of: Any
) -> AggregateStateOut:
    store, _ = _parts(viewer)
    return await run_in_threadpool(
        aggregate_state, aggregate_id, store, viewer.signed_in, version, as_of
    )


async def _state_or_error(
    viewer: Viewer, aggregate_id: str, asked: StateAsked, latest: int, errors: dict[str, str]
) -> AggregateStateOut | None:
    """The state asked for; a version past the latest or a moment before the first event is
    said beside its field (the API answers 404 for both) and gives no state."""
    if asked.version is not None and asked.version > latest:
        errors["version"] = viewer._(NOT_A_VERSION, latest=latest)
        return None
    try:
        return await _state(viewer, aggregate_id, asked.version, asked.as_of)
    except NotFound:
        if asked.as_of is None:
            raise
        errors["as_of"] = viewer._(NOT_YET)
        return None


def _local(viewer: Viewer, moment: datetime | str) -> str:
    """A moment in the group's time zone to the second (the moment form takes seconds too)."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(viewer.svc.zone).strftime("%Y-%m-%d %H:%M:%S")
