"""`/v1/audit`: any aggregate's history and past states, and the hash chain's verification."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, BaseModel, Field

from marketplace.api.deps import EventStoreDep, LedgerDep, PrincipalDep
from marketplace.api.pages import Paged, PageDep
from marketplace.audit import history
from marketplace.handlers.auth import require_auditor
from marketplace.inputs import Moment

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class ActorOut(BaseModel):
    unit_id: str | None
    token_id: str


class AuditEventOut(BaseModel):
    type: str = Field(description="The public event type, or the internal event's class.")
    public: bool = Field(description="Whether the event is published on the bus.")
    version: int
    position: int | None = Field(description="Global position in the event store.")
    occurred_at: AwareDatetime
    actor: ActorOut
    data: dict[str, Any]
    hash: str | None = Field(description="This event's link in the audit hash chain.")
    prev_hash: str | None = Field(description="The link before it (the store's previous event).")


class AuditEventsOut(Paged):
    aggregate_id: str
    items: list[AuditEventOut]


class AggregateStateOut(BaseModel):
    id: str
    type: str
    version: int
    created_at: str
    modified_at: str
    state: dict[str, Any]


class BrokenLinkOut(BaseModel):
    position: int
    aggregate_id: str
    version: int
    problem: Literal["event_modified", "event_missing", "event_not_chained", "link_broken"]


class VerificationOut(BaseModel):
    ok: bool
    events_checked: int
    broken: BrokenLinkOut | None = Field(default=None, description="The first broken link.")


@router.get("/verify", response_model=VerificationOut, response_model_exclude_none=True)
def verify(store: EventStoreDep, ledger: LedgerDep, principal: PrincipalDep) -> VerificationOut:
    """Recompute the hash chain over every stored event (auditor, hq_admin)."""
    require_auditor(principal)
    ledger.extend(store)
    result = ledger.verify(store)
    return VerificationOut.model_validate(asdict(result))


@router.get("/{aggregate_id}/events", response_model=AuditEventsOut)
def aggregate_events(
    aggregate_id: str,
    store: EventStoreDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
    page: PageDep,
) -> AuditEventsOut:
    """Every event of the aggregate in version order, paged (`limit`, `cursor`): who, when,
    what, and its chain link. A page reads only its own events, however long the stream."""
    require_auditor(principal)
    found = history.events_page(store, ledger, aggregate_id, page)
    items = [AuditEventOut.model_validate(asdict(e)) for e in found.items]
    return AuditEventsOut(aggregate_id=aggregate_id, items=items, next_cursor=found.next_cursor)


@router.get("/{aggregate_id}/state", response_model=AggregateStateOut)
def aggregate_state(
    aggregate_id: str,
    store: EventStoreDep,
    principal: PrincipalDep,
    version: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="The state after this version.")
    ] = None,
    as_of: Annotated[Moment | None, Query(description="The state at this moment.")] = None,
) -> AggregateStateOut:
    """The aggregate as it was after `version`, or at `as_of`, or now (secrets left out)."""
    require_auditor(principal)
    if version is not None and as_of is not None:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "as_of"),
                    "msg": "Give version or as_of, not both.",
                    "type": "value_error",
                }
            ]
        )
    state = history.state_at(store, aggregate_id, version, as_of=as_of)
    return AggregateStateOut.model_validate(state)
